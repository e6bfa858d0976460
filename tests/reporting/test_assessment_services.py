"""The assessment's services and workflow on PostgreSQL (reporting/assessments/services.py,
workflow.py): rounds and scope, the lead's self-assessment, the chain of review, closing
with 不合格 for not submitting, reminders exactly once, and the consequences of grades."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from applications.models import Consortium, ConsortiumProject
from liaoyang_consortia.models import Notification
from members.models import IntegrityRecord
from reporting.assessments import services, workflow
from reporting.assessments.models import (
    Assessment,
    AssessmentReminder,
    AssessmentState,
    DisqualificationProposal,
    Indicator,
    IndicatorTemplate,
    IndicatorValue,
    Rectification,
)
from tests.reporting import make_consortium
from tests.reporting.assessment_world import consortium_of, default_template, fill_in, make_round

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def consortium(alice):
    return consortium_of(alice)


@pytest.fixture
def opened(charlie, consortium):
    round_ = make_round(charlie)
    services.open_round(actor=charlie, round=round_)
    return Assessment.objects.get(round=round_, consortium=consortium)


def _state(assessment):
    return Assessment.objects.values_list("state", flat=True).get(pk=assessment.pk)


def test_it_seeds_a_default_template_of_at_least_12_indicators_totalling_100():
    template = default_template()
    indicators = list(template.indicators.select_related("criterion"))
    assert len(indicators) >= 12
    assert sum(i.weight for i in indicators) == 100
    assert {i.category for i in indicators} == {
        "joint_research",
        "platform",
        "transfer",
        "ip_standards",
        "regional",
        "finance",
        "operation",
    }
    expert = [i for i in indicators if i.method == "expert"]
    assert all(i.criterion.max_points == i.weight for i in expert)
    assert template.score_sheet.purpose == "assessment"
    assert IndicatorTemplate.in_force(date(2026, 6, 1)) == template


def test_it_refuses_to_put_in_force_a_template_whose_weights_are_not_100(charlie):
    template = IndicatorTemplate.objects.create(name="试行", version="1")
    Indicator.objects.create(
        template=template, name="甲", category="joint_research", weight=99, method="expert"
    )
    with pytest.raises(ValidationError, match="当前为99分"):
        services.put_template_in_force(actor=charlie, template=template, on=date(2027, 1, 1))
    Indicator.objects.create(
        template=template, name="乙", category="operation", weight=1, method="expert"
    )
    services.put_template_in_force(actor=charlie, template=template, on=date(2027, 1, 1))
    template.refresh_from_db()
    assert template.in_force_from == date(2027, 1, 1)
    assert template.score_sheet.criteria.count() == 2
    copy = services.copy_template(actor=charlie, template=template, version="2")
    assert copy.in_force_from is None and copy.indicators.count() == 2


def test_it_scopes_a_round_to_active_consortia_named_a_year_before_it_opens(charlie, alice):
    old = consortium_of(alice, named_on=date(2026, 3, 1))
    young = make_consortium(named_on=date(2026, 3, 2))
    gone = make_consortium(named_on=date(2024, 1, 1), status=Consortium.Status.DISQUALIFIED)
    round_ = make_round(charlie, opens_on=date(2027, 3, 1))
    scope = set(round_.assessments.values_list("consortium_id", flat=True))
    assert old.pk in scope and young.pk not in scope and gone.pk not in scope
    services.add_to_scope(actor=charlie, round=round_, consortium=young)
    services.remove_from_scope(actor=charlie, assessment=round_.assessments.get(consortium=old))
    assert set(round_.assessments.values_list("consortium_id", flat=True)) == {young.pk}
    services.open_round(actor=charlie, round=round_)
    with pytest.raises(ValidationError, match="不能再调整考核范围"):
        services.add_to_scope(actor=charlie, round=round_, consortium=old)


def test_it_refuses_a_second_round_of_the_same_kind_and_year_and_bad_bands(charlie):
    make_round(charlie)
    with pytest.raises(ValidationError) as error:
        make_round(charlie)
    assert "year" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        make_round(charlie, year=2027, band_good=Decimal("90"))
    assert "band_excellent" in error.value.message_dict


def test_only_city_staff_create_and_open_rounds(alice, bob):
    with pytest.raises(PermissionDenied):
        make_round(alice)
    with pytest.raises(PermissionDenied):
        make_round(bob)


def test_opening_starts_self_assessment_and_fills_the_computed_indicators(
    opened, consortium, alice
):
    assert opened.state == AssessmentState.SELF_ASSESSMENT
    values = IndicatorValue.objects.filter(assessment=opened).select_related("indicator")
    assert values.count() == default_template().indicators.count()
    report = values.get(indicator__source="report_on_time")
    assert report.computed_points == 0 and "未生成或未报送" in report.computed_basis
    assert Notification.objects.filter(event="assessment_open", recipient=alice).exists()


def test_it_computes_confirmed_projects_running_in_the_year(opened, consortium, alice, charlie):
    for level, year in [("national", 2026), ("city", 2026), ("province", 2024)]:
        ConsortiumProject.objects.create(
            consortium=consortium,
            name=f"{level}项目",
            level=level,
            number=level,
            start_date=date(year, 1, 1),
            end_date=date(year, 12, 31),
            entered_by=alice,
            confirmed_by=charlie,
            confirmed_at=datetime(2026, 1, 2, tzinfo=TZ),
        )
    services.refresh_computed(assessment=opened)
    value = IndicatorValue.objects.get(assessment=opened, indicator__source="projects")
    assert value.computed_points == Decimal("10.00")
    assert "国家级1项、省级0项、市级1项" in value.computed_basis


def test_only_the_lead_edits_and_only_while_self_assessing(opened, bob, charlie, alice):
    indicator = default_template().indicators.filter(method="expert").first()
    for stranger in (bob, charlie):
        with pytest.raises(PermissionDenied):
            services.save_section(
                actor=stranger,
                assessment=opened,
                category=indicator.category,
                texts={indicator.pk: "x"},
            )
    services.save_section(
        actor=alice, assessment=opened, category=indicator.category, texts={indicator.pk: "做了"}
    )
    assert IndicatorValue.objects.get(assessment=opened, indicator=indicator).text == "做了"


def test_submission_needs_every_expert_indicator_and_the_summary(opened, alice, bob):
    with pytest.raises(ValidationError) as error:
        workflow.perform(actor=alice, assessment_id=opened.pk, transition="submit")
    assert any("自评总结" in m for m in error.value.messages)
    fill_in(alice, opened)
    workflow.perform(actor=alice, assessment_id=opened.pk, transition="submit")
    assert _state(opened) == AssessmentState.COUNTY_REVIEW
    assert Notification.objects.filter(event="assessment_submit", recipient=bob).exists()
    with pytest.raises(ValidationError, match="不能修改自评"):
        fill_in(alice, opened)


def test_returns_go_back_to_self_assessment_with_the_reason_kept(opened, alice, bob, charlie):
    fill_in(alice, opened)
    workflow.perform(actor=alice, assessment_id=opened.pk, transition="submit")
    with pytest.raises(ValidationError):
        workflow.perform(actor=bob, assessment_id=opened.pk, transition="county_return")
    with pytest.raises(PermissionDenied):
        workflow.perform(actor=charlie, assessment_id=opened.pk, transition="county_pass")
    workflow.perform(
        actor=bob, assessment_id=opened.pk, transition="county_return", comment="佐证不足"
    )
    opened.refresh_from_db()
    assert opened.state == AssessmentState.SELF_ASSESSMENT
    assert (opened.return_reason, opened.returned_stage) == ("佐证不足", "county_review")
    workflow.perform(actor=alice, assessment_id=opened.pk, transition="submit")
    workflow.perform(actor=bob, assessment_id=opened.pk, transition="county_pass", comment="同意")
    workflow.perform(
        actor=charlie, assessment_id=opened.pk, transition="city_return", comment="缺财务审计"
    )
    opened.refresh_from_db()
    assert (opened.state, opened.returned_stage) == ("self_assessment", "city_intake")
    assert opened.return_reason == "缺财务审计"


def test_a_stale_transition_is_refused(opened, alice):
    fill_in(alice, opened)
    workflow.perform(actor=alice, assessment_id=opened.pk, transition="submit")
    with pytest.raises(workflow.StaleAssessment):
        workflow.perform(actor=alice, assessment_id=opened.pk, transition="submit")


def test_the_lead_sees_its_buttons_and_the_county_its_own(opened, alice, bob, charlie):
    assert [name for name, _step in workflow.available(alice, opened)] == ["submit"]
    assert workflow.available(bob, opened) == []
    assert workflow.available(charlie, opened) == []


def _close(round_, day):
    with time_machine.travel(datetime(day.year, day.month, day.day, 9, tzinfo=TZ), tick=False):
        return services.run_daily(today=day)


def test_reminders_go_out_once_on_the_configured_days(opened, alice):
    round_ = opened.round
    for day in (date(2027, 4, 22), date(2027, 4, 23), date(2027, 4, 23), date(2027, 4, 27)):
        _close(round_, day)
    kinds = set(AssessmentReminder.objects.filter(assessment=opened).values_list("kind", flat=True))
    assert kinds == {"before-7", "before-3"}
    assert Notification.objects.filter(event="assessment_reminder", recipient=alice).count() == 2


def test_a_consortium_that_never_submits_is_failed_at_closing_with_a_rectification(opened, alice):
    assert _close(opened.round, date(2027, 4, 30))[1].endswith("0个")
    lines = _close(opened.round, date(2027, 5, 1))
    assert lines[1] == "考核逾期未提交认定不合格：1个"
    opened.refresh_from_db()
    assert (opened.state, opened.grade, opened.score) == ("not_submitted", "fail", Decimal("0"))
    rectification = Rectification.objects.get(assessment=opened)
    assert rectification.deadline == date(2027, 11, 1)
    assert (
        Notification.objects.filter(event="assessment_rectification", recipient=alice).count() == 1
    )
    # Rerunning the job changes nothing.
    assert _close(opened.round, date(2027, 5, 2))[1] == "考核逾期未提交认定不合格：0个"
    assert Rectification.objects.filter(assessment=opened).count() == 1


def test_a_second_fail_in_a_row_proposes_disqualification_and_a_person_decides(
    charlie, alice, consortium
):
    first = make_round(charlie, year=2025, opens_on=date(2026, 3, 1), closes_on=date(2026, 4, 30))
    services.add_to_scope(actor=charlie, round=first, consortium=consortium)
    services.open_round(actor=charlie, round=first)
    _close(first, date(2026, 5, 1))
    assert not DisqualificationProposal.objects.exists()
    second = make_round(charlie)
    services.open_round(actor=charlie, round=second)
    _close(second, date(2027, 5, 1))
    proposal = DisqualificationProposal.objects.get()
    assert (proposal.consortium, proposal.reason) == (consortium, "twice_failed")
    consortium.refresh_from_db()
    assert consortium.status == "active"  # the job never disqualifies
    with pytest.raises(ValidationError):
        services.decide_proposal(actor=charlie, proposal=proposal, disqualify=True, note="")
    services.decide_proposal(
        actor=charlie,
        proposal=proposal,
        disqualify=True,
        note="连续两年考核不合格",
        decision_number="辽市科发〔2027〕9号",
        decided_on=date.today(),
    )
    consortium.refresh_from_db()
    assert consortium.status == "disqualified"
    ban = IntegrityRecord.objects.get(organization=consortium.lead, kind="lead_ban")
    assert ban.end_date.year == date.today().year + 3


def test_a_failed_recheck_proposes_disqualification_a_passed_one_does_not(opened, alice, charlie):
    _close(opened.round, date(2027, 5, 1))
    rectification = Rectification.objects.get(assessment=opened)
    with pytest.raises(PermissionDenied):
        services.report_rectification(actor=charlie, rectification=rectification, report="x")
    services.report_rectification(actor=alice, rectification=rectification, report="已完成整改")
    with pytest.raises(ValidationError):
        services.recheck(actor=charlie, rectification=rectification, passed=False, note="")
    services.recheck(actor=charlie, rectification=rectification, passed=False, note="未落实")
    assert DisqualificationProposal.objects.get().reason == "recheck_failed"
    with pytest.raises(ValidationError, match="已复核"):
        services.recheck(actor=charlie, rectification=rectification, passed=True, note="再查")


def test_declining_a_proposal_keeps_the_consortium(opened, charlie):
    _close(opened.round, date(2027, 5, 1))
    rectification = Rectification.objects.get(assessment=opened)
    services.recheck(actor=charlie, rectification=rectification, passed=False, note="未落实")
    proposal = DisqualificationProposal.objects.get()
    services.decide_proposal(actor=charlie, proposal=proposal, disqualify=False, note="给予观察期")
    proposal.refresh_from_db()
    assert proposal.status == "declined"
    assert Consortium.objects.get(pk=opened.consortium_id).status == "active"


def test_the_lead_cannot_submit_after_the_closing_day_even_before_the_job_ran(opened, alice):
    fill_in(alice, opened)
    late = datetime(2027, 5, 1, 0, 30, tzinfo=TZ)  # half an hour into the day after
    with pytest.raises(ValidationError, match="2027年4月30日截止"):
        workflow.perform(actor=alice, assessment_id=opened.pk, transition="submit", at=late)
    last_minute = datetime(2027, 4, 30, 23, 59, tzinfo=TZ)
    workflow.perform(actor=alice, assessment_id=opened.pk, transition="submit", at=last_minute)
    opened.refresh_from_db()
    assert opened.submitted_at == last_minute

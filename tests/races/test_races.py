"""Races (issue 16, point 3): two people (or two runs of a job) at the same instant, on
PostgreSQL, each thread on its own connection and held inside its transaction until the
other is waiting (tests/races/overlap.py). Each test asserts exactly one outcome, nothing
doubled (rows, notifications, logs), and what the loser is told, in Chinese.

RACES, at the end, is the number of race tests, for the summary of `make test`.
"""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django_fsm_log.models import StateLog

from applications import consortia, services, workflow
from applications.models import (
    Application,
    Consortium,
    ConsortiumMember,
    LeadChange,
    State,
)
from liaoyang_consortia.models import Notification
from members.models import IndustryField
from members.roles import Role
from reporting import cycle
from reporting.cycle import run_reporting_cycle
from reporting.models import AnnualReport, ReminderLog
from reviews.decisions import services as decisions
from reviews.experts import services as experts
from reviews.models import (
    ExpertAssignment,
    ExpertProfile,
    MeetingDecision,
    Objection,
    PartyGroupMeeting,
    PublicNotice,
    ScoreSheet,
)
from reviews.notices import services as notices
from tests.factories import arranging, make_complete_application, make_user
from tests.races.overlap import Race, messages
from tests.reporting import make_consortium

pytestmark = pytest.mark.django_db(transaction=True)

BUSINESS = "市科技局成果转化科 王科长，0419-2126000"
SUPERVISION = "市科技局机关纪委，0419-2126001"
OBJECTOR = {"name": "李明远", "unit": "辽阳某某设备制造有限公司", "phone": "13904190123"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def carol(db):
    """A second city staff member, deciding at the same moment as charlie."""
    return make_user("carol", Role.CITY_STAFF)


@pytest.fixture
def ben(db):
    """The user of another lead unit in 白塔区: his application does not share alice's
    unit's row (which every transition locks along with the application)."""
    return make_user("ben", Role.APPLICANT, county_code="211002")


@arranging
def fetch(application) -> Application:
    # django-fsm's protected state field cannot be refreshed in place.
    return Application.objects.get(pk=application.pk)


@arranging
def logs(application, transition) -> int:
    return StateLog.objects.for_(application).filter(transition=transition).count()


@arranging
def notes(event) -> Counter:
    """How many `event` notifications each recipient got."""
    return Counter(
        Notification.objects.filter(event=event).values_list("recipient__username", flat=True)
    )


@arranging
def county_recommended(alice, bob, name_core) -> Application:
    application = make_complete_application(
        lead=alice.profile.organization, creator=alice, name_core=name_core
    )
    services.submit(actor=alice, application_id=application.pk)
    workflow.perform(
        actor=bob, application_id=application.pk, transition="county_recommend", comment="同意推荐"
    )
    return fetch(application)


@arranging
def passed(alice, bob, charlie, name_core="精细化工") -> Application:
    """An application of alice's unit that passed the expert review, through the workflow."""
    application = county_recommended(alice, bob, name_core)
    sheet = ScoreSheet.objects.get(is_default=True)
    for i in range(3):
        expert = ExpertProfile.objects.create(
            user=make_user(f"ex_{name_core}_{i}", Role.EXPERT), name=f"专家{i}"
        )
        ExpertAssignment.objects.create(
            application=application,
            expert=expert,
            method=ExpertAssignment.Method.DRAW,
            status=ExpertAssignment.Status.SUBMITTED,
            sheet=sheet,
            assigned_by=charlie,
            recommend=True,
        )
    workflow.perform(actor=charlie, application_id=application.pk, transition="start_expert_review")
    workflow.perform(
        actor=charlie, application_id=application.pk, transition="pass_review", comment="推荐"
    )
    return fetch(application)


def publish(actor, applications, start=None):
    return notices.publish_notice(
        actor=actor,
        applications=applications,
        start_date=start or timezone.localdate(),
        business_contact=BUSINESS,
        supervision_contact=SUPERVISION,
    )


# --- (1) the reporting cycle, run twice at once -----------------------------------------------


@pytest.fixture
def two_consortia(alice, ben, charlie):
    """Two consortia that owe a report on 2026, each lead unit with one user."""
    make_consortium(lead=alice.profile.organization)
    make_consortium(lead=ben.profile.organization)


def test_it_sends_each_report_message_once_when_two_cycles_run_at_once(two_consortia, monkeypatch):
    race = Race()
    # Held once it has locked the reports (and before it tells anyone): the other run
    # must wait on those row locks, then find the log rows and send nothing.
    monkeypatch.setattr(
        cycle, "_lead_users", race.hold(cycle._lead_users, when=lambda reports: reports)
    )
    day = date(2027, 3, 1)
    first, second = race.run(
        lambda: run_reporting_cycle(today=day), lambda: run_reporting_cycle(today=day)
    )
    assert sorted([first["opening"], second["opening"]]) == [0, 2]
    assert sorted([first["reminded"], second["reminded"]]) == [0, 2]
    assert AnnualReport.objects.count() == 2
    assert Counter(ReminderLog.objects.values_list("kind", flat=True)) == {
        "opening": 2,
        "reminder-1": 2,
    }
    assert notes("report_opening") == {"alice": 1, "ben": 1}
    assert notes("report_reminder-1") == {"alice": 1, "ben": 1}
    # What each run reports (run_daily_jobs' output): a stage the other run did first is
    # reported as done for nothing, not as sent twice.
    said = sorted(cycle.describe(first)[1:2] + cycle.describe(second)[1:2])
    assert said == ["年度报告3月1日填报提醒：0份", "年度报告3月1日填报提醒：2份"]
    assert race.overlapped  # they did overlap: the test proves something


def test_it_marks_and_tells_overdue_once_when_two_cycles_run_at_once(two_consortia, monkeypatch):
    run_reporting_cycle(today=date(2027, 3, 1))
    race = Race()
    monkeypatch.setattr(
        cycle, "_lead_users", race.hold(cycle._lead_users, when=lambda reports: reports)
    )
    day = date(2027, 4, 1)
    first, second = race.run(
        lambda: run_reporting_cycle(today=day), lambda: run_reporting_cycle(today=day)
    )
    assert sorted([first["overdue"], second["overdue"]]) == [0, 2]
    assert sorted([first["overdue_notified"], second["overdue_notified"]]) == [0, 2]
    assert AnnualReport.objects.filter(is_overdue=True, overdue_since=day).count() == 2
    assert ReminderLog.objects.filter(kind="overdue").count() == 2
    # One message per lead user, and city staff one listing for the run, not two.
    assert notes("report_overdue") == {"alice": 1, "ben": 1, "charlie": 1}
    loser = first if first["overdue"] == 0 else second
    assert cycle.describe(loser)[-1] == "年度报告逾期：新标记0份，逾期通知0份"
    assert race.overlapped  # they did overlap: the test proves something


# --- (2) two notices published at once -------------------------------------------------------


def test_it_gives_two_notices_published_at_once_distinct_numbers(
    alice, ben, bob, charlie, carol, monkeypatch
):
    one = passed(alice, bob, charlie, "精细化工")
    two = passed(ben, bob, charlie, "高端装备")
    race = Race()
    # Both clerks compute the next 文号 before either saves: the same one. The unique
    # index refuses the second save and _save_numbered takes the next number.
    monkeypatch.setattr(notices, "next_notice_number", race.together(notices.next_notice_number))
    first, second = race.run(lambda: publish(charlie, [one]), lambda: publish(carol, [two]))
    assert isinstance(first, PublicNotice) and isinstance(second, PublicNotice)
    year = timezone.localdate().year
    assert race.calls[0] == race.calls[1]  # both computed the same number …
    assert len(race.calls) == 3  # … and one of them took the next
    numbers = sorted(PublicNotice.objects.values_list("number", flat=True))
    assert [n.split(f"〔{year}〕")[1] for n in numbers] == ["1号", "2号"]
    assert {first.number, second.number} == set(numbers)
    assert fetch(one).state == fetch(two).state == State.PUBLIC_NOTICE
    listed = PublicNotice.applications.through.objects.values_list(
        "publicnotice_id", "application_id"
    )
    assert sorted(listed) == sorted([(first.pk, one.pk), (second.pk, two.pk)])
    assert logs(one, "publish_notice") == logs(two, "publish_notice") == 1
    assert race.overlapped  # they did overlap: the test proves something


def test_it_publishes_one_application_once_when_two_clerks_publish_it_at_once(
    alice, bob, charlie, carol, monkeypatch
):
    application = passed(alice, bob, charlie)
    race = Race()
    # Held after locking the application, before numbering: the other clerk waits on the
    # application's row lock, then finds it already under notice.
    monkeypatch.setattr(notices, "next_notice_number", race.hold(notices.next_notice_number))
    outcomes = race.run(
        lambda: publish(charlie, [application]), lambda: publish(carol, [application])
    )
    won = [o for o in outcomes if isinstance(o, PublicNotice)]
    lost = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(won) == len(lost) == 1
    assert messages(lost[0]) == [
        "以下申请不处于“评审通过，待公示”状态，不能发布公示：辽阳市精细化工创新联合体。"
    ]
    assert PublicNotice.objects.count() == 1
    assert fetch(application).state == State.PUBLIC_NOTICE
    assert logs(application, "publish_notice") == 1
    assert PublicNotice.applications.through.objects.count() == 1
    assert race.overlapped  # they did overlap: the test proves something


# --- (3) two approvals at Party-group meetings at once ---------------------------------------


@arranging
def awaiting_meeting(alice, bob, name_core) -> Application:
    """An application waiting for the Party-group meeting (its notice and the workflow up
    to there are tested elsewhere; here only the meeting races)."""
    application = county_recommended(alice, bob, name_core)
    Application.objects.filter(pk=application.pk).update(state=State.PARTY_GROUP_REVIEW)
    return fetch(application)


def meeting(actor, minutes_number, application):
    return decisions.record_meeting(
        actor=actor,
        meeting_date=timezone.localdate(),
        minutes_number=minutes_number,
        decisions=[(application, "approve", "")],
    )


def test_it_gives_two_consortia_approved_at_once_distinct_numbers(
    alice, ben, bob, charlie, carol, monkeypatch
):
    one = awaiting_meeting(alice, bob, "精细化工")
    two = awaiting_meeting(ben, bob, "高端装备")
    race = Race()
    # Held once the first has computed its number, before it saves it, until the other
    # approval waits on a lock. (Every write to an application also raises the work list's
    # data version, a row both must update: the second approval waits there before it
    # numbers, and the unique index with its retry in name_consortium is the backstop.)
    monkeypatch.setattr(decisions, "_next_number", race.hold(decisions._next_number, after=True))
    first, second = race.run(
        lambda: meeting(charlie, "市科技局党组会议纪要〔2026〕7号", one),
        lambda: meeting(carol, "市科技局党组会议纪要〔2026〕8号", two),
    )
    assert isinstance(first, PartyGroupMeeting) and isinstance(second, PartyGroupMeeting)
    year = timezone.localdate().year
    assert race.calls == [f"LYCXLHT-{year}-001", f"LYCXLHT-{year}-002"]
    named = list(Consortium.objects.order_by("number"))
    assert [c.number for c in named] == [f"LYCXLHT-{year}-001", f"LYCXLHT-{year}-002"]
    decision_numbers = [c.decision_number.split(f"〔{year}〕")[1] for c in named]
    assert sorted(decision_numbers) == ["1号", "2号"]
    # The number and the 文号 were given together: the same order for both.
    assert decision_numbers == ["1号", "2号"]
    assert fetch(one).state == fetch(two).state == State.APPROVED
    assert logs(one, "approve") == logs(two, "approve") == 1
    assert race.overlapped  # they did overlap: the test proves something


def test_it_records_one_meeting_when_two_clerks_record_it_at_once(
    alice, ben, bob, charlie, carol, monkeypatch
):
    one = awaiting_meeting(alice, bob, "精细化工")
    two = awaiting_meeting(ben, bob, "高端装备")
    race = Race()
    # Held after saving the meeting, before its approvals: the other clerk's meeting with
    # the same minutes number waits on the unique index, then is refused.
    monkeypatch.setattr(workflow, "perform", race.hold(workflow.perform))
    minutes = "市科技局党组会议纪要〔2026〕7号"
    outcomes = race.run(
        lambda: meeting(charlie, minutes, one), lambda: meeting(carol, minutes, two)
    )
    assert not any(isinstance(o, IntegrityError) for o in outcomes), outcomes  # no 500
    won = [o for o in outcomes if isinstance(o, PartyGroupMeeting)]
    lost = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(won) == len(lost) == 1
    assert messages(lost[0]) == [f"会议纪要编号“{minutes}”已登记过，请核对。"]
    assert PartyGroupMeeting.objects.count() == 1
    assert MeetingDecision.objects.count() == 1
    assert Consortium.objects.count() == 1
    states = sorted([fetch(one).state, fetch(two).state])
    assert states == sorted([State.APPROVED, State.PARTY_GROUP_REVIEW])
    assert race.overlapped  # they did overlap: the test proves something


# --- (4) two draws for one application at once -----------------------------------------------


@arranging
def expert_pool(n):
    field = IndustryField.objects.get(name="芳烃及精细化工")
    pool = []
    for i in range(n):
        user = make_user(f"pool{i}", Role.EXPERT)
        profile = ExpertProfile.objects.create(
            user=user,
            name=f"评审专家{i}号",
            employer=user.profile.organization,
            status=ExpertProfile.Status.ACTIVE,
        )
        profile.fields.add(field)
        pool.append(profile)
    return pool


def test_it_never_draws_an_expert_twice_when_two_staff_draw_at_once(
    alice, bob, charlie, carol, monkeypatch
):
    application = county_recommended(alice, bob, "精细化工")
    expert_pool(4)  # enough for one draw of three, not for two
    race = Race()
    # Held after the draw wrote its invitations, before telling the experts: the other
    # draw waits on the application's row lock, then sees the experts already invited.
    monkeypatch.setattr(experts, "_tell_experts", race.hold(experts._tell_experts))
    outcomes = race.run(
        lambda: experts.draw_experts(actor=charlie, application=application, count=3),
        lambda: experts.draw_experts(actor=carol, application=application, count=3),
    )
    won = [o for o in outcomes if isinstance(o, list)]
    lost = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(won) == len(lost) == 1
    assert messages(lost[0]) == [
        "符合条件的专家不足：需要3名，仅有1名可抽取（已指派过本项目的专家不再抽取）。"
    ]
    drawn = list(
        ExpertAssignment.objects.filter(application=application).values_list(
            "expert__user__username", flat=True
        )
    )
    assert len(drawn) == len(set(drawn)) == 3
    assert notes("expert_assigned") == dict.fromkeys(drawn, 1)
    assert race.overlapped  # they did overlap: the test proves something


# --- (5) an objection filed as the notice closes ---------------------------------------------


@pytest.mark.parametrize("first", ["objection", "closing"])
def test_it_either_counts_an_objection_or_refuses_it_as_the_notice_closes(
    alice, bob, charlie, monkeypatch, first
):
    """The objector sends the form on the notice's last day, just as the daily job of the
    next morning closes the notice: whichever takes the application's lock first wins, and
    the other sees it."""
    application = passed(alice, bob, charlie)
    notice = publish(charlie, [application])
    race = Race()
    if first == "objection":
        # Held after locking the application, while numbering the receipt.
        monkeypatch.setattr(notices, "next_receipt_number", race.hold(notices.next_receipt_number))
    else:
        # Held after close_notice saved the application, before its notifications.
        monkeypatch.setattr(
            workflow,
            "_notify",
            race.hold(
                workflow._notify, when=lambda step, transition, *a: transition == "close_notice"
            ),
        )

    def object_():
        return notices.file_objection(
            notice=notice,
            application=application,
            reasons="牵头单位研发投入数据与年报不符。",
            today=notice.end_date,
            **OBJECTOR,
        )

    def close():
        return notices.close_ended_notices(today=notice.end_date + timedelta(days=1))

    racers = (object_, close) if first == "objection" else (close, object_)
    outcomes = dict(zip((first, "other"), race.run(*racers, ordered=True), strict=True))
    objection = outcomes["objection" if first == "objection" else "other"]
    closed = outcomes["closing" if first == "closing" else "other"]
    notice.refresh_from_db()
    state = fetch(application).state
    # Never both: an objection kept and the notice closed over it.
    assert not (Objection.objects.exists() and logs(application, "close_notice")), outcomes
    if first == "objection":
        # In before the close: counted, and the close waits for its verification.
        assert isinstance(objection, Objection)
        assert closed == []
        assert state == State.PUBLIC_NOTICE and notice.closed_at is None
        assert logs(application, "close_notice") == 0
        assert Objection.objects.count() == 1
        assert notes("objection_filed") == {"charlie": 1}
    else:
        # After the close: refused, in Chinese, and nothing of it kept.
        assert messages(objection) == ["该申请已不在公示中，不再受理异议。"]
        assert [a.pk for a in closed] == [application.pk]
        assert state == State.PARTY_GROUP_REVIEW and notice.closed_at is not None
        assert logs(application, "close_notice") == 1
        assert not Objection.objects.exists()
        assert not notes("objection_filed")
    assert race.overlapped  # they did overlap: the test proves something


# --- (6) two city staff deciding one lead change at once -------------------------------------


def test_it_decides_a_lead_change_once_when_two_staff_decide_at_once(
    alice, charlie, carol, monkeypatch
):
    application = make_complete_application(lead=alice.profile.organization, creator=alice)
    consortium = Consortium.objects.create(
        application=application,
        name=application.display_name,
        number="LYCXLHT-2026-001",
        decision_number="辽市科发〔2026〕1号",
        named_on=date(2026, 1, 10),
        lead=application.lead,
        industry_field=application.industry_field,
    )
    new_lead = consortia.roster(consortium)[2].organization
    change = consortia.file_lead_change(
        actor=alice, consortium=consortium, new_lead=new_lead, reason="牵头单位重组。"
    )
    race = Race()
    # Held after locking the change and the consortium, before applying it.
    monkeypatch.setattr(
        consortia, "lead_change_needs_approval", race.hold(consortia.lead_change_needs_approval)
    )
    outcomes = race.run(
        lambda: consortia.decide_lead_change(actor=charlie, change=change, decision="acknowledge"),
        lambda: consortia.decide_lead_change(actor=carol, change=change, decision="acknowledge"),
    )
    won = [o for o in outcomes if isinstance(o, LeadChange)]
    lost = [o for o in outcomes if isinstance(o, ValidationError)]
    assert len(won) == len(lost) == 1
    assert messages(lost[0]) == ["该牵头单位变更已办理（已备案）。"]
    change.refresh_from_db()
    assert change.status == LeadChange.Status.ACKNOWLEDGED
    assert Consortium.objects.get(pk=consortium.pk).lead_id == new_lead.pk
    current = ConsortiumMember.objects.filter(consortium=consortium, left_on__isnull=True)
    assert list(current.filter(role="lead").values_list("organization_id", flat=True)) == [
        new_lead.pk
    ]
    assert current.count() == 8  # nobody doubled
    assert ConsortiumMember.objects.filter(via_lead_change=change).count() == 2
    assert notes("lead_change_acknowledge") == {"alice": 1}
    assert race.overlapped  # they did overlap: the test proves something


def _cases(test) -> int:
    """How many cases a test function runs (its parametrize marks multiplied)."""
    n = 1
    for mark in getattr(test, "pytestmark", []):
        if mark.name == "parametrize":
            n *= len(mark.args[1])
    return n


# The race tests of this module, a parametrized one counted once per case, for the summary
# that `make test` prints.
RACES = sum(_cases(f) for name, f in list(globals().items()) if name.startswith("test_"))

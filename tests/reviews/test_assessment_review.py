"""Expert review of a consortium's assessment (issue 12, point 4): the same draw, recusal,
score sheet and task list as an application's, with the assessment as subject
(reviews/experts/subjects.py, reporting/assessments/review.py)."""

import importlib
import random
from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from applications.models import ConsortiumMember
from liaoyang_consortia.models import Notification
from reporting.assessments import review, workflow
from reporting.assessments.models import (
    Assessment,
    Indicator,
    IndicatorTemplate,
    IndicatorValue,
    Round,
)
from reviews.experts import selectors, subjects
from reviews.experts import services as experts
from reviews.models import Criterion, ExpertAssignment, ScoreSheet
from tests.factories import OrganizationFactory, arranging, make_complete_application
from tests.reporting import make_consortium
from tests.reviews.test_experts import (
    criteria_of,
    in_city_intake,
    make_expert,
    make_experts,
    points_for,
)

pytestmark = pytest.mark.django_db

YEAR = 2026


# --- helpers ------------------------------------------------------------------------------


@arranging
def make_assessment(*, lead, charlie, state="city_intake", members=2, left=1):
    """A consortium led by `lead` with `members` current member units and `left` units
    that have left its roster, assessed in the annual round, in `state` (set directly: the
    field is protected and the chain up to it has its own tests). The lead's texts are
    filled in."""
    consortium = make_consortium(lead=lead, named_on=date(2025, 1, 10))
    rows = [(lead, "lead", None)]
    rows += [(OrganizationFactory(), "member", None) for _ in range(members)]
    rows += [(OrganizationFactory(), "member", date(2025, 9, 1)) for _ in range(left)]
    for n, (unit, role, left_on) in enumerate(rows):
        ConsortiumMember.objects.create(
            consortium=consortium,
            organization=unit,
            role=role,
            joined_on=consortium.named_on,
            left_on=left_on,
            sort_order=n,
        )
    template = default_template()
    round_, _ = Round.objects.get_or_create(
        kind="annual",
        year=YEAR,
        defaults={
            "title": f"{YEAR}年度考核",
            "template": template,
            "opens_on": date(YEAR + 1, 1, 5),
            "closes_on": date(YEAR + 1, 2, 28),
            "created_by": charlie,
            "status": Round.Status.OPEN,
        },
    )
    assessment = Assessment.objects.create(round=round_, consortium=consortium)
    IndicatorValue.objects.bulk_create(
        IndicatorValue(
            assessment=assessment,
            indicator=i,
            text=f"{i.name}：年度任务全部完成。" if i.method == "expert" else "",
            computed_points=Decimal(i.weight) if i.method == "computed" else None,
            computed_basis="按规定计算。" if i.method == "computed" else "",
        )
        for i in template.indicators.all()
    )
    Assessment.objects.filter(pk=assessment.pk).update(state=state)
    assessment = fetch(assessment)
    assessment.members = [unit for unit, _role, left_on in rows[1:] if left_on is None]
    assessment.former = [unit for unit, _role, left_on in rows if left_on is not None]
    return assessment


def default_template():
    """The indicator template migrating gives every database (in force from 2026). A
    transactional test (the browser's) may follow one that flushed it: put it back."""
    template = IndicatorTemplate.in_force(date(YEAR, 6, 1))
    if template is None:
        migration = importlib.import_module("reporting.migrations.0003_default_indicator_template")
        migration.seed(django_apps, None)
        template = IndicatorTemplate.in_force(date(YEAR, 6, 1))
    return template


def fetch(assessment):
    # django-fsm's protected state field cannot be refreshed in place.
    return Assessment.objects.select_related(
        "round__template", "consortium__lead", "consortium__application"
    ).get(pk=assessment.pk)


def set_state(assessment, state):
    Assessment.objects.filter(pk=assessment.pk).update(state=state)
    return fetch(assessment)


@arranging
def accept_all(assessment):
    for a in ExpertAssignment.objects.filter(
        assessment=assessment, status=ExpertAssignment.Status.PENDING
    ).select_related("expert__user"):
        experts.declare(actor=a.expert.user, assignment=a, conflict=False)


@arranging
def score_all(assessment, totals):
    accepted = list(
        ExpertAssignment.objects.filter(
            assessment=assessment, status=ExpertAssignment.Status.ACCEPTED
        )
        .select_related("expert__user")
        .order_by("id")
    )
    assert len(accepted) == len(totals)
    for a, total in zip(accepted, totals, strict=True):
        experts.submit_scores(
            actor=a.expert.user,
            assignment=a,
            points=points_for(criteria_of(a), total),
            opinion=f"{a.expert.name}：协同攻关成效明显。",
        )


def under_review(assessment, charlie, n, *, prefix=None, seed=1):
    """n experts made and drawn, all declared no conflict, and the review started."""
    make_experts(n, prefix=prefix or f"s{assessment.pk}e")
    experts.draw_experts(actor=charlie, assessment=assessment, count=n, rng=random.Random(seed))
    accept_all(assessment)
    return set_state(assessment, "expert_review")


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# --- the subject --------------------------------------------------------------------------


def test_it_keeps_the_current_roster_and_the_lead_out_of_the_draw(alice, charlie):
    assessment = make_assessment(lead=alice.profile.organization, charlie=charlie)
    subject = subjects.of(assessment)
    assert subject.kind == "assessment" and subject.filter == {"assessment": assessment}
    expected = {alice.profile.organization.pk, *(u.pk for u in assessment.members)}
    assert subject.unit_ids() == expected
    # A unit that has left the roster no longer makes its employees recuse.
    assert not {u.pk for u in assessment.former} & subject.unit_ids()
    assert experts.member_unit_ids(assessment) == expected


def test_it_draws_only_experts_not_employed_by_a_unit_of_the_consortium(alice, charlie):
    assessment = make_assessment(lead=alice.profile.organization, charlie=charlie)
    make_expert("lead_emp", employer=alice.profile.organization)
    make_expert("member_emp", employer=assessment.members[0])
    former = make_expert("former_emp", employer=assessment.former[0])
    free = make_experts(2)
    drawn = experts.draw_experts(
        actor=charlie, assessment=assessment, count=3, rng=random.Random(2)
    )
    assert {a.expert for a in drawn} == {former, *free}
    sheet = assessment.round.template.score_sheet
    assert {a.sheet_id for a in drawn} == {sheet.pk}
    assert all(a.assessment_id == assessment.pk and a.application_id is None for a in drawn)
    with pytest.raises(ValidationError) as refused:
        experts.draw_experts(actor=charlie, assessment=assessment, count=1)
    assert "本联合体成员单位" in refused.value.messages[0]


def test_it_takes_exactly_one_subject(alice, bob, charlie):
    assessment = make_assessment(lead=alice.profile.organization, charlie=charlie)
    application = in_city_intake(alice, bob)
    with pytest.raises(TypeError):
        experts.draw_experts(actor=charlie, count=1)
    with pytest.raises(TypeError):
        experts.draw_experts(actor=charlie, application=application, assessment=assessment, count=1)


def test_it_lets_only_city_staff_draw_and_only_from_intake_to_the_review(alice, bob, charlie, dora):
    make_experts(3)
    assessment = make_assessment(
        lead=alice.profile.organization, charlie=charlie, state="self_assessment"
    )
    with pytest.raises(ValidationError) as refused:
        experts.draw_experts(actor=charlie, assessment=assessment, count=1)
    assert refused.value.messages == ["该考核评估当前状态为“自评中”，不能指派评审专家。"]
    assessment = set_state(assessment, "city_intake")
    for someone in (alice, bob, dora):
        with pytest.raises(PermissionDenied):
            experts.draw_experts(actor=someone, assessment=assessment, count=1)
    assert len(experts.draw_experts(actor=charlie, assessment=assessment, count=1)) == 1
    assessment = set_state(assessment, "expert_review")
    assert len(experts.draw_experts(actor=charlie, assessment=assessment, count=1)) == 1
    assert assessment.expert_assignments.count() == 2


def test_it_refuses_to_assign_an_expert_employed_by_a_member_unit(alice, charlie):
    assessment = make_assessment(lead=alice.profile.organization, charlie=charlie)
    conflicted = make_expert("conflicted", employer=assessment.members[1])
    with pytest.raises(ValidationError) as refused:
        experts.assign_expert(actor=charlie, assessment=assessment, expert=conflicted)
    assert refused.value.messages == ["该专家工作单位为本联合体成员单位，须回避。"]
    ok = make_expert("ok")
    assignment = experts.assign_expert(actor=charlie, assessment=assessment, expert=ok)
    assert assignment.method == "manual" and assignment.assessment_id == assessment.pk
    with pytest.raises(ValidationError) as again:
        experts.assign_expert(actor=charlie, assessment=assessment, expert=ok)
    assert again.value.messages == [
        "该专家已被邀请过本考核评估（含已回避、谢绝的），不能重复指派。"
    ]
    told = Notification.objects.get(event="expert_assigned", recipient=ok.user)
    assert told.subject == f"【评审邀请】{assessment.display_name}"
    assert "自评材料" in told.body and assessment.consortium.lead.name in told.body


def test_it_never_gives_an_application_an_assessment_sheet(alice, bob, charlie):
    application = in_city_intake(alice, bob)
    make_experts(1)
    # With the application sheet switched off, the only active sheets are assessments'.
    ScoreSheet.objects.filter(purpose="application").update(is_active=False)
    assert ScoreSheet.objects.filter(is_active=True, purpose="assessment").exists()
    with pytest.raises(ValidationError) as refused:
        experts.draw_experts(actor=charlie, application=application, count=1)
    assert refused.value.messages == ["尚未设置启用的评分表，请联系系统管理员。"]


def test_it_replaces_a_recused_expert_and_tells_city_staff_with_the_assessment_page(alice, charlie):
    assessment = make_assessment(lead=alice.profile.organization, charlie=charlie)
    make_experts(4)
    first = experts.draw_experts(
        actor=charlie, assessment=assessment, count=3, rng=random.Random(1)
    )
    recused = first[0]
    experts.declare(
        actor=recused.expert.user, assignment=recused, conflict=True, note="曾任成员单位顾问"
    )
    live = assessment.expert_assignments.exclude(status="recused")
    assert live.count() == 3 and recused.expert_id not in {a.expert_id for a in live}
    told = Notification.objects.get(event="expert_recused", recipient=charlie)
    assert told.subject == f"【专家回避】{assessment.display_name}"
    assert "曾任成员单位顾问" in told.body and "已自动补抽专家" in told.body
    assert told.url == f"/assessments/{assessment.pk}/"
    with pytest.raises(ValidationError) as again:
        experts.declare(actor=recused.expert.user, assignment=recused, conflict=False)
    assert again.value.messages == ["您已就该考核评估声明过利害关系，不能重复声明。"]


def test_it_scores_without_a_recommendation_only_once_the_review_has_started(alice, charlie):
    assessment = make_assessment(lead=alice.profile.organization, charlie=charlie)
    make_experts(1)
    (a,) = experts.draw_experts(actor=charlie, assessment=assessment, count=1)
    points = points_for(criteria_of(a), 60)
    with pytest.raises(ValidationError) as not_declared:
        experts.submit_scores(actor=a.expert.user, assignment=a, points=points, opinion="好")
    assert not_declared.value.messages == ["请先声明与该考核评估无利害关系。"]
    experts.declare(actor=a.expert.user, assignment=a, conflict=False)
    with pytest.raises(ValidationError) as early:
        experts.submit_scores(actor=a.expert.user, assignment=a, points=points, opinion="好")
    assert early.value.messages == ["专家评审尚未开始或已经结束，不能提交评分。"]
    set_state(assessment, "expert_review")
    over = dict(points)
    first = criteria_of(a)[0]
    over[first.pk] = first.max_points + 1
    with pytest.raises(ValidationError) as refused:
        experts.submit_scores(actor=a.expert.user, assignment=a, points=over, opinion="好")
    assert set(refused.value.message_dict) == {f"c{first.pk}"}
    experts.submit_scores(actor=a.expert.user, assignment=a, points=points, opinion="好")
    a.refresh_from_db()
    assert a.status == "submitted" and a.total == Decimal("60") and a.recommend is None
    told = Notification.objects.get(event="expert_scores_complete", recipient=charlie)
    assert told.subject == f"【专家评分已全部提交】{assessment.display_name}"


def test_it_lets_only_the_assigned_expert_declare_and_score(alice, charlie):
    assessment = make_assessment(lead=alice.profile.organization, charlie=charlie)
    make_experts(2)
    first, second = experts.draw_experts(actor=charlie, assessment=assessment, count=2)
    with pytest.raises(PermissionDenied):
        experts.declare(actor=second.expert.user, assignment=first, conflict=False)
    with pytest.raises(PermissionDenied):
        experts.submit_scores(actor=charlie, assignment=first, points={}, opinion="x")


# --- the guards and the figures -----------------------------------------------------------


def test_it_starts_the_review_with_the_policys_minimum_of_live_experts(alice, charlie):
    assessment = make_assessment(lead=alice.profile.organization, charlie=charlie)
    make_experts(3)
    drawn = experts.draw_experts(actor=charlie, assessment=assessment, count=3)
    # The pool is exhausted, so the recusal leaves two live experts.
    experts.declare(actor=drawn[0].expert.user, assignment=drawn[0], conflict=True)
    assert review.start_guard(assessment) == ["至少需要3名评审专家（不含回避的专家），当前2名。"]
    assert workflow.guard("city_pass", assessment) == review.start_guard(assessment)
    experts.assign_expert(actor=charlie, assessment=assessment, expert=make_expert("late"))
    assert review.start_guard(assessment) == []


def test_it_concludes_only_when_every_live_expert_has_submitted(alice, charlie):
    assessment = make_assessment(lead=alice.profile.organization, charlie=charlie)
    assert review.conclude_guard(assessment) == ["尚无专家评分。"]
    assessment = under_review(assessment, charlie, 3)
    assert review.conclude_guard(assessment) == ["还有3名专家未提交评分。"]
    score_all(assessment, [70, 60, 50])
    assert review.conclude_guard(assessment) == []


def test_it_gives_each_expert_indicator_the_points_of_each_submitted_sheet(alice, charlie):
    assessment = under_review(
        make_assessment(lead=alice.profile.organization, charlie=charlie), charlie, 3
    )
    assert review.expert_scores(assessment) == {}
    score_all(assessment, [30, 25, 20])
    scores = review.expert_scores(assessment)
    indicators = Indicator.objects.filter(
        template=assessment.round.template, method="expert"
    ).order_by("order")
    first, second = indicators[0], indicators[1]  # 20 and 10 points
    assert scores[first.pk] == [Decimal("20"), Decimal("20"), Decimal("20")]
    assert scores[second.pk] == [Decimal("10"), Decimal("5"), Decimal("0")]
    assert set(scores) == {i.pk for i in indicators}
    assert not Indicator.objects.filter(pk__in=scores, method="computed").exists()


def test_it_shows_city_staff_each_indicators_mean_and_trimmed_mean(alice, charlie):
    assessment = under_review(
        make_assessment(lead=alice.profile.organization, charlie=charlie), charlie, 5
    )
    score_all(assessment, [30, 25, 20, 15, 10])
    request = RequestFactory().get("/")
    request.user = charlie
    context = review.panel_context(request, assessment)
    assert context["role"] == "city" and context["can_assign"]
    second = context["indicator_rows"][1]  # 10 points: 10, 5, 0, 0, 0
    assert second["indicator"].name == "创新平台建设与开放共享"
    assert second["mean"] == Decimal("3.00")
    assert second["trimmed_mean"] == Decimal("1.67")
    assert second["points"] == Decimal("1.67")
    assert context["summary"].mean == Decimal("20.00")


# --- pages: the expert --------------------------------------------------------------------


def test_it_lists_assessment_tasks_beside_application_tasks(client, alice, bob, charlie):
    application = in_city_intake(alice, bob)
    assessment = make_assessment(lead=OrganizationFactory(), charlie=charlie)
    expert = make_expert("both")
    experts.assign_expert(actor=charlie, application=application, expert=expert)
    experts.assign_expert(actor=charlie, assessment=assessment, expert=expert)
    client.force_login(expert.user)
    body = client.get("/reviews/experts/").content.decode()
    assert application.display_name in body and assessment.display_name in body
    assert body.count('data-testid="task-kind"') == 1 and "考核评估" in body
    assert assessment.consortium.lead.name in body
    # Before declaring: the name and the lead only, never the self-assessment.
    assert "年度任务全部完成" not in body


def test_it_opens_the_self_assessment_to_the_expert_once_they_declare(client, alice, charlie):
    assessment = make_assessment(lead=alice.profile.organization, charlie=charlie)
    make_experts(1)
    (a,) = experts.draw_experts(actor=charlie, assessment=assessment, count=1)
    client.force_login(a.expert.user)
    assert client.get(f"/reviews/experts/{a.pk}/score/").status_code == 404
    assert client.get(f"/assessments/{assessment.pk}/").status_code == 404
    response = client.post(
        f"/reviews/experts/{a.pk}/declare/", {f"d{a.pk}-decision": "none"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/reviews/experts/{a.pk}/score/"
    body = response.content.decode()
    assert "已声明无利害关系，自评材料已向您开放" in body
    assert "关键核心技术协同攻关：年度任务全部完成。" in body
    assert "专家评审尚未开始" in body and "提交评分" not in body
    assert client.get(f"/assessments/{assessment.pk}/").status_code == 200


def test_it_takes_the_sheet_without_a_recommendation_keeping_bad_input(client, alice, charlie):
    assessment = under_review(
        make_assessment(lead=alice.profile.organization, charlie=charlie), charlie, 1
    )
    a = assessment.expert_assignments.select_related("expert__user").get()
    criteria = criteria_of(a)
    client.force_login(a.expert.user)
    page = client.get(f"/reviews/experts/{a.pk}/score/").content.decode()
    assert 'name="recommend"' not in page and "评审建议" not in page
    # The indicator's scoring guide is with its field; max = the indicator's weight.
    assert "全部完成且有突破的18-20分" in page and 'max="20"' in page
    data = {f"c{c.pk}": str(c.max_points) for c in criteria}
    data[f"c{criteria[0].pk}"] = "25"
    data["opinion"] = "攻关任务完成较好。"
    response = client.post(f"/reviews/experts/{a.pk}/score/", data)
    assert response.status_code == 422
    body = response.content.decode()
    assert "得分不能超过该项满分20分。" in body and "攻关任务完成较好。" in body
    data[f"c{criteria[0].pk}"] = "18.5"
    response = client.post(f"/reviews/experts/{a.pk}/score/", data)
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.status == "submitted" and a.recommend is None
    assert a.total == Decimal("80.5")  # 82 − 20 + 18.5
    final = client.get(f"/reviews/experts/{a.pk}/score/").content.decode()
    assert "评分已提交，不能修改。" in final and "80.5" in final and "评审建议" not in final


def test_it_never_shows_an_expert_another_experts_task_name_or_scores(client, alice, charlie):
    assessment = under_review(
        make_assessment(lead=alice.profile.organization, charlie=charlie), charlie, 2
    )
    score_all(assessment, [70, 40])
    mine, theirs = assessment.expert_assignments.select_related("expert__user").order_by("id")
    client.force_login(mine.expert.user)
    assert client.get(f"/reviews/experts/{theirs.pk}/score/").status_code == 404
    assert client.post(f"/reviews/experts/{theirs.pk}/declare/", {}).status_code == 404
    for url in (
        "/reviews/experts/",
        f"/reviews/experts/{mine.pk}/score/",
        f"/assessments/{assessment.pk}/",
    ):
        body = client.get(url).content.decode()
        assert theirs.expert.name not in body, url
    assert client.get(f"/reviews/experts/assessments/{assessment.pk}/").status_code == 404
    request = RequestFactory().get("/")
    request.user = mine.expert.user
    context = review.panel_context(request, assessment)
    assert context["role"] == "expert" and context["own"] == mine
    assert "summary" not in context and "indicator_rows" not in context


def test_it_reads_the_task_list_in_the_same_queries_for_both_kinds(client, alice, charlie):
    expert = make_expert("busy")
    app_sheet = ScoreSheet.objects.get(is_default=True)
    assessment_sheet = default_template().score_sheet
    statuses = ["pending", "accepted", "submitted", "recused"]

    def assign(n):
        for status in statuses[:n]:
            app = make_complete_application(lead=alice.profile.organization, creator=alice, units=2)
            assessment = make_assessment(lead=OrganizationFactory(), charlie=charlie)
            for subject, sheet in (
                ({"application": app}, app_sheet),
                ({"assessment": assessment}, assessment_sheet),
            ):
                ExpertAssignment.objects.create(
                    **subject,
                    expert=expert,
                    method="draw",
                    sheet=sheet,
                    assigned_by=charlie,
                    status=status,
                )

    client.force_login(expert.user)
    client.get("/")  # the first request after force_login stamps the session (one write)
    assign(2)
    two = _queries(client, "/reviews/experts/")
    ExpertAssignment.objects.all().delete()
    assign(4)
    assert ExpertAssignment.objects.filter(assessment__isnull=False).count() == 4
    assert _queries(client, "/reviews/experts/") == two


# --- pages: city staff --------------------------------------------------------------------


def test_it_draws_and_assigns_from_the_assessment_panel(client, alice, charlie):
    assessment = make_assessment(lead=alice.profile.organization, charlie=charlie)
    make_experts(2)
    client.force_login(charlie)
    url = f"/reviews/experts/assessments/{assessment.pk}/"
    page = client.get(url).content.decode()
    assert 'name="draw-count" value="3"' in page and "本联合体所属产业领域" in page
    assert "返回考核评估页面" in page
    response = client.post(f"{url}draw/", {"draw-count": "3"})
    assert response.status_code == 422
    assert "符合条件的专家不足" in response.content.decode()
    response = client.post(f"{url}draw/", {"draw-count": "2"})
    assert response.status_code == 302
    assert response["Location"] == f"/assessments/{assessment.pk}/#expert-review"
    assert assessment.expert_assignments.count() == 2
    member_emp = make_expert("member_emp", employer=assessment.members[0])
    response = client.post(f"{url}assign/", {"assign-expert": str(member_emp.pk)})
    assert response.status_code == 422
    assert "该专家工作单位为本联合体成员单位，须回避。" in response.content.decode()
    late = make_expert("late")
    response = client.post(f"{url}assign/", {"assign-expert": str(late.pk)})
    assert response.status_code == 302
    assert assessment.expert_assignments.filter(expert=late, method="manual").exists()


def test_it_puts_the_panel_on_the_assessment_page_for_city_staff(client, alice, charlie):
    assessment = under_review(
        make_assessment(lead=alice.profile.organization, charlie=charlie), charlie, 3
    )
    score_all(assessment, [60, 50, 40])
    client.force_login(charlie)
    body = client.get(f"/assessments/{assessment.pk}/").content.decode()
    assert 'data-testid="indicator-figures"' in body and 'data-testid="expert-totals"' in body
    # The lead sees none of it: neither the experts nor their scores.
    client.force_login(alice)
    body = client.get(f"/assessments/{assessment.pk}/").content.decode()
    assert 'data-testid="expert-review-panel"' not in body
    names = assessment.expert_assignments.values_list("expert__name", flat=True)
    assert not any(name in body for name in names)


def test_it_reads_the_assessment_panel_in_the_same_queries_for_3_and_5_sheets(
    client, alice, charlie
):
    assessment = under_review(
        make_assessment(lead=alice.profile.organization, charlie=charlie), charlie, 3
    )
    score_all(assessment, [60, 50, 40])
    client.force_login(charlie)
    client.get("/")  # the first request after force_login stamps the session (one write)
    url = f"/reviews/experts/assessments/{assessment.pk}/"
    three = _queries(client, url)
    make_experts(2, prefix="more")
    experts.draw_experts(actor=charlie, assessment=assessment, count=2)
    accept_all(assessment)
    score_all(assessment, [70, 30])
    assert assessment.expert_assignments.filter(status="submitted").count() == 5
    assert _queries(client, url) == three


@pytest.mark.parametrize("who", ["alice", "bob", "dora", "assigned_expert"])
def test_it_answers_404_on_the_assessment_review_pages_to_anyone_but_city_staff(
    client, alice, bob, charlie, dora, who
):
    assessment = make_assessment(lead=alice.profile.organization, charlie=charlie)
    make_experts(1)
    (a,) = experts.draw_experts(actor=charlie, assessment=assessment, count=1)
    users = {"alice": alice, "bob": bob, "dora": dora, "assigned_expert": a.expert.user}
    client.force_login(users[who])
    base = f"/reviews/experts/assessments/{assessment.pk}/"
    assert client.get(base).status_code == 404
    assert client.post(f"{base}draw/", {"draw-count": "1"}).status_code == 404
    assert client.post(f"{base}assign/", {}).status_code == 404
    assert assessment.expert_assignments.count() == 1
    request = RequestFactory().get("/")
    request.user = users[who]
    context = review.panel_context(request, assessment)
    if who == "assigned_expert":  # the assigned expert: their own task only
        assert context["role"] == "expert" and "summary" not in context
    else:
        assert context == {}


def test_it_answers_404_for_an_assessment_that_does_not_exist(client, charlie):
    client.force_login(charlie)
    assert client.get("/reviews/experts/assessments/999999/").status_code == 404
    assert client.post("/reviews/experts/assessments/999999/draw/", {}).status_code == 404


def test_it_counts_the_template_sheet_criteria_as_the_expert_indicators(alice, charlie):
    assessment = make_assessment(lead=alice.profile.organization, charlie=charlie)
    make_experts(1)
    (a,) = experts.draw_experts(actor=charlie, assessment=assessment, count=1)
    expert_indicators = Indicator.objects.filter(
        template=assessment.round.template, method="expert"
    )
    assert {c.pk for c in Criterion.objects.filter(sheet_id=a.sheet_id)} == {
        i.criterion_id for i in expert_indicators
    }
    assert sum(c.max_points for c in criteria_of(a)) == sum(i.weight for i in expert_indicators)
    assert selectors.own_assignment_on(a.expert.user, assessment) == a

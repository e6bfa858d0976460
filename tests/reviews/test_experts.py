"""Expert review: the draw with recusal, the declaration, the score sheet, and what city
staff conclude the review from (DESIGN.md §4)."""

import random
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from applications import services as application_services
from applications import workflow
from applications.models import Application, State
from liaoyang_consortia.models import Notification
from members.models import IndustryField
from members.roles import Role
from reviews.experts import services as experts
from reviews.experts.demo import EXPERTS, seed_experts
from reviews.experts.services import Candidate
from reviews.experts.views import panel_context
from reviews.models import Criterion, ExpertAssignment, ExpertProfile, ScoreSheet
from tests import nplusone
from tests.factories import (
    OrganizationFactory,
    arranging,
    make_complete_application,
    make_user,
)

FIELD = "芳烃及精细化工"


# --- helpers ------------------------------------------------------------------------------


@arranging
def make_expert(username, *, name=None, employer=None, fields=(FIELD,), active=True):
    user = make_user(username, Role.EXPERT)
    profile = ExpertProfile.objects.create(
        user=user,
        name=name or f"专家{username}",
        employer=employer if employer is not None else user.profile.organization,
        status=ExpertProfile.Status.ACTIVE if active else ExpertProfile.Status.OUT,
    )
    profile.fields.set(IndustryField.objects.filter(name__in=fields))
    return profile


def make_experts(n, prefix="ex"):
    return [make_expert(f"{prefix}{i}", name=f"评审专家{prefix}{i}号") for i in range(n)]


def fetch(application):
    # django-fsm's protected state field cannot be refreshed in place.
    return Application.objects.select_related("lead").get(pk=application.pk)


def in_city_intake(alice, bob):
    application = make_complete_application(lead=alice.profile.organization, creator=alice)
    application_services.submit(actor=alice, application_id=application.pk)
    workflow.perform(
        actor=bob,
        application_id=application.pk,
        transition="county_recommend",
        comment="同意推荐",
    )
    return fetch(application)


def points_for(criteria, total):
    """Points per criterion adding up to `total`, filling the criteria in order."""
    left, points = Decimal(total), {}
    for c in criteria:
        p = min(Decimal(c.max_points), left)
        points[c.pk] = p
        left -= p
    assert left == 0
    return points


def criteria_of(assignment):
    return list(Criterion.objects.filter(sheet_id=assignment.sheet_id).order_by("order"))


@arranging
def accept_all(application):
    for a in ExpertAssignment.objects.filter(
        application=application, status=ExpertAssignment.Status.PENDING
    ).select_related("expert__user"):
        experts.declare(actor=a.expert.user, assignment=a, conflict=False)


@arranging
def score_all(application, totals, recommends):
    pending = list(
        ExpertAssignment.objects.filter(
            application=application, status=ExpertAssignment.Status.ACCEPTED
        )
        .select_related("expert__user")
        .order_by("id")
    )
    assert len(pending) == len(totals) == len(recommends)
    for a, total, rec in zip(pending, totals, recommends, strict=True):
        experts.submit_scores(
            actor=a.expert.user,
            assignment=a,
            points=points_for(criteria_of(a), total),
            recommend=rec,
            opinion=f"意见{a.expert.name}：材料齐全，建议{'推荐' if rec else '不推荐'}。",
        )


def under_review(application, charlie, n, *, seed=1, make=True):
    """n experts drawn (made first unless `make` is False), all declared no conflict, and
    the review started."""
    if make:
        make_experts(n, prefix=f"a{application.pk}e")
    experts.draw_experts(actor=charlie, application=application, count=n, rng=random.Random(seed))
    accept_all(application)
    workflow.perform(actor=charlie, application_id=application.pk, transition="start_expert_review")
    return fetch(application)


# --- pure ---------------------------------------------------------------------------------

F, G = 1, 2  # two field ids
EXCLUDED = {100, 101}


def pool():
    return [
        Candidate(id=1, employer_id=100, field_ids=frozenset({F})),  # member unit
        Candidate(id=2, employer_id=101, field_ids=frozenset({F, G})),  # member unit
        Candidate(id=3, employer_id=None, field_ids=frozenset({F})),
        Candidate(id=4, employer_id=200, field_ids=frozenset({F})),
        Candidate(id=5, employer_id=201, field_ids=frozenset({F, G})),
        Candidate(id=6, employer_id=202, field_ids=frozenset({G})),  # other field
        Candidate(id=7, employer_id=203, field_ids=frozenset({F}), is_active=False),
        Candidate(id=8, employer_id=204, field_ids=frozenset({F})),
        Candidate(id=9, employer_id=200, field_ids=frozenset({F})),
    ]


def test_it_keeps_only_active_experts_of_the_field_not_employed_by_a_member_unit():
    assert [c.id for c in experts.eligible(pool(), EXCLUDED, F)] == [3, 4, 5, 8, 9]
    assert [c.id for c in experts.eligible(pool(), EXCLUDED, G)] == [5, 6]
    assert [c.id for c in experts.eligible(pool(), EXCLUDED, None)] == [3, 4, 5, 6, 8, 9]


def test_it_never_draws_an_excluded_expert_across_many_seeded_draws():
    candidates = experts.eligible(pool(), EXCLUDED, F)
    seen = set()
    for seed in range(500):
        chosen = experts.draw(candidates, 3, random.Random(seed))
        ids = {c.id for c in chosen}
        assert len(ids) == 3
        assert not ids & {1, 2, 6, 7}
        seen |= ids
    assert seen == {3, 4, 5, 8, 9}  # and every eligible expert has a chance


def test_it_draws_the_same_for_the_same_seed_whatever_the_row_order():
    candidates = experts.eligible(pool(), EXCLUDED, F)
    a = experts.draw(candidates, 3, random.Random(7))
    b = experts.draw(list(reversed(candidates)), 3, random.Random(7))
    assert a == b


def test_it_cannot_draw_more_than_the_pool():
    with pytest.raises(ValueError):
        experts.draw(experts.eligible(pool(), EXCLUDED, G), 3, random.Random(1))


def test_it_trims_the_mean_only_from_five_totals():
    four = [Decimal("90"), Decimal("80"), Decimal("70"), Decimal("40")]
    assert experts.mean(four) == Decimal("70.00")
    assert experts.trimmed_mean(four) is None
    five = [Decimal("95"), Decimal("80"), Decimal("75"), Decimal("70"), Decimal("40")]
    assert experts.mean(five) == Decimal("72.00")
    assert experts.trimmed_mean(five) == Decimal("75.00")
    assert experts.mean([]) is None


def test_it_needs_more_than_half_to_recommend():
    assert experts.majority_recommends([True, True, False])
    assert not experts.majority_recommends([True, False])
    assert not experts.majority_recommends([True, False, False])
    assert not experts.majority_recommends([])


# --- the draw and manual assignment -------------------------------------------------------


@pytest.mark.django_db
def test_it_seeds_a_default_score_sheet_of_100_points():
    sheet = ScoreSheet.objects.get(is_default=True)
    assert sheet.name == "创新联合体组建评审评分表（默认）"
    names = list(sheet.criteria.values_list("name", flat=True))
    assert len(names) == 5 and "第五条" in names[0] and "第七条" in names[1]
    assert sheet.max_total == 100


@pytest.mark.django_db
def test_it_draws_only_experts_not_employed_by_any_unit_of_the_application(alice, bob, charlie):
    app = in_city_intake(alice, bob)
    member = app.memberships.exclude(role="lead").first().organization
    at_lead = make_expert("atlead", employer=app.lead)
    at_member = make_expert("atmember", employer=member)
    make_expert("otherfield", fields=("医药健康",))
    make_expert("retired", active=False)
    outsiders = make_experts(3)

    drawn = experts.draw_experts(actor=charlie, application=app, count=3, rng=random.Random(3))

    assert {a.expert for a in drawn} == set(outsiders)
    assert all(a.method == "draw" and a.status == "pending" for a in drawn)
    assert all(a.sheet.is_default for a in drawn)
    told = Notification.objects.filter(event="expert_assigned").select_related("recipient")
    assert {n.recipient for n in told} == {e.user for e in outsiders}
    assert all(n.url == "/reviews/experts/" for n in told)
    # Only the two employed by units of the application are left in the field: refused.
    with pytest.raises(ValidationError, match="符合条件的专家不足"):
        experts.draw_experts(actor=charlie, application=app, count=1)
    assert not ExpertAssignment.objects.filter(expert__in=[at_lead, at_member]).exists()


@pytest.mark.django_db
def test_it_lets_only_city_staff_draw_and_only_during_intake_or_review(alice, bob, charlie):
    make_experts(3)
    draft = make_complete_application(lead=alice.profile.organization, creator=alice)
    with pytest.raises(ValidationError, match="不能指派评审专家"):
        experts.draw_experts(actor=charlie, application=draft, count=3)
    app = in_city_intake(alice, bob)
    for someone in (alice, bob):
        with pytest.raises(PermissionDenied):
            experts.draw_experts(actor=someone, application=app, count=3)
    assert not ExpertAssignment.objects.exists()


@pytest.mark.django_db
def test_it_refuses_to_assign_an_expert_employed_by_a_member_unit(client, alice, bob, charlie):
    app = in_city_intake(alice, bob)
    member = app.memberships.exclude(role="lead").first().organization
    conflicted = make_expert("conflicted", employer=member)
    free = make_expert("free")

    with pytest.raises(ValidationError) as refused:
        experts.assign_expert(actor=charlie, application=app, expert=conflicted)
    assert refused.value.messages == ["该专家工作单位为本申请成员单位，须回避。"]

    client.force_login(charlie)
    url = f"/reviews/experts/applications/{app.pk}/assign/"
    response = client.post(url, {"assign-expert": conflicted.pk})
    assert response.status_code == 422
    assert "该专家工作单位为本申请成员单位，须回避。" in response.content.decode()
    # The list itself does not offer them.
    assert f'value="{conflicted.pk}"' not in response.content.decode()

    response = client.post(url, {"assign-expert": free.pk})
    assert response.status_code == 302
    assignment = ExpertAssignment.objects.get(application=app)
    assert (assignment.expert, assignment.method) == (free, "manual")


# --- declaration and recusal --------------------------------------------------------------


@pytest.mark.django_db
def test_it_replaces_a_recused_expert_with_one_never_assigned(alice, bob, charlie):
    app = in_city_intake(alice, bob)
    make_experts(5)
    first = experts.draw_experts(actor=charlie, application=app, count=3, rng=random.Random(1))
    ever = {a.expert_id for a in first}

    recused = first[0]
    experts.declare(
        actor=recused.expert.user, assignment=recused, conflict=True, note="曾在牵头单位兼职"
    )
    live = ExpertAssignment.objects.filter(application=app).exclude(status="recused")
    assert live.count() == 3
    replacement = live.exclude(expert_id__in=ever).get()
    assert replacement.method == "draw" and replacement.status == "pending"
    ever.add(replacement.expert_id)

    # The recused expert's file stays closed, and city staff are told.
    assert ExpertAssignment.objects.get(pk=recused.pk).status == "recused"
    assert Notification.objects.filter(recipient=charlie, event="expert_recused").exists()

    # Second recusal: the last unused expert, never one assigned before.
    experts.declare(actor=replacement.expert.user, assignment=replacement, conflict=True)
    newest = (
        ExpertAssignment.objects.filter(application=app)
        .exclude(status="recused")
        .exclude(expert_id__in=ever)
        .get()
    )
    ever.add(newest.expert_id)
    # Third: the pool is exhausted; the recusal still stands and city staff assign by hand.
    experts.declare(actor=newest.expert.user, assignment=newest, conflict=True)
    assert ExpertAssignment.objects.filter(application=app).count() == 5
    assert "请手动指派" in Notification.objects.filter(event="expert_recused").first().body


@pytest.mark.django_db
def test_it_opens_the_application_to_the_expert_once_they_declare_no_conflict(
    client, alice, bob, charlie
):
    app = in_city_intake(alice, bob)
    (expert,) = make_experts(1)
    (assignment,) = experts.draw_experts(actor=charlie, application=app, count=1)
    client.force_login(expert.user)

    assert client.get(f"/applications/{app.pk}/").status_code == 404
    assert client.get(f"/reviews/experts/{assignment.pk}/score/").status_code == 404
    tasks = client.get("/reviews/experts/").content.decode()
    assert app.display_name in tasks and app.lead.name in tasks
    assert f"/applications/{app.pk}/" not in tasks  # no link before the declaration

    response = client.post(
        f"/reviews/experts/{assignment.pk}/declare/", {f"d{assignment.pk}-decision": "none"}
    )
    assert response.status_code == 302
    assert client.get(f"/applications/{app.pk}/").status_code == 200
    tasks = client.get("/reviews/experts/").content.decode()
    assert f"/applications/{app.pk}/" in tasks
    assert f"/reviews/experts/{assignment.pk}/score/" in tasks

    # Declared once; a second declaration is refused, in Chinese, with status 422.
    response = client.post(
        f"/reviews/experts/{assignment.pk}/declare/", {f"d{assignment.pk}-decision": "conflict"}
    )
    assert response.status_code == 422


@pytest.mark.django_db
def test_it_keeps_the_declaration_form_input_when_it_is_incomplete(client, alice, bob, charlie):
    app = in_city_intake(alice, bob)
    (expert,) = make_experts(1)
    (assignment,) = experts.draw_experts(actor=charlie, application=app, count=1)
    client.force_login(expert.user)
    response = client.post(
        f"/reviews/experts/{assignment.pk}/declare/", {f"d{assignment.pk}-note": "待核实"}
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "请选择接受、回避或谢绝。" in body and "待核实" in body


@pytest.mark.django_db
def test_it_lets_only_the_assigned_expert_declare(alice, bob, charlie):
    app = in_city_intake(alice, bob)
    make_experts(2)
    first, second = experts.draw_experts(actor=charlie, application=app, count=2)
    with pytest.raises(PermissionDenied):
        experts.declare(actor=second.expert.user, assignment=first, conflict=False)
    with pytest.raises(PermissionDenied):
        experts.declare(actor=charlie, assignment=first, conflict=False)


# --- scoring ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_keeps_a_submitted_sheet_final(client, alice, bob, charlie):
    app = under_review(in_city_intake(alice, bob), charlie, 3)
    a = ExpertAssignment.objects.filter(application=app).select_related("expert__user").first()
    points = points_for(criteria_of(a), 88)
    experts.submit_scores(
        actor=a.expert.user, assignment=a, points=points, recommend=True, opinion="同意。"
    )
    a = ExpertAssignment.objects.get(pk=a.pk)
    assert (a.status, a.total, a.recommend) == ("submitted", Decimal("88.0"), True)
    assert a.submitted_at is not None and a.scores.count() == 5

    with pytest.raises(ValidationError, match="评分已提交，不能修改。"):
        experts.submit_scores(
            actor=a.expert.user, assignment=a, points=points, recommend=False, opinion="改。"
        )

    client.force_login(a.expert.user)
    page = client.get(f"/reviews/experts/{a.pk}/score/").content.decode()
    assert "评分已提交，不能修改。" in page and "<textarea" not in page
    form = {f"c{c.pk}": "1" for c in criteria_of(a)} | {"recommend": "no", "opinion": "再改"}
    response = client.post(f"/reviews/experts/{a.pk}/score/", form)
    assert response.status_code == 422
    assert ExpertAssignment.objects.get(pk=a.pk).total == Decimal("88.0")


@pytest.mark.django_db
def test_it_refuses_points_over_the_maximum_keeping_the_input(client, alice, bob, charlie):
    app = under_review(in_city_intake(alice, bob), charlie, 3)
    a = ExpertAssignment.objects.filter(application=app).select_related("expert__user").first()
    criteria = criteria_of(a)
    client.force_login(a.expert.user)
    form = {f"c{c.pk}": "10" for c in criteria}
    form[f"c{criteria[0].pk}"] = "30"  # its maximum is 15
    form |= {"recommend": "yes", "opinion": "技术路线清晰，建议推荐。"}

    response = client.post(f"/reviews/experts/{a.pk}/score/", form)

    assert response.status_code == 422
    body = response.content.decode()
    assert "得分不能超过该项满分15分。" in body
    assert 'value="30"' in body and "技术路线清晰，建议推荐。" in body
    assert ExpertAssignment.objects.get(pk=a.pk).status == "accepted"

    # The service checks on its own too (its callers are not only this form).
    with pytest.raises(ValidationError) as refused:
        experts.submit_scores(
            actor=a.expert.user,
            assignment=a,
            points={c.pk: Decimal("30") for c in criteria},
            recommend=True,
            opinion="好",
        )
    assert "得分应在0至15分之间" in str(refused.value)

    form[f"c{criteria[0].pk}"] = "14.5"
    response = client.post(f"/reviews/experts/{a.pk}/score/", form)
    assert response.status_code == 302
    assert ExpertAssignment.objects.get(pk=a.pk).total == Decimal("54.5")


@pytest.mark.django_db
def test_it_lets_experts_score_only_once_the_review_has_started(alice, bob, charlie):
    app = in_city_intake(alice, bob)
    make_experts(1)
    (a,) = experts.draw_experts(actor=charlie, application=app, count=1)
    with pytest.raises(ValidationError, match="请先声明"):
        experts.submit_scores(
            actor=a.expert.user,
            assignment=a,
            points=points_for(criteria_of(a), 80),
            recommend=True,
            opinion="好",
        )
    experts.declare(actor=a.expert.user, assignment=a, conflict=False)
    with pytest.raises(ValidationError, match="尚未开始"):
        experts.submit_scores(
            actor=a.expert.user,
            assignment=a,
            points=points_for(criteria_of(a), 80),
            recommend=True,
            opinion="好",
        )


@pytest.mark.django_db
def test_it_never_shows_an_expert_another_experts_name_or_scores(client, alice, bob, charlie):
    app = in_city_intake(alice, bob)
    make_expert("me", name="甲专家")
    make_expert("other1", name="乙秘密专家")
    make_expert("other2", name="丙秘密专家")
    under_review(app, charlie, 3, make=False)
    assignments = {
        a.expert.name: a
        for a in ExpertAssignment.objects.filter(application=app).select_related("expert__user")
    }
    for name, total, opinion in [
        ("乙秘密专家", "73.5", "乙的保密意见"),
        ("丙秘密专家", "61.5", "丙的保密意见"),
        ("甲专家", "90", "甲的意见"),
    ]:
        a = assignments[name]
        experts.submit_scores(
            actor=a.expert.user,
            assignment=a,
            points=points_for(criteria_of(a), Decimal(total)),
            recommend=True,
            opinion=opinion,
        )
    me = assignments["甲专家"]
    client.force_login(me.expert.user)
    pages = [
        "/reviews/experts/",
        f"/reviews/experts/{me.pk}/score/",
        f"/applications/{app.pk}/",
    ]
    request = RequestFactory().get(f"/applications/{app.pk}/")
    request.user = me.expert.user
    panel = render_to_string(
        "reviews/experts/_application_panel.html",
        {"panel": panel_context(request, fetch(app))},
        request,
    )
    assert f"/reviews/experts/{me.pk}/score/" in panel
    bodies = [panel]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        bodies.append(response.content.decode())
    for other in ("乙秘密专家", "丙秘密专家"):
        pk = assignments[other].pk
        assert client.get(f"/reviews/experts/{pk}/score/").status_code == 404
    for body in bodies:
        for secret in ("乙秘密专家", "丙秘密专家", "乙的保密意见", "丙的保密意见", "73.5", "61.5"):
            assert secret not in body
    # The city's pages are not theirs either.
    for url in (f"/reviews/experts/applications/{app.pk}/", "/reviews/experts/pool/"):
        assert client.get(url).status_code == 404


# --- the review transitions ---------------------------------------------------------------


@pytest.mark.django_db
def test_it_counts_only_non_recused_experts_to_start_the_review(alice, bob, charlie):
    app = in_city_intake(alice, bob)
    assert app.policy_version.min_experts == 3
    make_experts(3)
    drawn = experts.draw_experts(actor=charlie, application=app, count=3)
    # The pool is exhausted, so the recusal leaves two live experts.
    experts.declare(actor=drawn[0].expert.user, assignment=drawn[0], conflict=True)
    with pytest.raises(ValidationError, match="至少需要3名评审专家"):
        workflow.perform(actor=charlie, application_id=app.pk, transition="start_expert_review")
    experts.assign_expert(actor=charlie, application=app, expert=make_expert("late"))
    workflow.perform(actor=charlie, application_id=app.pk, transition="start_expert_review")
    assert fetch(app).state == State.EXPERT_REVIEW


@pytest.mark.django_db
def test_it_refuses_to_start_with_fewer_than_the_policys_minimum(alice, bob, charlie):
    app = in_city_intake(alice, bob)
    make_experts(3)
    experts.draw_experts(actor=charlie, application=app, count=2)
    with pytest.raises(ValidationError) as refused:
        workflow.perform(actor=charlie, application_id=app.pk, transition="start_expert_review")
    assert "当前2名" in str(refused.value)
    experts.draw_experts(actor=charlie, application=app, count=1)
    workflow.perform(actor=charlie, application_id=app.pk, transition="start_expert_review")
    assert fetch(app).state == State.EXPERT_REVIEW


@pytest.mark.django_db
def test_it_passes_the_review_only_with_a_majority_recommending(alice, bob, charlie):
    app = under_review(in_city_intake(alice, bob), charlie, 4)
    score_all(app, [80, 70, 60, 50], [True, True, False, False])
    with pytest.raises(ValidationError, match="未过半数"):
        workflow.perform(
            actor=charlie, application_id=app.pk, transition="pass_review", comment="通过"
        )

    other = under_review(in_city_intake(alice, bob), charlie, 3, seed=5)
    score_all(other, [80, 70, 60], [True, True, False])
    workflow.perform(
        actor=charlie, application_id=other.pk, transition="pass_review", comment="评审通过"
    )
    assert fetch(other).state == State.REVIEW_PASSED


@pytest.mark.django_db
def test_it_shows_city_staff_each_sheet_the_mean_and_the_trimmed_mean(client, alice, bob, charlie):
    app = under_review(in_city_intake(alice, bob), charlie, 5)
    client.force_login(charlie)
    url = f"/reviews/experts/applications/{app.pk}/"
    assert "平均分" not in client.get(url).content.decode()  # nothing submitted yet

    score_all(app, [95, 80, 75, 70, 40], [True, True, True, False, False])
    body = client.get(url).content.decode()
    assert 'data-testid="mean">72.00<' in body
    assert "去掉最高分和最低分后平均分" in body
    assert 'data-testid="trimmed-mean">75.00<' in body
    for a in ExpertAssignment.objects.filter(application=app).select_related("expert"):
        assert a.expert.name in body and a.opinion in body
    assert "已提交 5/5，其中推荐 3（过半数）" in body
    # The same panel on the application page.
    page = client.get(f"/applications/{app.pk}/").content.decode()
    assert 'data-testid="trimmed-mean">75.00<' in page and 'id="expert-review"' in page


@pytest.mark.django_db
def test_it_shows_no_trimmed_mean_below_five_sheets(alice, bob, charlie):
    app = under_review(in_city_intake(alice, bob), charlie, 4)
    score_all(app, [90, 80, 70, 40], [True, True, True, False])
    request = RequestFactory().get("/")
    request.user = charlie
    context = panel_context(request, fetch(app))
    assert context["summary"].mean == Decimal("70.00")
    assert context["summary"].trimmed_mean is None
    assert context["can_assign"]  # a recusal may still need a replacement
    body = render_to_string("reviews/experts/_application_panel.html", {"panel": context}, request)
    assert "去掉最高分和最低分后平均分" not in body and "70.00" in body

    workflow.perform(actor=charlie, application_id=app.pk, transition="pass_review", comment="过")
    context = panel_context(request, fetch(app))
    assert not context["can_assign"] and "draw_form" not in context
    body = render_to_string("reviews/experts/_application_panel.html", {"panel": context}, request)
    assert "随机抽取专家" not in body and "70.00" in body


# --- query counts -------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_it_reads_the_city_summary_in_the_same_queries_for_3_and_6_sheets(
    client, alice, bob, charlie
):
    app = under_review(in_city_intake(alice, bob), charlie, 3)
    score_all(app, [80, 70, 60], [True, True, False])
    client.force_login(charlie)
    client.get("/")  # the first request after force_login stamps the session (one write)
    url = f"/reviews/experts/applications/{app.pk}/"
    three = _queries(client, url)

    make_experts(3, prefix="more")
    experts.draw_experts(actor=charlie, application=app, count=3)
    accept_all(app)
    score_all(app, [90, 85, 50], [True, False, True])
    assert ExpertAssignment.objects.filter(application=app, status="submitted").count() == 6
    assert _queries(client, url) == three


@pytest.mark.django_db
def test_it_reads_the_expert_task_list_in_the_same_queries_for_3_and_6(client, alice, charlie):
    expert = make_expert("busy")
    sheet = ScoreSheet.objects.get(is_default=True)
    statuses = ["pending", "accepted", "submitted", "recused", "pending", "accepted"]

    def assign(n):
        for status in statuses[ExpertAssignment.objects.count() : n]:
            app = make_complete_application(lead=alice.profile.organization, creator=alice, units=2)
            ExpertAssignment.objects.create(
                application=app,
                expert=expert,
                method="draw",
                sheet=sheet,
                assigned_by=charlie,
                status=status,
            )

    client.force_login(expert.user)
    client.get("/")  # the first request after force_login stamps the session (one write)
    assign(3)
    three = _queries(client, "/reviews/experts/")
    assign(6)
    assert _queries(client, "/reviews/experts/") == three


@pytest.mark.django_db
def test_it_lists_the_pool_for_city_staff_in_fixed_queries(client, charlie):
    make_experts(2)
    client.force_login(charlie)
    client.get("/")  # the first request after force_login stamps the session (one write)
    two = _queries(client, "/reviews/experts/pool/")
    make_experts(4, prefix="p")
    body = client.get("/reviews/experts/pool/").content.decode()
    assert "评审专家p3号" in body and FIELD in body
    assert _queries(client, "/reviews/experts/pool/") == two


# --- who sees what ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.APPLICANT, Role.COUNTY_REVIEWER])
def test_it_answers_404_on_the_expert_pages_to_county_reviewers_and_applicants(
    client, role_users, alice, bob, charlie, role
):
    app = in_city_intake(alice, bob)
    make_experts(1)
    (a,) = experts.draw_experts(actor=charlie, application=app, count=1)
    client.force_login(role_users[role])
    for url in (
        "/reviews/experts/",
        f"/reviews/experts/{a.pk}/score/",
        "/reviews/experts/pool/",
        f"/reviews/experts/applications/{app.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/reviews/experts/{a.pk}/declare/",
        f"/reviews/experts/{a.pk}/score/",
        f"/reviews/experts/applications/{app.pk}/draw/",
        f"/reviews/experts/applications/{app.pk}/assign/",
    ):
        assert client.post(url, {}).status_code == 404, url
    assert ExpertAssignment.objects.get(pk=a.pk).status == "pending"
    request = RequestFactory().get("/")
    request.user = role_users[role]
    assert panel_context(request, app) == {}


@pytest.mark.django_db
def test_it_draws_from_the_panel_with_the_policys_minimum_by_default(client, alice, bob, charlie):
    app = in_city_intake(alice, bob)
    make_experts(2)
    client.force_login(charlie)
    page = client.get(f"/reviews/experts/applications/{app.pk}/").content.decode()
    assert 'name="draw-count" value="3"' in page
    response = client.post(f"/reviews/experts/applications/{app.pk}/draw/", {"draw-count": "3"})
    assert response.status_code == 422
    assert "符合条件的专家不足" in response.content.decode()
    response = client.post(f"/reviews/experts/applications/{app.pk}/draw/", {"draw-count": "2"})
    assert response.status_code == 302
    assert response["Location"] == f"/applications/{app.pk}/#expert-review"
    assert ExpertAssignment.objects.filter(application=app).count() == 2


# --- demo ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.zeal_allow(*nplusone.DEMO_SEEDING)
def test_it_seeds_the_demo_experts_idempotently():
    from collections import Counter

    from django.contrib.auth import get_user_model

    from liaoyang_consortia import demo

    usernames = demo.seed_users(password="demo-pass-x")
    users = {u.username: u for u in get_user_model().objects.filter(username__in=usernames)}
    first = seed_experts(users)
    second = seed_experts(users)
    assert [e.pk for e in first] == [e.pk for e in second]
    assert ExpertProfile.objects.count() == len(EXPERTS) == 11
    expert1 = ExpertProfile.objects.get(user__username="expert1")
    assert expert1.employer == users["expert1"].profile.organization
    assert expert1.name == "杨文涛"
    # Every industry field has four experts or more (a draw of three, and a spare).
    per_field = Counter(ExpertProfile.objects.values_list("fields__name", flat=True))
    assert set(per_field) == set(IndustryField.objects.values_list("name", flat=True))
    assert min(per_field.values()) >= 4, per_field


@pytest.mark.django_db
def test_it_gives_the_expert_a_link_to_their_own_sheet_on_the_application_page(alice, bob, charlie):
    app = under_review(in_city_intake(alice, bob), charlie, 3)
    a = ExpertAssignment.objects.filter(application=app).select_related("expert__user").first()
    request = RequestFactory().get("/")
    request.user = a.expert.user
    context = panel_context(request, app)
    assert context["role"] == "expert" and context["own"] == a
    assert "summary" not in context
    stranger = make_expert("stranger", employer=OrganizationFactory())
    request.user = stranger.user
    assert panel_context(request, app) == {}

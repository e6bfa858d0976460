"""The assessment's machine (DESIGN.md §14) run for its effects as the application's is
(test_application_transitions): opening, the lead's submission, the county's and the
city's returns and passes, a resubmission, the expert review started and concluded, the
result notice, the result published (by the daily job, and by city staff after an upheld
objection) and 逾期未提交 by the daily job. Each through its real service as the person
who acts: the new state, the stage, reason, score and grade kept, the log row, the
comment and who reads it on the assessment page, who is told and who is not (exact sets
of notifications and e-mails). Every transition of the model has a case."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from liaoyang_consortia import notifications, tasks
from liaoyang_consortia.models import Notification
from members.roles import Role
from reporting.assessments import services, workflow
from reporting.assessments.models import (
    Assessment,
    AssessmentState,
    IndicatorValue,
    Rectification,
    Round,
)
from reviews.experts import services as experts
from reviews.models import Criterion, ExpertAssignment, Objection
from reviews.notices import services as notices
from tests.factories import arranging, make_user
from tests.reporting.assessment_world import consortium_of, fill_in, make_round
from tests.reviews.test_experts import make_experts

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
S = AssessmentState


def _get(assessment) -> Assessment:
    return Assessment.objects.select_related("round", "consortium").get(pk=assessment.pk)


@arranging
def _issued(w):
    round_ = make_round(w["charlie"])
    return {"round": round_}


@arranging
def _opened(w):
    ctx = _issued(w)
    services.open_round(actor=w["charlie"], round=ctx["round"])
    return {**ctx, "assessment": Assessment.objects.get(round=ctx["round"])}


@arranging
def _filled(w):
    ctx = _opened(w)
    fill_in(w["alice"], ctx["assessment"])
    return ctx


def _run(transition, actor, comment=""):
    @arranging
    def step(w, ctx):
        workflow.perform(
            actor=w[actor],
            assessment_id=ctx["assessment"].pk,
            transition=transition,
            comment=comment,
        )
        return ctx

    return step


def _chain(builder, *steps):
    def before(w):
        ctx = builder(w)
        for step in steps:
            ctx = step(w, ctx)
        return ctx

    return before


def _perform(transition, actor):
    def act(w, ctx, comment):
        workflow.perform(
            actor=w[actor],
            assessment_id=ctx["assessment"].pk,
            transition=transition,
            comment=comment,
        )

    return act


def _open(w, ctx, comment):
    services.open_round(actor=w["charlie"], round=ctx["round"])
    ctx["assessment"] = Assessment.objects.get(round=ctx["round"])


EXPERTS = 3  # the policy's minimum for a review (reviews.guards.start_expert_review)


@arranging
def _experts_accepted(w):
    """At city intake, with EXPERTS experts drawn and each having declared no conflict
    (the draw is allowed from city intake on: reporting.assessments.review)."""
    ctx = _chain(_filled, _run("submit", "alice"), _run("county_pass", "bob", "同意"))(w)
    make_experts(EXPERTS, prefix="wfa")
    experts.draw_experts(
        actor=w["charlie"], assessment=ctx["assessment"], count=EXPERTS, rng=random.Random(1)
    )
    drawn = list(_assignments(ctx["assessment"], ExpertAssignment.Status.PENDING))
    for a in drawn:
        experts.declare(actor=a.expert.user, assignment=a, conflict=False)
    return {**ctx, "experts": [a.expert.user for a in drawn]}


def _assignments(assessment, status):
    return (
        ExpertAssignment.objects.filter(assessment=assessment, status=status)
        .select_related("expert__user")
        .order_by("id")
    )


def _scoring(fraction):
    """Every accepted expert submits their sheet with `fraction` of each criterion's
    maximum (1: full marks)."""

    @arranging
    def step(w, ctx):
        for a in _assignments(ctx["assessment"], ExpertAssignment.Status.ACCEPTED):
            criteria = Criterion.objects.filter(sheet_id=a.sheet_id).order_by("order")
            experts.submit_scores(
                actor=a.expert.user,
                assignment=a,
                points={c.pk: Decimal(c.max_points) * fraction for c in criteria},
                opinion=f"{a.expert.name}：协同攻关成效明显。",
            )
        return ctx

    return step


def _computed_in_full(w, ctx):
    # What the portal computed for the year, at full marks (as if the annual report was on
    # time and the projects confirmed): with the experts' full marks, a score of 100.
    values = list(
        IndicatorValue.objects.filter(
            assessment=ctx["assessment"], indicator__method="computed"
        ).select_related("indicator")
    )
    for value in values:
        value.computed_points = value.indicator.weight
    IndicatorValue.objects.bulk_update(values, ["computed_points"])
    return ctx


def _result_notice(*, ended):
    """The round's result notice, published by city staff (reviews.notices); `ended`: it
    began a month ago, so its working days are over."""

    @arranging
    def step(w, ctx):
        start = timezone.localdate() - timedelta(days=30) if ended else timezone.localdate()
        ctx["notice"] = _publish_result_notice(w, ctx, start)
        return ctx

    return step


def _publish_result_notice(w, ctx, start):
    return notices.publish_result_notice(
        actor=w["charlie"],
        round=ctx["round"],
        title="",
        start_date=start,
        business_contact="市科技局 王老师 0419-1234567",
        supervision_contact="0419-7654321",
    )


def _publish(w, ctx, comment):
    ctx["notice"] = _publish_result_notice(w, ctx, timezone.localdate())


def _upheld_objection(w, ctx):
    """A real-name objection filed during the notice, accepted and upheld by city staff:
    the daily job leaves the result to them (reviews.notices.publish_ended_results)."""
    notice = ctx["notice"]
    objection = notices.file_objection(
        notice=notice,
        assessment=ctx["assessment"],
        name="实名异议人乙",
        unit="辽阳某化工公司",
        phone="13900000001",
        reasons="该联合体年度研发投入数据与审计报告不符。",
        today=notice.start_date,
    )
    notices.verify_objection(actor=w["charlie"], objection=objection)
    notices.record_finding(
        actor=w["charlie"],
        objection=objection,
        outcome=Objection.Outcome.UPHELD,
        finding="研发投入数据有误，已责成更正。",
        today=notice.start_date,
    )
    # The job ran meanwhile and left it alone.
    assert notices.publish_ended_results(today=timezone.localdate()) == []
    return ctx


def _daily_job(w, ctx, comment):
    # The notices' part of the daily job (liaoyang_consortia.tasks): it publishes the
    # results whose notice ended with no objection pending or upheld.
    notices.close_ended_notices(today=timezone.localdate())


def _concluded_as(score, grade, *, points):
    def check(w, ctx, assessment):
        assert (assessment.score, assessment.grade) == (Decimal(score), grade)
        assert assessment.scored_at is not None
        assert set(assessment.subtotals) >= {"operation"}
        values = IndicatorValue.objects.filter(assessment=assessment).select_related("indicator")
        # Each indicator's final points kept beside the score (services.after_conclude).
        assert sum(v.points for v in values) == Decimal(score)
        assert all(v.points == points(v) for v in values)

    return check


def _full_points(value):
    return Decimal(value.indicator.weight)


def _listed_on_the_result_notice(w, ctx, assessment):
    notice = ctx["notice"]
    assert list(notice.assessments.all()) == [assessment]
    assert notice.number and notice.end_date > notice.start_date
    # Still unpublished: neither published nor its consequences applied.
    assert assessment.published_at is None and not assessment.priority_recommendation


def _published_with_priority(w, ctx, assessment):
    assert assessment.published_at is not None
    assert assessment.priority_recommendation  # 优秀 (art. 18)
    assert not Rectification.objects.filter(assessment=assessment).exists()
    ctx["notice"].refresh_from_db()
    assert ctx["notice"].closed_at is not None
    # Not finished yet: a round finishes only once its self-assessment has closed too.
    assert Round.objects.get(pk=ctx["round"].pk).status == Round.Status.OPEN


def _published_with_rectification(w, ctx, assessment):
    assert assessment.published_at is not None and not assessment.priority_recommendation
    rectification = Rectification.objects.get(assessment=assessment)
    assert rectification.status == Rectification.Status.OPEN
    assert rectification.deadline > timezone.localdate()


def _rectification_opened(w, ctx, assessment):
    assert assessment.score == Decimal("0")
    assert Rectification.objects.get(assessment=assessment).status == Rectification.Status.OPEN


def _closing_day_passed(w, ctx, comment):
    day = date(2027, 5, 1)  # the round closes on 2027-04-30 (make_round)
    with time_machine.travel(datetime(2027, 5, 1, 9, tzinfo=TZ), tick=False):
        services.run_daily(today=day)


@dataclass(frozen=True)
class Case:
    id: str
    transition: str
    before: object
    act: object
    actor: str | None
    source: str
    target: str
    fields: dict = field(default_factory=dict)
    comment: bool = False
    notified: tuple[str, ...] = ()  # audiences of _audience, told of the transition
    # Other messages the transition's effects send: (event, audience).
    also_told: tuple[tuple[str, str], ...] = ()
    # Who reads the comment in the page's 办理记录 (audiences; everyone else: 404).
    readers: tuple[str, ...] = ("lead", "county", "city")
    # Further effects: (world, ctx, assessment) -> None.
    also: object = None


def _step(act):
    """An act used as a step of a builder (the daily job run before the case's act)."""

    @arranging
    def step(w, ctx):
        act(w, ctx, "")
        return ctx

    return step


_reviewed = _chain(_experts_accepted, _run("city_pass", "charlie"))
_concluded = _chain(
    _reviewed,
    _scoring(1),
    _computed_in_full,
    _run("conclude_review", "charlie", "评审结论：任务完成良好。"),
)
# Half marks from the experts: 41 of the experts' 82 points, 不合格.
_concluded_low = _chain(
    _reviewed, _scoring(Decimal("0.5")), _run("conclude_review", "charlie", "评审结论：不合格。")
)


CASES = [
    Case(
        "open", "open", _issued, _open, "charlie", S.ISSUED, S.SELF_ASSESSMENT, notified=("lead",)
    ),
    Case(
        "submit",
        "submit",
        _filled,
        _perform("submit", "alice"),
        "alice",
        S.SELF_ASSESSMENT,
        S.COUNTY_REVIEW,
        notified=("county",),
    ),
    Case(
        "county_return",
        "county_return",
        _chain(_filled, _run("submit", "alice")),
        _perform("county_return", "bob"),
        "bob",
        S.COUNTY_REVIEW,
        S.SELF_ASSESSMENT,
        fields={"returned_stage": "county_review"},
        comment=True,
        notified=("lead",),
    ),
    Case(
        "county_pass",
        "county_pass",
        _chain(_filled, _run("submit", "alice")),
        _perform("county_pass", "bob"),
        "bob",
        S.COUNTY_REVIEW,
        S.CITY_INTAKE,
        comment=True,
        notified=("lead", "city"),
    ),
    Case(
        "city_return",
        "city_return",
        _chain(_filled, _run("submit", "alice"), _run("county_pass", "bob", "同意")),
        _perform("city_return", "charlie"),
        "charlie",
        S.CITY_INTAKE,
        S.SELF_ASSESSMENT,
        fields={"returned_stage": "city_intake"},
        comment=True,
        notified=("lead", "county"),
    ),
    Case(
        "submit-after-city-return",
        "submit",
        _chain(
            _filled,
            _run("submit", "alice"),
            _run("county_pass", "bob", "同意"),
            _run("city_return", "charlie", "缺财务审计"),
        ),
        _perform("submit", "alice"),
        "alice",
        S.SELF_ASSESSMENT,
        S.COUNTY_REVIEW,
        notified=("county",),
    ),
    Case(
        "city_pass",
        "city_pass",
        _experts_accepted,
        _perform("city_pass", "charlie"),
        "charlie",
        S.CITY_INTAKE,
        S.EXPERT_REVIEW,
        # The experts who accepted at intake learn that they may score now.
        notified=("lead", "experts"),
    ),
    Case(
        "conclude_review",
        "conclude_review",
        _chain(_reviewed, _scoring(1), _computed_in_full),
        _perform("conclude_review", "charlie"),
        "charlie",
        S.EXPERT_REVIEW,
        S.SCORED,
        fields={"score": Decimal("100"), "grade": "excellent", "published_at": None},
        comment=True,
        readers=("lead", "county", "city", "experts"),
        also=_concluded_as("100", "excellent", points=_full_points),
    ),
    Case(
        "publish_notice",
        "publish_notice",
        _concluded,
        _publish,
        "charlie",
        S.SCORED,
        S.RESULT_NOTICE,
        also=_listed_on_the_result_notice,
    ),
    Case(
        "publish_notice-not-submitted",
        "publish_notice",
        _chain(_opened, _step(_closing_day_passed)),
        _publish,
        "charlie",
        S.NOT_SUBMITTED,
        S.RESULT_NOTICE,
        fields={"grade": "fail"},
        also=_listed_on_the_result_notice,
    ),
    Case(
        "publish_result-daily-job",
        "publish_result",
        _chain(_concluded, _result_notice(ended=True)),
        _daily_job,
        None,
        S.RESULT_NOTICE,
        S.PUBLISHED,
        fields={"grade": "excellent", "priority_recommendation": True},
        notified=("lead", "county"),
        also=_published_with_priority,
    ),
    Case(
        "publish_result-city-staff",
        "publish_result",
        _chain(_concluded_low, _result_notice(ended=True), _upheld_objection),
        _perform("publish_result", "charlie"),
        "charlie",
        S.RESULT_NOTICE,
        S.PUBLISHED,
        fields={"grade": "fail", "priority_recommendation": False},
        comment=True,
        notified=("lead", "county"),
        also_told=(("assessment_rectification", "lead"),),
        readers=("lead", "county", "city", "experts"),
        also=_published_with_rectification,
    ),
    Case(
        "publish_result-not-submitted",
        "publish_result",
        _chain(_opened, _step(_closing_day_passed), _result_notice(ended=True)),
        _daily_job,
        None,
        S.RESULT_NOTICE,
        S.PUBLISHED,
        fields={"grade": "fail", "priority_recommendation": False},
        # The rectification opened when the round closed (after_missed): not a second time.
        notified=("lead", "county"),
        also=_rectification_opened,
    ),
    Case(
        "miss_deadline",
        "miss_deadline",
        _opened,
        _closing_day_passed,
        None,
        S.SELF_ASSESSMENT,
        S.NOT_SUBMITTED,
        fields={"grade": "fail"},
        notified=("lead", "county"),
        also_told=(("assessment_rectification", "lead"),),
        also=_rectification_opened,
    ),
]
# The counts the README quotes (tests.workflow.summary()).
ASSESSMENT_TRANSITIONS_TESTED = len({c.transition for c in CASES})
ASSESSMENT_CASES_TESTED = len(CASES)


def test_it_has_a_case_for_every_transition_of_the_assessment_machine():
    machine = {t.name for t in Assessment._meta.get_field("state").get_all_transitions(Assessment)}
    assert machine == set(workflow.STEPS)
    assert {c.transition for c in CASES} == machine, machine - {c.transition for c in CASES}
    assert ASSESSMENT_TRANSITIONS_TESTED == len(machine) == 10


@pytest.fixture
def world(alice, bob, charlie):
    consortium_of(alice)
    return {
        "alice": alice,
        "bob": bob,
        "charlie": charlie,
        "oscar": make_user("oscar", Role.COUNTY_REVIEWER, county_code="211081"),
        "mallory": make_user("mallory", Role.APPLICANT, county_code="211002"),
    }


def _audience(w, ctx, name) -> set[str]:
    return {
        "lead": {"alice"},
        "county": {"bob"},
        "city": {"charlie"},
        "experts": {u.username for u in ctx.get("experts", ())},
    }[name]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_it_runs_the_assessment_transition_for_its_effects(
    case, world, client, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks.deliver_notifications, "delay", notifications.deliver)
    ctx = case.before(world)
    if "assessment" in ctx:
        assert _get(ctx["assessment"]).state == case.source
    last_note = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    comment = f"【{case.id}】的意见。" if case.comment else ""
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        case.act(world, ctx, comment)

    assessment = _get(ctx["assessment"])
    assert assessment.state == case.target
    for name, value in case.fields.items():
        assert getattr(assessment, name) == value, name
    if case.fields.get("returned_stage"):
        assert assessment.return_reason == comment
    log = StateLog.objects.for_(assessment).order_by("-pk").first()
    actor = world[case.actor] if case.actor else None
    assert (log.by, log.transition, log.source_state, log.state) == (
        actor,
        case.transition,
        case.source,
        case.target,
    )
    assert log.description == (comment or None)

    # Who is told, once each; and nobody else, of anything (the other county, another
    # unit, the experts unless named, the city unless named).
    expected = set().union(*(_audience(world, ctx, a) for a in case.notified))
    others = {(event, u) for event, a in case.also_told for u in _audience(world, ctx, a)}
    told = Notification.objects.filter(pk__gt=last_note).values_list("event", "recipient__username")
    assert sorted(told) == sorted({(f"assessment_{case.transition}", u) for u in expected} | others)
    label = str(workflow.STEPS[case.transition].label)
    emails = {u.username: u.email for u in world.values()} | {
        u.username: u.email for u in ctx.get("experts", ())
    }
    mailed = sorted(m.to[0] for m in mailoutbox if label in m.subject)
    assert mailed == sorted(emails[u] for u in expected)
    assert len(mailoutbox) == len(expected) + len(others)
    if comment:
        assert all(comment in m.body for m in mailoutbox if label in m.subject)
    if assessment.grade and case.transition in ("publish_result", "miss_deadline"):
        shown = f"考核等次：{assessment.get_grade_display()}。"
        assert all(shown in m.body for m in mailoutbox if label in m.subject)

    # The comment in the page's 办理记录, read by exactly its readers; the other county's
    # reviewer and another unit's applicant never open the assessment.
    if comment:
        readers = set().union(*(_audience(world, ctx, a) for a in case.readers))
        people = {**{u.username: u for u in ctx.get("experts", ())}, **world}
        url = reverse("assessments:detail", args=[assessment.pk])
        for username, user in people.items():
            client.force_login(user)
            response = client.get(url)
            if username in readers:
                assert response.status_code == 200, username
                assert comment in response.content.decode(), username
            else:
                assert response.status_code == 404, username
    if case.also:
        case.also(world, ctx, assessment)

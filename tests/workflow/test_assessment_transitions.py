"""The assessment's machine (DESIGN.md §14), its first half run for its effects as the
application's is (test_application_transitions): opening, the lead's submission, the
county's and the city's returns and passes, a resubmission, and 逾期未提交 by the daily
job. Each: the new state, the stage and reason kept, the log row, who is told and who is
not. (The expert review and the result notice of an assessment are tested through their
services in tests/reviews/test_assessment_review.py and test_assessment_notices.py.)"""

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django_fsm_log.models import StateLog

from liaoyang_consortia import notifications, tasks
from liaoyang_consortia.models import Notification
from members.roles import Role
from reporting.assessments import services, workflow
from reporting.assessments.models import Assessment, AssessmentState
from tests.factories import arranging, make_user
from tests.reporting.assessment_world import consortium_of, fill_in, make_round

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
    notified: tuple[str, ...] = ()


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
        "miss_deadline",
        "miss_deadline",
        _opened,
        _closing_day_passed,
        None,
        S.SELF_ASSESSMENT,
        S.NOT_SUBMITTED,
        fields={"grade": "fail"},
        notified=("lead", "county"),
    ),
]
ASSESSMENT_TRANSITIONS_TESTED = len({c.transition for c in CASES})


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


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_it_runs_the_assessment_transition_for_its_effects(
    case, world, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks.deliver_notifications, "delay", notifications.deliver)
    ctx = case.before(world)
    if "assessment" in ctx:
        assert _get(ctx["assessment"]).state == case.source
    last_note = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    comment = f"【{case.id}】的意见。" if case.comment else ""

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

    audiences = {"lead": {"alice"}, "county": {"bob"}, "city": {"charlie"}}
    expected = set().union(*(audiences[a] for a in case.notified))
    told = Notification.objects.filter(
        pk__gt=last_note, event=f"assessment_{case.transition}"
    ).values_list("recipient__username", flat=True)
    assert sorted(told) == sorted(expected)
    # Nobody else hears of this transition (the other county, another unit).
    assert not {"oscar", "mallory"} & set(
        Notification.objects.filter(pk__gt=last_note).values_list("recipient__username", flat=True)
    )
    label = str(workflow.STEPS[case.transition].label)
    mailed = sorted(m.to[0] for m in mailoutbox if label in m.subject)
    assert mailed == sorted(world[u].email for u in expected)
    if comment:
        assert all(comment in m.body for m in mailoutbox if label in m.subject)

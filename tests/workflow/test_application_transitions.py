"""Every transition of the application's machine (DESIGN.md §4) run through its service as
the person who acts, for its effects: the new state, the stage kept, the log row (who,
which transition, from where), the audit row, the comment and who can read it on the
application page, and who is told (a Notification and one e-mail each) and who is not.

One case per way a transition is reached (withdraw from each of its three states,
resolve_objection to each of its three outcomes, close_notice by the daily job and by a
person …); every transition of applications.workflow.STEPS has at least one case."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog

from applications import services, workflow
from applications.models import Consortium, State, Submission
from liaoyang_consortia import notifications, tasks
from liaoyang_consortia.models import AuditEvent, Notification
from reviews.decisions.services import record_meeting
from reviews.models import Comment, ExpertAssignment, Objection
from reviews.notices import services as notices
from tests.workflow import chain

pytestmark = pytest.mark.django_db

RETURN_BANNER = "该申请在“%s”环节被退回修改"


@dataclass(frozen=True)
class Case:
    id: str
    transition: str
    # Brings a fresh application to where the transition starts: a dict with at least
    # "application" (and "notice", "objection" where the act needs them).
    before: Callable
    # Runs the transition through its service; gets (people, ctx, comment).
    act: Callable
    actor: str | None  # attribute of chain.People; None: the daily job (no user)
    source: str
    target: str
    fields: dict = field(default_factory=dict)  # other fields the transition sets
    # The comment's visibility (reviews.models.Visibility), or None when none is given.
    visibility: str | None = None
    notified: tuple[str, ...] = ()  # audiences of chain.People.audience
    # Further effects: (people, ctx, application, page of the applicant) -> None.
    also: Callable | None = None


def _app(builder):
    return lambda p: {"application": builder(p)}


def _perform(transition, actor, **kwargs):
    def act(p, ctx, comment):
        workflow.perform(
            actor=getattr(p, actor),
            application_id=ctx["application"].pk,
            transition=transition,
            comment=comment,
            **kwargs,
        )

    return act


def _submit(p, ctx, comment):
    services.submit(actor=p.alice, application_id=ctx["application"].pk, change_note=comment)


def _snapshot_kept(p, ctx, application, page):
    assert Submission.objects.filter(application=application).count() == (
        2 if ctx.get("resubmission") else 1
    )
    assert application.submitted_at is not None and application.policy_version_id is not None


def _resubmitted(builder):
    def before(p):
        application = builder(p)
        return {"application": application, "resubmission": True}

    return before


def _city_return_shown(p, ctx, application, page):
    assert RETURN_BANNER % "市局形式审查" in page


def _county_return_shown(p, ctx, application, page):
    assert RETURN_BANNER % "县区审核" in page


def _experts_open_their_task(p, ctx, application, page):
    # The experts' message leads to their task list, the applicant's to the application.
    urls = dict(
        Notification.objects.filter(event="start_expert_review").values_list(
            "recipient__username", "url"
        )
    )
    assert urls == {
        **{u.username: reverse("experts:tasks") for u in p.experts},
        p.alice.username: f"/applications/{application.pk}/",
    }


def _publish(p, ctx, comment):
    ctx["notice"] = chain.publish(p, ctx["application"])


def _listed_on_the_public_notice(p, ctx, application, page):
    notice = ctx["notice"]
    assert list(notice.applications.all()) == [application]
    assert notice.number and notice.end_date > notice.start_date


def _notice_with_objection(p):
    application, notice = chain.public_notice(p)
    return {
        "application": application,
        "notice": notice,
        "objection": chain.file_objection(notice, application),
    }


def _verify(p, ctx, comment):
    notices.verify_objection(actor=p.charlie, objection=ctx["objection"], note=comment)


def _objection_verifying(p, ctx, application, page):
    ctx["objection"].refresh_from_db()
    assert ctx["objection"].status == Objection.Status.VERIFYING


def _in_objection_review(p):
    application, notice, objection = chain.objection_review(p)
    return {"application": application, "notice": notice, "objection": objection}


def _finding(outcome, *, after_notice=False):
    def act(p, ctx, comment):
        notice = ctx["notice"]
        notices.record_finding(
            actor=p.charlie,
            objection=ctx["objection"],
            outcome=outcome,
            finding=comment,
            today=notice.end_date + timedelta(days=1) if after_notice else notice.start_date,
        )
        # The applicant reads the findings (outcome and text), written by the service.
        ctx["comment"] = f"{Objection.Outcome(outcome).label}：{comment}"

    return act


def _objector_hidden(p, ctx, application, page):
    # Real-name objections: the objector's identity is city staff's only (DESIGN.md §4).
    assert "实名异议人甲" not in page and "13900000000" not in page


def _ended_notice(p):
    application, notice = chain.public_notice(p, ended=True)
    return {"application": application, "notice": notice}


def _daily_job(p, ctx, comment):
    moved = notices.close_ended_notices(today=timezone.localdate())
    assert [a.pk for a in moved] == [ctx["application"].pk]


def _notice_closed(p, ctx, application, page):
    ctx["notice"].refresh_from_db()
    assert ctx["notice"].closed_at is not None


def _meeting(outcome):
    def act(p, ctx, comment):
        record_meeting(
            actor=p.charlie,
            meeting_date=timezone.localdate(),
            minutes_number=f"党组会议纪要〔{ctx['application'].pk}〕号",
            decisions=[(ctx["application"], outcome, comment)],
        )

    return act


def _named(p, ctx, application, page):
    consortium = Consortium.objects.get(application=application)
    assert consortium.name == "辽阳市精细化工创新联合体"
    assert consortium.number.startswith(f"LYCXLHT-{timezone.localdate().year}-")
    assert consortium.lead_id == application.lead_id


def _not_named(p, ctx, application, page):
    assert not Consortium.objects.filter(application=application).exists()


CASES = [
    Case(
        "submit-draft",
        "submit",
        _app(chain.draft),
        _submit,
        "alice",
        State.DRAFT,
        State.COUNTY_REVIEW,
        notified=("county",),
        also=_snapshot_kept,
    ),
    Case(
        "submit-after-county-return",
        "submit",
        _resubmitted(chain.returned_by_county),
        _submit,
        "alice",
        State.RETURNED,
        State.COUNTY_REVIEW,
        fields={"returned_stage": ""},
        visibility="applicant",
        notified=("county",),
        also=_snapshot_kept,
    ),
    # DESIGN.md §4: a resubmission goes back to the county, whoever returned it.
    Case(
        "submit-after-city-return",
        "submit",
        _resubmitted(chain.returned_by_city),
        _submit,
        "alice",
        State.RETURNED,
        State.COUNTY_REVIEW,
        fields={"returned_stage": ""},
        visibility="applicant",
        notified=("county",),
        also=_snapshot_kept,
    ),
    Case(
        "withdraw-draft",
        "withdraw",
        _app(chain.draft),
        _perform("withdraw", "alice"),
        "alice",
        State.DRAFT,
        State.WITHDRAWN,
        visibility="applicant",
    ),
    Case(
        "withdraw-returned",
        "withdraw",
        _app(chain.returned_by_county),
        _perform("withdraw", "alice"),
        "alice",
        State.RETURNED,
        State.WITHDRAWN,
        visibility="applicant",
    ),
    Case(
        "withdraw-county-review",
        "withdraw",
        _app(chain.county_review),
        _perform("withdraw", "alice"),
        "alice",
        State.COUNTY_REVIEW,
        State.WITHDRAWN,
        visibility="applicant",
        notified=("county",),
    ),
    Case(
        "county_return",
        "county_return",
        _app(chain.county_review),
        _perform("county_return", "bob"),
        "bob",
        State.COUNTY_REVIEW,
        State.RETURNED,
        fields={"returned_stage": State.COUNTY_REVIEW},
        visibility="applicant",
        notified=("applicant",),
        also=_county_return_shown,
    ),
    Case(
        "county_decline",
        "county_decline",
        _app(chain.county_review),
        _perform("county_decline", "bob"),
        "bob",
        State.COUNTY_REVIEW,
        State.REJECTED,
        fields={"rejected_stage": State.COUNTY_REVIEW},
        visibility="applicant",
        notified=("applicant",),
    ),
    Case(
        "county_recommend",
        "county_recommend",
        _app(chain.county_review),
        _perform("county_recommend", "bob"),
        "bob",
        State.COUNTY_REVIEW,
        State.CITY_INTAKE,
        visibility="applicant",
        notified=("applicant", "city"),
    ),
    Case(
        "city_return",
        "city_return",
        _app(chain.city_intake),
        _perform("city_return", "charlie"),
        "charlie",
        State.CITY_INTAKE,
        State.RETURNED,
        fields={"returned_stage": State.CITY_INTAKE},
        visibility="applicant",
        notified=("applicant", "county"),
        also=_city_return_shown,
    ),
    Case(
        "start_expert_review",
        "start_expert_review",
        _app(chain.experts_accepted),
        _perform("start_expert_review", "charlie"),
        "charlie",
        State.CITY_INTAKE,
        State.EXPERT_REVIEW,
        notified=("experts", "applicant"),
        also=_experts_open_their_task,
    ),
    Case(
        "pass_review",
        "pass_review",
        _app(chain.scored),
        _perform("pass_review", "charlie"),
        "charlie",
        State.EXPERT_REVIEW,
        State.REVIEW_PASSED,
        visibility="internal",
    ),
    Case(
        "fail_review",
        "fail_review",
        _app(lambda p: chain.scored(p, recommends=(False, False, True))),
        _perform("fail_review", "charlie"),
        "charlie",
        State.EXPERT_REVIEW,
        State.REJECTED,
        fields={"rejected_stage": State.EXPERT_REVIEW},
        visibility="applicant",
        notified=("applicant",),
    ),
    Case(
        "publish_notice",
        "publish_notice",
        _app(chain.review_passed),
        _publish,
        "charlie",
        State.REVIEW_PASSED,
        State.PUBLIC_NOTICE,
        also=_listed_on_the_public_notice,
    ),
    Case(
        "open_objection",
        "open_objection",
        _notice_with_objection,
        _verify,
        "charlie",
        State.PUBLIC_NOTICE,
        State.OBJECTION_REVIEW,
        visibility="internal",
        also=_objection_verifying,
    ),
    Case(
        "resolve_objection-back-to-notice",
        "resolve_objection",
        _in_objection_review,
        _finding(Objection.Outcome.DISMISSED),
        "charlie",
        State.OBJECTION_REVIEW,
        State.PUBLIC_NOTICE,
        visibility="applicant",
        notified=("applicant",),
        also=_objector_hidden,
    ),
    Case(
        "resolve_objection-to-meeting",
        "resolve_objection",
        _in_objection_review,
        _finding(Objection.Outcome.DISMISSED, after_notice=True),
        "charlie",
        State.OBJECTION_REVIEW,
        State.PARTY_GROUP_REVIEW,
        visibility="applicant",
        notified=("applicant",),
        also=_objector_hidden,
    ),
    Case(
        "resolve_objection-upheld",
        "resolve_objection",
        _in_objection_review,
        _finding(Objection.Outcome.UPHELD),
        "charlie",
        State.OBJECTION_REVIEW,
        State.REJECTED,
        fields={"rejected_stage": State.OBJECTION_REVIEW},
        visibility="applicant",
        notified=("applicant",),
        also=_objector_hidden,
    ),
    Case(
        "close_notice-daily-job",
        "close_notice",
        _ended_notice,
        _daily_job,
        None,
        State.PUBLIC_NOTICE,
        State.PARTY_GROUP_REVIEW,
        also=_notice_closed,
    ),
    Case(
        "close_notice-city-staff",
        "close_notice",
        _ended_notice,
        _perform("close_notice", "charlie"),
        "charlie",
        State.PUBLIC_NOTICE,
        State.PARTY_GROUP_REVIEW,
        visibility="internal",
    ),
    Case(
        "approve",
        "approve",
        _app(chain.party_group_review),
        _meeting("approve"),
        "charlie",
        State.PARTY_GROUP_REVIEW,
        State.APPROVED,
        notified=("applicant", "county"),
        also=_named,
    ),
    Case(
        "decline",
        "decline",
        _app(chain.party_group_review),
        _meeting("decline"),
        "charlie",
        State.PARTY_GROUP_REVIEW,
        State.REJECTED,
        fields={"rejected_stage": State.PARTY_GROUP_REVIEW},
        visibility="applicant",
        notified=("applicant", "county"),
        also=_not_named,
    ),
]
# The counts the README quotes (tests.workflow.summary()).
TRANSITIONS_TESTED = len({c.transition for c in CASES})
CASES_TESTED = len(CASES)


def test_it_has_a_case_for_every_transition_of_the_machine():
    from applications.models import Application

    machine = {
        t.name for t in Application._meta.get_field("state").get_all_transitions(Application)
    }
    assert machine == set(workflow.STEPS)
    assert {c.transition for c in CASES} == machine
    assert TRANSITIONS_TESTED == len(machine) == 15


@pytest.fixture
def people(alice, bob, charlie):
    return chain.people(alice, bob, charlie)


@pytest.fixture
def delivered(monkeypatch, mailoutbox):
    """The outbox as in production once the transaction commits, minus the broker: the
    task's body (deliver) runs at once."""
    monkeypatch.setattr(tasks.deliver_notifications, "delay", notifications.deliver)
    return mailoutbox


def _visible_to(people, application, visibility):
    """Who reads a comment of this visibility on the application page (DESIGN.md §4
    'Visibility'; applications.selectors.timeline): bureau staff (county and city) read
    everything, the applicant what is theirs or public, an expert only what is public."""
    readers = {
        "public": {"alice", "bob", "charlie", "expert"},
        "applicant": {"alice", "bob", "charlie"},
    }
    return readers.get(visibility, {"bob", "charlie"})


def _page(client, user, application):
    client.force_login(user)
    response = client.get(f"/applications/{application.pk}/")
    return response


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_it_runs_the_transition_for_its_effects(
    case, people, client, delivered, django_capture_on_commit_callbacks
):
    ctx = case.before(people)
    application = chain.fetch(ctx["application"])
    assert application.state == case.source
    actor = getattr(people, case.actor) if case.actor else None
    comment = f"【{case.id}】的意见，{application.pk}号。" if case.visibility else ""
    last_note = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    last_comment = Comment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        case.act(people, ctx, comment)

    application = chain.fetch(application)
    # The state, and the stage kept.
    assert application.state == case.target
    for name, value in case.fields.items():
        assert getattr(application, name) == value, name
    assert application.state_since >= before

    # The log: who, which transition, from where to where, with the comment.
    log = StateLog.objects.for_(application).order_by("-pk").first()
    comment = ctx.get("comment", comment)
    assert (log.by, log.transition, log.source_state, log.state) == (
        actor,
        case.transition,
        case.source,
        case.target,
    )
    assert log.description == (comment or None)
    audit = AuditEvent.objects.filter(kind=AuditEvent.Kind.TRANSITION).order_by("-pk").first()
    assert audit.actor == actor
    assert (audit.detail["transition"], audit.detail["id"]) == (case.transition, application.pk)

    # The comment, kept with its visibility, and read on the page by exactly its readers.
    new_comments = list(Comment.objects.filter(pk__gt=last_comment))
    if case.visibility is None:
        assert new_comments == []
    else:
        [kept] = new_comments
        assert (kept.text, kept.visibility, kept.author, kept.transition) == (
            comment,
            case.visibility,
            actor,
            case.transition,
        )
    expert = people.experts[0]
    expert_reads = ExpertAssignment.objects.filter(
        application=application,
        expert__user=expert,
        status__in=[ExpertAssignment.Status.ACCEPTED, ExpertAssignment.Status.SUBMITTED],
    ).exists()
    viewers = {"alice": people.alice}
    if application.submitted_at is not None:  # a draft is its unit's only
        viewers.update(bob=people.bob, charlie=people.charlie)
    if expert_reads:
        viewers["expert"] = expert
    pages = {}
    for who, user in viewers.items():
        response = _page(client, user, application)
        assert response.status_code == 200, who
        pages[who] = response.content.decode()
    if case.visibility is not None:
        readers = _visible_to(people, application, case.visibility)
        for who, page in pages.items():
            shown = comment.splitlines()[0] in page
            assert shown == (who in readers), f"{who} {'reads' if shown else 'misses'} it"
    # The other county's reviewer and another unit never see the application.
    for outsider in (people.oscar, people.mallory):
        assert _page(client, outsider, application).status_code == 404

    # Who is told, once each, in the portal and by e-mail; and nobody else.
    expected = set().union(*(people.audience(a) for a in case.notified))
    new_notes = Notification.objects.filter(pk__gt=last_note).select_related("recipient")
    assert sorted((n.event, n.recipient.username) for n in new_notes) == sorted(
        (case.transition, u.username) for u in expected
    )
    step = workflow.STEPS[case.transition]
    assert sorted(m.to[0] for m in delivered) == sorted(u.email for u in expected)
    for message in delivered:
        assert str(step.label) in message.subject
        if comment and case.visibility != "internal":
            assert comment.splitlines()[0] in message.body
        else:
            assert "意见：" not in message.body  # an internal note stays off the e-mail
    if case.also:
        case.also(people, ctx, application, pages["alice"])

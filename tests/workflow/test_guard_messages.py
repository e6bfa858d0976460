"""Every guard of the application's machine run where its condition fails, for its exact
Chinese message (with the real numbers and dates), and the refusals every transition
shares (no right, no reason, someone was first). The list is checked against the code:
a message the guards can give that no case here produces fails the suite."""

import ast
import inspect
import textwrap
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from applications import services, workflow
from applications.guides import rules as guide_rules
from applications.guides.models import Guide
from applications.models import Application, State
from reviews import guards
from reviews.models import ExpertAssignment
from reviews.notices import services as notices
from tests.factories import arranging
from tests.workflow import chain

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Guard:
    id: str
    msgid: str  # the message as written in the code (its gettext msgid)
    # (people) -> (callable that runs the refused transition, the exact message expected)
    arrange: object
    refusal: type = ValidationError


def _perform(actor, application, transition, comment="", **kwargs):
    return lambda: workflow.perform(
        actor=actor,
        application_id=application.pk,
        transition=transition,
        comment=comment,
        **kwargs,
    )


def _day(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


@arranging
def _too_few_experts(p):
    application = chain.city_intake(p)
    import random

    from reviews.experts import services as experts

    experts.draw_experts(actor=p.charlie, application=application, count=2, rng=random.Random(2))
    for a in ExpertAssignment.objects.filter(application=application).select_related(
        "expert__user"
    ):
        experts.declare(actor=a.expert.user, assignment=a, conflict=False)
    return (
        _perform(p.charlie, application, "start_expert_review"),
        "至少需要3名评审专家（不含回避的专家），当前2名。",
    )


def _no_scores(transition):
    @arranging
    def arrange(p):
        application = chain.expert_review(p)
        # Every expert withdrawn from the library mid-review (reviews.experts.services
        # .withdraw_open): nobody is left to score.
        ExpertAssignment.objects.filter(application=application).update(
            status=ExpertAssignment.Status.WITHDRAWN, ended_at=timezone.now()
        )
        return _perform(p.charlie, application, transition, "结论"), "尚无专家评分。"

    return arrange


def _scores_missing(transition):
    @arranging
    def arrange(p):
        application = chain.score(chain.expert_review(p), (True,))
        return (
            _perform(p.charlie, application, transition, "结论"),
            "还有2名专家未提交评分。",
        )

    return arrange


@arranging
def _no_majority(p):
    application = chain.scored(p, recommends=(True, False, False))
    return (
        _perform(p.charlie, application, "pass_review", "通过"),
        "推荐的专家未过半数（1/3），不能评审通过。",
    )


@arranging
def _no_notice(p):
    application = chain.review_passed(p)
    return (
        _perform(p.charlie, application, "publish_notice"),
        "请通过“发布公示”填写公示文号和期限。",
    )


@arranging
def _no_objection(p):
    application, _notice = chain.public_notice(p)
    return _perform(p.charlie, application, "open_objection", "受理"), "没有待核查的异议。"


@arranging
def _objections_open(p):
    application, notice = chain.public_notice(p)
    first = chain.file_objection(notice, application)
    chain.file_objection(notice, application, reasons="合作协议未盖章。")
    notices.verify_objection(actor=p.charlie, objection=first)
    return (
        _perform(
            p.charlie, application, "resolve_objection", "核查结论", outcome=State.PUBLIC_NOTICE
        ),
        "还有2件异议未记录核查结论。",
    )


@arranging
def _never_noticed(p):
    # An application put under notice by hand (the admin's data repair), with no notice.
    application = chain.review_passed(p)
    Application.objects.filter(pk=application.pk).update(state=State.PUBLIC_NOTICE)
    return _perform(p.charlie, application, "close_notice"), "该申请没有公示记录。"


@arranging
def _notice_running(p):
    application, notice = chain.public_notice(p)
    return (
        _perform(p.charlie, application, "close_notice"),
        f"公示期至{_day(notice.end_date)}，尚未结束。",
    )


@arranging
def _objection_pending(p):
    application, notice = chain.public_notice(p, ended=True)
    chain.file_objection(notice, application)  # filed in time, not yet accepted
    return _perform(p.charlie, application, "close_notice"), "有未办结的异议。"


def _no_meeting(transition):
    @arranging
    def arrange(p):
        application = chain.party_group_review(p)
        return (
            _perform(p.charlie, application, transition, "理由"),
            "请先在党组会议记录中登记对该申请的决定。",
        )

    return arrange


@arranging
def _guide_closed(p):
    deadline = timezone.localdate() - timedelta(days=1)
    guide = Guide.objects.create(
        title="2026年度精细化工领域申报指南",
        body="申报要求。",
        deadline=deadline,
        published_on=deadline - timedelta(days=30),
        created_by=p.charlie,
    )
    application = chain.draft(p, guide=guide)
    return (
        lambda: services.submit(actor=p.alice, application_id=application.pk),
        f"本申请依据的《2026年度精细化工领域申报指南》申报截止日期为{_day(deadline)}，"
        "已截止，不能再提交。",
    )


@arranging
def _not_yours(p):
    application = chain.city_intake(p)
    return _perform(p.bob, application, "city_return", "退回"), "您无权执行该操作。"


def _no_reason(builder, actor, transition, label):
    @arranging
    def arrange(p):
        application = builder(p)
        return _perform(getattr(p, actor), application, transition, "  "), f"请填写{label}。"

    return arrange


@arranging
def _no_change_note(p):
    application = chain.returned_by_county(p)
    return (
        lambda: services.submit(actor=p.alice, application_id=application.pk),
        "请填写修改说明。",
    )


@arranging
def _someone_was_first(p):
    # The county's page still offered "return"; another reviewer recommended it meanwhile.
    application = chain.city_intake(p)
    return (
        _perform(p.bob, application, "county_return", "退回"),
        "该申请已被他人处理，请刷新后查看",
    )


NO_RIGHT = "您无权执行该操作。"
FILL_IN = "请填写%(label)s。"
STALE = "该申请已被他人处理，请刷新后查看"

GUARDS = [
    Guard(
        "start_expert_review-too-few",
        "至少需要%(min)d名评审专家（不含回避的专家），当前%(n)d名。",
        _too_few_experts,
    ),
    Guard("pass_review-no-scores", "尚无专家评分。", _no_scores("pass_review")),
    Guard("fail_review-no-scores", "尚无专家评分。", _no_scores("fail_review")),
    Guard(
        "pass_review-scores-missing", "还有%(n)d名专家未提交评分。", _scores_missing("pass_review")
    ),
    Guard(
        "fail_review-scores-missing", "还有%(n)d名专家未提交评分。", _scores_missing("fail_review")
    ),
    Guard(
        "pass_review-no-majority",
        "推荐的专家未过半数（%(r)d/%(n)d），不能评审通过。",
        _no_majority,
    ),
    Guard("publish_notice-no-notice", "请通过“发布公示”填写公示文号和期限。", _no_notice),
    Guard("open_objection-none", "没有待核查的异议。", _no_objection),
    Guard("resolve_objection-open", "还有%(n)d件异议未记录核查结论。", _objections_open),
    Guard("close_notice-never-noticed", "该申请没有公示记录。", _never_noticed),
    Guard("close_notice-running", "公示期至%(d)s，尚未结束。", _notice_running),
    Guard("close_notice-objection-pending", "有未办结的异议。", _objection_pending),
    Guard("approve-no-meeting", "请先在党组会议记录中登记对该申请的决定。", _no_meeting("approve")),
    Guard("decline-no-meeting", "请先在党组会议记录中登记对该申请的决定。", _no_meeting("decline")),
    Guard(
        "submit-guide-closed",
        "本申请依据的《%(title)s》申报截止日期为%(day)s，已截止，不能再提交。",
        _guide_closed,
    ),
    # What every transition checks before its guard (applications.workflow.perform).
    Guard("any-not-yours", NO_RIGHT, _not_yours, PermissionDenied),
    Guard(
        "county_return-no-reason",
        FILL_IN,
        _no_reason(chain.county_review, "bob", "county_return", "退回原因"),
    ),
    Guard(
        "county_decline-no-reason",
        FILL_IN,
        _no_reason(chain.county_review, "bob", "county_decline", "不予推荐的理由"),
    ),
    Guard(
        "county_recommend-no-opinion",
        FILL_IN,
        _no_reason(chain.county_review, "bob", "county_recommend", "推荐意见"),
    ),
    Guard(
        "city_return-no-reason",
        FILL_IN,
        _no_reason(chain.city_intake, "charlie", "city_return", "退回原因"),
    ),
    Guard(
        "pass_review-no-conclusion",
        FILL_IN,
        _no_reason(chain.scored, "charlie", "pass_review", "评审通过的结论"),
    ),
    Guard(
        "fail_review-no-reason",
        FILL_IN,
        _no_reason(chain.scored, "charlie", "fail_review", "评审未通过的理由"),
    ),
    Guard("submit-after-return-no-note", FILL_IN, _no_change_note),
    Guard("any-someone-was-first", STALE, _someone_was_first, workflow.StaleApplication),
]
# The count the README quotes (tests.workflow.summary()).
GUARDS_TESTED = len(GUARDS)


@pytest.fixture
def people(alice, bob, charlie):
    return chain.people(alice, bob, charlie)


def _messages(exc) -> list[str]:
    if isinstance(exc, ValidationError):
        return exc.messages
    return [str(exc)]


@pytest.mark.parametrize("guard", GUARDS, ids=[g.id for g in GUARDS])
def test_it_refuses_with_the_guards_message(guard, people):
    run, expected = guard.arrange(people)
    from django_fsm_log.models import StateLog

    logged = StateLog.objects.count()
    with pytest.raises(guard.refusal) as refused:
        run()
    assert _messages(refused.value) == [expected]
    # Nothing moved: no log row (the refusal is before the transition).
    assert StateLog.objects.count() == logged


def _gettext_calls(tree) -> set[str]:
    """The string literals given to _() / gettext_lazy() anywhere in `tree`."""
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"_", "gettext_lazy"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.add(node.args[0].value)
    return found


def _of(obj) -> ast.AST:
    return ast.parse(textwrap.dedent(inspect.getsource(obj)))


def refusal_messages_in_code() -> set[str]:
    """Every message a transition of the application can be refused with: the guards
    (reviews/guards.py whole, the guide's deadline of the submit guard), and perform's own
    refusals (its policy check, the reason, the state changed first)."""
    return (
        _gettext_calls(ast.parse((ROOT / "reviews/guards.py").read_text()))
        | _gettext_calls(_of(guide_rules.deadline_problem))
        | _gettext_calls(_of(workflow.perform))
        | _gettext_calls(_of(workflow.StaleApplication))
    )


def test_it_lists_every_refusal_message_the_code_has():
    in_code = refusal_messages_in_code()
    listed = {g.msgid for g in GUARDS}
    assert in_code - listed == set(), "a guard's message no case here produces"
    assert listed - in_code == set(), "a case for a message the code no longer has"
    # The scan sees what it should: e.g. the guards module's own functions.
    assert len(_gettext_calls(ast.parse((ROOT / "reviews/guards.py").read_text()))) == 11
    assert {name for name, _f in inspect.getmembers(guards, inspect.isfunction)} >= {
        "start_expert_review",
        "pass_review",
        "fail_review",
        "publish_notice",
        "open_objection",
        "resolve_objection",
        "close_notice",
        "approve",
        "decline",
    }


def test_it_has_a_guard_case_for_every_guarded_transition():
    guarded = set(workflow.GUARDS)
    covered = {g.id.split("-")[0] for g in GUARDS}
    assert guarded <= covered, guarded - covered


# --- the assessment's machine (reporting/assessments/workflow.py) ---------------------------
# Each guard of an assessment's transition, and perform's own refusals, run through
# reporting.assessments.workflow.perform where its condition fails. The builders are the
# assessment transition tests' (the real services, the real chain).

from datetime import datetime  # noqa: E402
from zoneinfo import ZoneInfo  # noqa: E402

from members.integrity import rules as pledge_rules  # noqa: E402
from members.integrity.models import IntegrityPledge  # noqa: E402
from reporting.assessments import services as assessment_services  # noqa: E402
from reporting.assessments import workflow as assessment_workflow  # noqa: E402
from reporting.assessments.models import Assessment, AssessmentState, IndicatorValue  # noqa: E402
from tests.workflow import test_assessment_transitions as at  # noqa: E402


def _act(w, ctx, transition, actor="charlie", comment="", **kwargs):
    return lambda: assessment_workflow.perform(
        actor=w[actor] if actor else None,
        assessment_id=ctx["assessment"].pk,
        transition=transition,
        comment=comment,
        **kwargs,
    )


def _submit_closed(w):
    ctx = at._filled(w)
    closes = ctx["round"].closes_on  # 2027-04-30
    late = datetime(2027, 5, 1, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    return _act(
        w, ctx, "submit", "alice", at=late
    ), f"本次考核自评已于{_day(closes)}截止，不能再提交。"


def _submit_text_missing(w):
    ctx = at._filled(w)
    value = (
        IndicatorValue.objects.filter(assessment=ctx["assessment"], indicator__method="expert")
        .select_related("indicator")
        .order_by("indicator__order")
        .first()
    )
    IndicatorValue.objects.filter(pk=value.pk).update(text="")
    return _act(w, ctx, "submit", "alice"), f"请填写“{value.indicator.name}”的完成情况。"


def _submit_no_summary(w):
    ctx = at._filled(w)
    Assessment.objects.filter(pk=ctx["assessment"].pk).update(summary="  ")
    return _act(w, ctx, "submit", "alice"), "请填写自评总结。"


def _submit_pledge_missing(w):
    ctx = at._filled(w)
    # One member unit has not pledged (every other unit has).
    pledge = (
        IntegrityPledge.objects.filter(assessment=ctx["assessment"])
        .exclude(organization=w["alice"].profile.organization)
        .select_related("organization")
        .first()
    )
    pledge.delete()
    return (
        _act(w, ctx, "submit", "alice"),
        f"以下单位尚未作出科研诚信承诺：{pledge.organization.name}。",
    )


def _city_pass_too_few(w):
    ctx = at._chain(at._filled, at._run("submit", "alice"), at._run("county_pass", "bob", "同意"))(
        w
    )
    return _act(w, ctx, "city_pass"), "至少需要3名评审专家（不含回避的专家），当前0名。"


def _conclude_no_scores(w):
    ctx = at._reviewed(w)
    ExpertAssignment.objects.filter(assessment=ctx["assessment"]).update(
        status=ExpertAssignment.Status.WITHDRAWN, ended_at=timezone.now()
    )
    return _act(w, ctx, "conclude_review"), "尚无专家评分。"


def _conclude_scores_missing(w):
    ctx = at._reviewed(w)
    return _act(w, ctx, "conclude_review"), "还有3名专家未提交评分。"


def _publish_notice_by_hand(w):
    return _act(w, at._concluded(w), "publish_notice"), "请通过“发布结果公示”填写公示文号和期限。"


def _never_published(w):
    # Put under notice by hand (the admin's data repair), with no notice.
    ctx = at._concluded(w)
    Assessment.objects.filter(pk=ctx["assessment"].pk).update(state=AssessmentState.RESULT_NOTICE)
    return _act(w, ctx, "publish_result", comment="更正"), "该考核结果尚未公示。"


def _result_notice_running(w):
    ctx = at._chain(at._concluded, at._result_notice(ended=False))(w)
    return (
        _act(w, ctx, "publish_result", comment="更正"),
        f"公示期至{_day(ctx['notice'].end_date)}，尚未结束。",
    )


def _result_objection_pending(w):
    ctx = at._chain(at._concluded, at._result_notice(ended=True))(w)
    notices.file_objection(
        notice=ctx["notice"],
        assessment=ctx["assessment"],
        name="实名异议人丙",
        unit="辽阳某公司",
        phone="13900000002",
        reasons="数据有误。",
        today=ctx["notice"].start_date,
    )
    return _act(w, ctx, "publish_result", comment="更正"), "有未办结的异议。"


def _upheld_not_by_the_job(w):
    ctx = at._chain(at._concluded, at._result_notice(ended=True), at._upheld_objection)(w)
    return (
        _act(w, ctx, "publish_result", actor=None, system=True),
        "有成立的异议，须由市局工作人员更正后发布。",
    )


def _not_upheld_not_by_hand(w):
    ctx = at._chain(at._concluded, at._result_notice(ended=True))(w)
    return (
        _act(w, ctx, "publish_result", comment="更正"),
        "公示期满且无成立的异议的，由系统自动发布。",
    )


def _assessment_not_yours(w):
    return _act(w, at._experts_accepted(w), "city_pass", "bob"), NO_RIGHT


def _assessment_no_reason(w):
    ctx = at._chain(at._filled, at._run("submit", "alice"))(w)
    return _act(w, ctx, "county_return", "bob", "  "), "请填写退回原因。"


def _assessment_stale(w):
    # The county's page still offered "return"; another reviewer passed it meanwhile.
    ctx = at._chain(at._filled, at._run("submit", "alice"), at._run("county_pass", "bob", "同意"))(
        w
    )
    return _act(w, ctx, "county_return", "bob", "退回"), "该考核评估已被他人处理，请刷新后查看"


ASSESSMENT_GUARDS = [
    Guard("submit-closed", "本次考核自评已于%(d)s截止，不能再提交。", _submit_closed),
    Guard("submit-text-missing", "请填写“%(name)s”的完成情况。", _submit_text_missing),
    Guard("submit-no-summary", "请填写自评总结。", _submit_no_summary),
    Guard(
        "submit-pledge-missing", "以下单位尚未作出科研诚信承诺：%(names)s。", _submit_pledge_missing
    ),
    Guard(
        "city_pass-too-few",
        "至少需要%(min)d名评审专家（不含回避的专家），当前%(n)d名。",
        _city_pass_too_few,
    ),
    Guard("conclude_review-no-scores", "尚无专家评分。", _conclude_no_scores),
    Guard(
        "conclude_review-scores-missing", "还有%(n)d名专家未提交评分。", _conclude_scores_missing
    ),
    Guard(
        "publish_notice-by-hand",
        "请通过“发布结果公示”填写公示文号和期限。",
        _publish_notice_by_hand,
    ),
    Guard("publish_result-never-noticed", "该考核结果尚未公示。", _never_published),
    Guard("publish_result-running", "公示期至%(d)s，尚未结束。", _result_notice_running),
    Guard("publish_result-objection-pending", "有未办结的异议。", _result_objection_pending),
    Guard(
        "publish_result-upheld-by-the-job",
        "有成立的异议，须由市局工作人员更正后发布。",
        _upheld_not_by_the_job,
    ),
    Guard(
        "publish_result-by-hand-without-upheld",
        "公示期满且无成立的异议的，由系统自动发布。",
        _not_upheld_not_by_hand,
    ),
    Guard("any-not-yours", NO_RIGHT, _assessment_not_yours, PermissionDenied),
    Guard("county_return-no-reason", FILL_IN, _assessment_no_reason),
    Guard(
        "any-someone-was-first",
        "该考核评估已被他人处理，请刷新后查看",
        _assessment_stale,
        assessment_workflow.StaleAssessment,
    ),
]
# The count the README quotes (tests.workflow.summary()): both machines' guard messages.
ASSESSMENT_GUARDS_TESTED = len(ASSESSMENT_GUARDS)
GUARDS_TESTED = len(GUARDS) + ASSESSMENT_GUARDS_TESTED


@pytest.fixture
def world(alice, bob, charlie):
    # The assessment transition tests' people (tests/workflow/test_assessment_transitions).
    at.consortium_of(alice)
    return {"alice": alice, "bob": bob, "charlie": charlie}


@pytest.mark.parametrize("guard", ASSESSMENT_GUARDS, ids=[g.id for g in ASSESSMENT_GUARDS])
def test_it_refuses_an_assessment_transition_with_the_guards_message(guard, world):
    from django_fsm_log.models import StateLog

    run, expected = guard.arrange(world)
    logged = StateLog.objects.count()
    with pytest.raises(guard.refusal) as refused:
        run()
    assert _messages(refused.value) == [expected]
    assert StateLog.objects.count() == logged


def assessment_refusal_messages_in_code() -> set[str]:
    """Every message an assessment's transition can be refused with: the guards of
    reporting/assessments/workflow.py (and what they call: the submission's problems, the
    pledges' message, reviews/guards.py's review checks), and perform's own refusals."""
    w = assessment_workflow
    found = set()
    for guard_fn in w.GUARDS.values():
        found |= _gettext_calls(_of(guard_fn))
    return (
        found
        | _gettext_calls(_of(assessment_services.submission_problems))
        | _gettext_calls(_of(pledge_rules.missing_pledges_message))
        | _gettext_calls(_of(guards.start_expert_review))
        | _gettext_calls(_of(guards._all_submitted))
        | _gettext_calls(_of(w.perform))
        | _gettext_calls(_of(w.StaleAssessment))
    )


def test_it_lists_every_refusal_message_the_assessment_code_has():
    in_code = assessment_refusal_messages_in_code()
    listed = {g.msgid for g in ASSESSMENT_GUARDS}
    assert in_code - listed == set(), "a guard's message no case here produces"
    assert listed - in_code == set(), "a case for a message the code no longer has"
    assert len(in_code) == 16
    # city_pass and conclude_review guard with reviews/guards.py's checks, via review.py.
    assert {g.id.split("-")[0] for g in ASSESSMENT_GUARDS} >= set(assessment_workflow.GUARDS)

"""Every state change of an assessment goes through `perform` (DESIGN.md §14), as every
change of an application goes through applications.workflow.perform: lock the row, check
who acts and the guard, run the django-fsm-2 transition (fields only), save, run the
transition's effects in the same transaction, and queue the notifications. The audit row
and the fsm log are written by the post_transition receivers (liaoyang_consortia.audit)."""

import inspect
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from liaoyang_consortia.notifications import notify
from reporting.assessments import policy, rules
from reporting.assessments.models import Assessment


class StaleAssessment(Exception):
    message = gettext_lazy("该考核评估已被他人处理，请刷新后查看")

    def __str__(self):
        return str(self.message)


@dataclass(frozen=True)
class Step:
    label: str
    comment_label: str = ""
    comment_required: bool = False
    # Whom to tell: any of "lead", "county", "city", "experts".
    notify: tuple[str, ...] = field(default_factory=tuple)
    button: str = "primary"
    # Run from the assessment page (False: by a round-level service or the daily job).
    on_page: bool = True
    # Offered on the page only when its guard lets it through (a step that is normally the
    # job's, which a person runs only in the exception the guard describes).
    only_when_allowed: bool = False


STEPS = {
    "open": Step(gettext_lazy("启动自评"), notify=("lead",), on_page=False),
    "submit": Step(gettext_lazy("提交自评"), gettext_lazy("提交说明"), notify=("county",)),
    "county_pass": Step(
        gettext_lazy("县区审核通过"), gettext_lazy("审核意见"), True, notify=("lead", "city")
    ),
    "county_return": Step(
        gettext_lazy("退回修改"),
        gettext_lazy("退回原因"),
        True,
        notify=("lead",),
        button="outline-warning",
    ),
    # The experts drawn at intake declared then, but may score only from here on: tell them
    # (as an application's start_expert_review does).
    "city_pass": Step(gettext_lazy("市局审核通过，开始专家评审"), notify=("lead", "experts")),
    "city_return": Step(
        gettext_lazy("市局退回修改"),
        gettext_lazy("退回原因"),
        True,
        notify=("lead", "county"),
        button="outline-warning",
    ),
    "conclude_review": Step(gettext_lazy("评审结束，计算得分"), gettext_lazy("评审结论")),
    "publish_notice": Step(gettext_lazy("发布结果公示"), on_page=False),
    # Normally the daily job's, once the notice has ended; on the page for city staff only
    # when an upheld objection held it back (the note says how the result was corrected).
    "publish_result": Step(
        gettext_lazy("更正后发布考核结果"),
        gettext_lazy("异议处理及更正情况"),
        True,
        notify=("lead", "county"),
        only_when_allowed=True,
    ),
    "miss_deadline": Step(
        gettext_lazy("逾期未提交，认定为不合格"), notify=("lead", "county"), on_page=False
    ),
}


def _guard_start(assessment, **kwargs):
    from reporting.assessments import review

    return review.start_guard(assessment)


def _guard_conclude(assessment, **kwargs):
    from reporting.assessments import review

    return review.conclude_guard(assessment)


def _guard_submit(assessment, *, at=None, **kwargs):
    from reporting.assessments import services

    # The day in Liaoyang: the round closes at the end of closes_on, Beijing time.
    if rules.self_assessment_closed(
        today=timezone.localdate(at or timezone.now()), closes_on=assessment.round.closes_on
    ):
        return [
            _("本次考核自评已于%(d)s截止，不能再提交。")
            % {"d": f"{assessment.round.closes_on:%Y年%-m月%-d日}"}
        ]
    problems = services.submission_problems(assessment)
    # Every current unit of the consortium gives its own research-integrity pledge first.
    from members.integrity import rules as pledge_rules
    from members.integrity import selectors as pledges

    missing = pledges.missing_pledge_names(assessment)
    if missing:
        problems.append(pledge_rules.missing_pledges_message(missing))
    return problems


def _guard_publish_notice(assessment, *, notice=None, **kwargs):
    if notice is None:
        return [_("请通过“发布结果公示”填写公示文号和期限。")]
    return []


def _guard_publish_result(assessment, *, today=None, system=False, **kwargs):
    from reviews.models import Objection

    today = today or timezone.localdate()
    ends = [n.end_date for n in assessment.notices.all()]
    if not ends:
        return [_("该考核结果尚未公示。")]
    if today <= max(ends):
        return [_("公示期至%(d)s，尚未结束。") % {"d": f"{max(ends):%Y年%-m月%-d日}"}]
    objections = list(assessment.objections.values_list("status", "outcome"))
    if any(status != Objection.Status.RESOLVED for status, _outcome in objections):
        return [_("有未办结的异议。")]
    upheld = any(outcome == Objection.Outcome.UPHELD for _status, outcome in objections)
    if upheld and system:
        return [_("有成立的异议，须由市局工作人员更正后发布。")]
    if not upheld and not system:
        return [_("公示期满且无成立的异议的，由系统自动发布。")]
    return []


GUARDS = {
    "submit": _guard_submit,
    "publish_result": _guard_publish_result,
    "city_pass": _guard_start,
    "conclude_review": _guard_conclude,
    "publish_notice": _guard_publish_notice,
}


def guard(transition: str, assessment, **kwargs) -> list[str]:
    check = GUARDS.get(transition)
    return check(assessment, **kwargs) if check else []


def _arguments():
    """What a transition is given besides what its caller passed (the score, the grade),
    computed after the guard from the locked row."""
    from reporting.assessments import services

    return {
        "conclude_review": services.score_of,
        "publish_result": services.publication_of,
        "miss_deadline": services.missed_grade,
    }


def _effects():
    from reporting.assessments import services

    return {
        "open": services.after_open,
        "submit": services.after_submit,
        "conclude_review": services.after_conclude,
        "publish_result": services.after_publish,
        "miss_deadline": services.after_missed,
    }


@transaction.atomic
def perform(
    *, actor, assessment_id, transition: str, comment: str = "", system: bool = False, **kwargs
) -> Assessment:
    """Run one transition for an actor. `system` is for the daily job (no user acts)."""
    step = STEPS[transition]
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("round", "round__template", "consortium", "consortium__lead")
        .get(pk=assessment_id)
    )
    if not system and not policy.may(actor, transition, assessment):
        raise PermissionDenied(_("您无权执行该操作。"))
    available = {t.name for t in assessment.get_available_state_transitions()}
    if transition not in available:
        raise StaleAssessment()
    comment = (comment or "").strip()
    # The daily job gives no comment: a step's note is asked of the people who act.
    if step.comment_required and not system and not comment:
        raise ValidationError({"comment": _("请填写%(label)s。") % {"label": step.comment_label}})
    extra = dict(kwargs)
    extra.setdefault("at", timezone.now())
    problems = guard(transition, assessment, system=system, **extra)
    if problems:
        raise ValidationError(problems, code="guard")
    arguments = _arguments().get(transition)
    if arguments:
        extra = {**arguments(assessment), **extra}
    try:
        method = getattr(assessment, transition)
        accepted = inspect.signature(method).parameters
        method(
            by=actor,
            description=comment or None,
            **{k: v for k, v in extra.items() if k in accepted},
        )
        assessment.state_since = timezone.now()
        assessment.save()
    except (TransitionNotAllowed, ConcurrentTransition) as exc:
        raise StaleAssessment() from exc
    effect = _effects().get(transition)
    if effect:
        effect(assessment, actor=actor, **extra)
    _notify(step, transition, assessment, comment)
    return assessment


def available(user, assessment) -> list[tuple[str, Step]]:
    """The page's buttons: the transitions this user may run now."""
    possible = {t.name for t in assessment.get_available_state_transitions()}
    return [
        (name, step)
        for name, step in STEPS.items()
        if name in possible
        and step.on_page
        and policy.may(user, name, assessment)
        and not (step.only_when_allowed and guard(name, assessment, system=False))
    ]


def recipients(audience: str, assessment):
    from applications.consortia import lead_users
    from applications.workflow import recipients_for

    if audience == "lead":
        return lead_users(assessment.consortium)
    if audience == "county":
        # The county of the current lead (a lead change may have moved it).
        from django.contrib.auth import get_user_model

        from members.roles import Role

        return list(
            get_user_model().objects.filter(
                is_active=True,
                groups__name=Role.COUNTY_REVIEWER.value,
                profile__county_id=assessment.consortium.lead.county_id,
            )
        )
    if audience == "city":
        return recipients_for("city", None)
    if audience == "experts":
        from django.contrib.auth import get_user_model

        return list(
            get_user_model().objects.filter(
                is_active=True,
                expert_profile__assignments__assessment=assessment,
                expert_profile__assignments__status__in=["pending", "accepted"],
            )
        )
    raise ValueError(audience)


def _notify(step, transition, assessment, comment):
    subject = _("【%(name)s】%(step)s") % {"name": assessment.display_name, "step": step.label}
    body = _("%(name)s当前状态：%(state)s。") % {
        "name": assessment.display_name,
        "state": assessment.get_state_display(),
    }
    if comment:
        body += "\n" + _("意见：%(comment)s") % {"comment": comment}
    if assessment.grade and transition in ("publish_result", "miss_deadline"):
        body += "\n" + _("考核等次：%(grade)s。") % {"grade": assessment.get_grade_display()}
    url = reverse("assessments:detail", args=[assessment.pk])
    for audience in step.notify:
        people = recipients(audience, assessment)
        if people:
            notify(
                recipients=people,
                event=f"assessment_{transition}",
                subject=subject,
                body=body,
                url=url,
            )

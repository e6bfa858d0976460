"""Every state change of an application goes through `perform` (DESIGN.md §4, §5).

One transaction: lock the row, check the policy and the transition's guard, run the
django-fsm-2 transition (which only changes fields), save, write the log (django-fsm-log,
with the actor and the comment), keep the comment with its visibility, and queue the
notifications. Two people acting at once: the second waits for the lock, then finds the
state changed and is told so; ConcurrentTransitionMixin stays as the backstop.
"""

import inspect
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from applications import policy
from applications.models import Application, State
from liaoyang_consortia.notifications import notify
from members.roles import Role


class StaleApplication(Exception):
    """Someone else changed the application's state first."""

    message = gettext_lazy("该申请已被他人处理，请刷新后查看")

    def __str__(self):
        return str(self.message)


@dataclass(frozen=True)
class Step:
    label: str
    # The comment the actor must give (a reason, an opinion), or "" when optional.
    comment_label: str = ""
    comment_required: bool = False
    # States in which the comment is required although it is optional otherwise (a
    # resubmission after a return must say what was changed).
    comment_required_in: tuple[str, ...] = ()
    # The Comment.Kind the comment is kept as; "" for reason (required) or opinion.
    comment_kind: str = ""
    # Who may read the comment: internal, applicant or public (reviews.models.Visibility).
    visibility: str = "applicant"
    # Whom to tell: any of "applicant", "county", "city", "experts".
    notify: tuple[str, ...] = field(default_factory=tuple)
    button: str = "primary"


STEPS = {
    "submit": Step(
        gettext_lazy("提交"),
        gettext_lazy("修改说明"),
        comment_required_in=(State.RETURNED,),
        comment_kind="remark",
        notify=("county",),
    ),
    "withdraw": Step(
        gettext_lazy("撤回申请"),
        gettext_lazy("撤回原因"),
        notify=("county",),
        button="outline-danger",
    ),
    "county_recommend": Step(
        gettext_lazy("审核通过并推荐"), gettext_lazy("推荐意见"), True, notify=("applicant", "city")
    ),
    "county_return": Step(
        gettext_lazy("退回修改"),
        gettext_lazy("退回原因"),
        True,
        notify=("applicant",),
        button="outline-warning",
    ),
    "county_decline": Step(
        gettext_lazy("不予推荐"),
        gettext_lazy("不予推荐的理由"),
        True,
        notify=("applicant",),
        button="outline-danger",
    ),
    "city_return": Step(
        gettext_lazy("形式审查退回"),
        gettext_lazy("退回原因"),
        True,
        notify=("applicant", "county"),
        button="outline-warning",
    ),
    "start_expert_review": Step(
        gettext_lazy("形式审查通过，开始专家评审"),
        visibility="internal",
        notify=("experts", "applicant"),
    ),
    # Two labels, not one "评审结论" twice: both forms can show side by side.
    "pass_review": Step(
        gettext_lazy("评审通过"), gettext_lazy("评审通过的结论"), True, visibility="internal"
    ),
    "fail_review": Step(
        gettext_lazy("评审未通过"),
        gettext_lazy("评审未通过的理由"),
        True,
        notify=("applicant",),
        button="outline-danger",
    ),
    "publish_notice": Step(gettext_lazy("发布公示"), visibility="public"),
    "open_objection": Step(
        gettext_lazy("受理异议，开始核查"),
        gettext_lazy("受理说明"),
        visibility="internal",
        button="outline-warning",
    ),
    "resolve_objection": Step(
        gettext_lazy("异议核查办结"), gettext_lazy("核查结论"), True, notify=("applicant",)
    ),
    "close_notice": Step(gettext_lazy("公示结束，提交党组会议"), visibility="internal"),
    "approve": Step(gettext_lazy("党组会议同意认定"), notify=("applicant", "county")),
    "decline": Step(
        gettext_lazy("党组会议不予认定"),
        gettext_lazy("理由"),
        True,
        notify=("applicant", "county"),
        button="outline-danger",
    ),
}


def comment_required(step: Step, application) -> bool:
    return step.comment_required or application.state in step.comment_required_in


def guard(transition: str, application, **kwargs) -> list[str]:
    """What stops this transition now, in Chinese; empty when nothing does."""
    check = GUARDS.get(transition)
    return check(application, **kwargs) if check else []


def _submit_guard(application, **kwargs):
    from applications import rules, selectors

    findings = rules.check(
        # The day in Liaoyang: `at` is in UTC, eight hours behind (a ban ends at midnight
        # Beijing time, not at 08:00).
        selectors.application_facts(application, on=timezone.localdate(kwargs["at"])),
        rules.Policy(
            min_units=kwargs["policy_version"].min_units,
            min_rd_ratio=kwargs["policy_version"].min_rd_ratio,
        ),
    )
    justified = set(application.justifications.values_list("code", flat=True))
    problems = [f.message for f in rules.blocking(findings, justified)]
    # Rolling by default (art. 11); only the deadline of the guide it was filed under binds.
    if application.guide_id:
        from applications.guides.rules import deadline_problem

        guide = application.guide
        if problem := deadline_problem(
            guide.title, guide.deadline, timezone.localdate(kwargs["at"])
        ):
            problems.append(problem)
    return problems


def _reviews_guard(name):
    def check(application, **kwargs):
        from reviews import guards

        return getattr(guards, name)(application, **kwargs)

    return check


GUARDS = {
    "submit": _submit_guard,
    "start_expert_review": _reviews_guard("start_expert_review"),
    "pass_review": _reviews_guard("pass_review"),
    "fail_review": _reviews_guard("fail_review"),
    "publish_notice": _reviews_guard("publish_notice"),
    "open_objection": _reviews_guard("open_objection"),
    "resolve_objection": _reviews_guard("resolve_objection"),
    "close_notice": _reviews_guard("close_notice"),
    "approve": _reviews_guard("approve"),
    "decline": _reviews_guard("decline"),
}


def _after_submit(application, *, actor, at, **kwargs):
    from applications.snapshots import record_submission

    record_submission(application=application, actor=actor, at=at)
    # County reviewers see it from now on through applications.policy (their county).


def _after_approve(application, *, actor, **kwargs):
    from reviews.decisions.services import name_consortium

    name_consortium(application=application, actor=actor)


# What a transition brings about besides its fields, inside the same transaction.
EFFECTS = {"submit": _after_submit, "approve": _after_approve}


@transaction.atomic
def perform(
    *, actor, application_id, transition: str, comment: str = "", system: bool = False, **kwargs
) -> Application:
    """Run one transition for an actor. `system` is for the daily job (no user acts)."""
    step = STEPS[transition]
    application = (
        Application.objects.select_for_update().select_related("lead").get(pk=application_id)
    )
    if not system and not policy.may(actor, transition, application):
        raise PermissionDenied(_("您无权执行该操作。"))
    available = {t.name for t in application.get_available_state_transitions()}
    if transition not in available:
        raise StaleApplication()
    comment = (comment or "").strip()
    required = comment_required(step, application)
    if required and not comment:
        raise ValidationError({"comment": _("请填写%(label)s。") % {"label": step.comment_label}})
    problems = guard(transition, application, **kwargs)
    if problems:
        raise ValidationError(problems, code="guard")
    previous_state = application.state
    try:
        method = getattr(application, transition)
        # The guard and the effects get every argument; the transition only those it
        # declares (a notice or a date informs the checks, not the fields).
        accepted = inspect.signature(method).parameters
        method(
            by=actor,
            description=comment or None,
            **{k: v for k, v in kwargs.items() if k in accepted},
        )
        application.state_since = timezone.now()
        application.save()
    except (TransitionNotAllowed, ConcurrentTransition) as exc:
        raise StaleApplication() from exc
    effect = EFFECTS.get(transition)
    if effect:
        effect(application, actor=actor, **kwargs)
    if comment:
        from reviews.models import Comment

        Comment.objects.create(
            application=application,
            author=actor,
            transition=transition,
            text=comment,
            visibility=step.visibility,
            kind=step.comment_kind or (Comment.Kind.REASON if required else Comment.Kind.OPINION),
        )
    _notify(step, transition, application, previous_state, comment)
    return application


def _notify(step, transition, application, previous_state, comment):
    audiences = set(step.notify)
    if transition == "withdraw" and previous_state != State.COUNTY_REVIEW:
        audiences.discard("county")
    subject = _("【%(name)s】%(step)s") % {"name": application.display_name, "step": step.label}
    body = _("%(name)s（牵头单位：%(lead)s）当前状态：%(state)s。") % {
        "name": application.display_name,
        "lead": application.lead.name,
        "state": application.get_state_display(),
    }
    if comment and step.visibility != "internal":
        body += "\n" + _("意见：%(comment)s") % {"comment": comment}
    for audience in sorted(audiences):
        recipients = recipients_for(audience, application)
        if not recipients:
            continue
        # Experts open the file from their task list, once they have declared no conflict.
        url = (
            reverse("experts:tasks")
            if audience == "experts"
            else reverse("applications:detail", args=[application.pk])
        )
        notify(recipients=recipients, event=transition, subject=subject, body=body, url=url)


def recipients_for(audience: str, application):
    User = get_user_model()
    active = User.objects.filter(is_active=True)
    if audience == "applicant":
        from members.services import unit_group

        return list(active.filter(groups=unit_group(application.lead)))
    if audience == "county":
        return list(
            active.filter(
                groups__name=Role.COUNTY_REVIEWER.value,
                profile__county_id=application.lead.county_id,
            )
        )
    if audience == "city":
        return list(active.filter(groups__name=Role.CITY_STAFF.value))
    if audience == "experts":
        return list(
            active.filter(
                expert_profile__assignments__application=application,
                expert_profile__assignments__status__in=["pending", "accepted"],
            )
        )
    raise ValueError(audience)

"""The expert library's part of the daily job (DESIGN.md §16; liaoyang_consortia/daily.py):
invitations reminded once at half time and replaced at their deadline, and the yearly
update asked in January and enforced from 1 April.

Each message goes out exactly once however often the job runs, and two runs at once send
nothing twice: the row's own field (reminded_at, the status, update_asked_year) is set by a
conditional UPDATE in the transaction that queues the message, so only the run whose
UPDATE changed the row sends it."""

import random
from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from liaoyang_consortia.notifications import notify
from members.models import PolicyVersion
from reviews.experts import rules, services, subjects
from reviews.experts.selectors import SUBJECT_RELATED
from reviews.models import ExpertAssignment, ExpertProfile
from reviews.workdays import load_overrides

Status = ExpertAssignment.Status


def remind_invitations(*, today: date) -> int:
    """Remind each unanswered invitation once, from half its time until its last day."""
    overrides = load_overrides()
    days = PolicyVersion.in_force(today).expert_invitation_days
    due = (
        ExpertAssignment.objects.filter(
            status=Status.PENDING,
            respond_by__isnull=False,
            respond_by__gte=today,
            reminded_at__isnull=True,
        )
        .select_related(*SUBJECT_RELATED, "expert__user")
        .order_by("pk")
    )
    sent = 0
    for assignment in due:
        if not rules.reminder_due(
            respond_by_day=assignment.respond_by,
            days=days,
            today=today,
            reminded=False,
            overrides=overrides,
        ):
            continue
        with transaction.atomic():
            won = ExpertAssignment.objects.filter(
                pk=assignment.pk, status=Status.PENDING, reminded_at__isnull=True
            ).update(reminded_at=timezone.now())
            if not won:
                continue
            subject = subjects.on(assignment)
            notify(
                recipients=[assignment.expert.user],
                event="expert_invitation_reminder",
                subject=_("【评审邀请催复】%(name)s") % {"name": subject.display_name},
                body=_(
                    "您尚未答复%(name)s的评审邀请，请于%(due)s前答复（接受、回避或谢绝）；"
                    "逾期未答复的，将另行抽取专家。"
                )
                % {"name": subject.display_name, "due": f"{assignment.respond_by:%Y年%-m月%-d日}"},
                url=reverse("experts:tasks"),
            )
        sent += 1
    return sent


def expire_invitations(*, today: date, rng=None) -> int:
    """End each invitation unanswered after its last day (逾期未答复) and draw a replacement,
    once: the status UPDATE decides which run does it."""
    rng = rng or random.SystemRandom()
    late = ExpertAssignment.objects.filter(
        status=Status.PENDING, respond_by__isnull=False, respond_by__lt=today
    ).order_by("pk")
    ended = 0
    for assignment in list(late):
        with transaction.atomic():
            subject = subjects.of_assignment(assignment, lock=True)
            won = ExpertAssignment.objects.filter(pk=assignment.pk, status=Status.PENDING).update(
                status=Status.EXPIRED, ended_at=timezone.now()
            )
            if not won:
                continue  # answered, or expired by another run
            assignment = ExpertAssignment.objects.select_related("expert__user").get(
                pk=assignment.pk
            )
            notify(
                recipients=[assignment.expert.user],
                event="expert_invitation_expired",
                subject=_("【评审邀请已失效】%(name)s") % {"name": subject.display_name},
                body=_("您未在%(due)s前答复%(name)s的评审邀请，该邀请已失效。")
                % {"name": subject.display_name, "due": f"{assignment.respond_by:%Y年%-m月%-d日}"},
                url=reverse("experts:tasks"),
            )
            services.replace_ended(subject, assignment, rng=rng, today=today)
        ended += 1
    return ended


def ask_for_update(*, today: date) -> int:
    """In January, ask every 在库 expert once to confirm or update the profile."""
    if today.month != rules.UPDATE_MONTH:
        return 0
    asked = 0
    candidates = (
        ExpertProfile.objects.filter(status=ExpertProfile.Status.ACTIVE)
        .exclude(update_asked_year=today.year)
        .select_related("user")
        .order_by("pk")
    )
    for expert in candidates:
        if not rules.update_ask_due(today=today, asked_year=expert.update_asked_year):
            continue
        with transaction.atomic():
            won = (
                ExpertProfile.objects.filter(pk=expert.pk)
                .exclude(update_asked_year=today.year)
                .update(update_asked_year=today.year)
            )
            if not won:
                continue
            deadline = rules.update_deadline(today.year)
            notify(
                recipients=[expert.user],
                event="expert_yearly_update",
                subject=_("【专家库】请确认或更新%(year)d年度专家信息") % {"year": today.year},
                body=_(
                    "按专家库管理规定，入库专家每年更新一次个人信息。请于%(due)s前登录确认或更新"
                    "您的熟悉领域、职称、工作单位、联系方式和回避单位；逾期未更新的，将暂停抽取，"
                    "更新后自动恢复。"
                )
                % {"due": f"{deadline:%Y年%-m月%-d日}"},
                url=reverse("experts:profile"),
            )
        asked += 1
    return asked


def suspend_lapsed(*, today: date) -> int:
    """From 1 April, an 在库 expert who has not updated this year becomes 暂停 until they
    update (rules.suspended_for_update: their update lifts exactly this suspension)."""
    if today <= rules.update_deadline(today.year):
        return 0
    suspended = 0
    candidates = ExpertProfile.objects.filter(status=ExpertProfile.Status.ACTIVE).select_related(
        "user"
    )
    for expert in candidates.order_by("pk"):
        # An expert who entered the library this year counts as updated on that day.
        updated = expert.last_updated_on or (
            timezone.localtime(expert.created_at).date() if expert.created_at else None
        )
        if not rules.lapsed(today=today, last_updated_on=updated):
            continue
        with transaction.atomic():
            won = ExpertProfile.objects.filter(
                pk=expert.pk, status=ExpertProfile.Status.ACTIVE
            ).update(
                status=ExpertProfile.Status.SUSPENDED,
                status_reason=rules.YEARLY_LAPSE_REASON,
                status_changed_on=today,
            )
            if not won:
                continue
            notify(
                recipients=[expert.user],
                event="expert_suspended",
                subject=_("【专家库】您的专家信息已暂停抽取"),
                body=_(
                    "您未在%(due)s前完成年度信息更新，已暂停参加评审抽取。"
                    "登录确认或更新个人信息后即自动恢复。"
                )
                % {"due": f"{rules.update_deadline(today.year):%Y年%-m月%-d日}"},
                url=reverse("experts:profile"),
            )
        suspended += 1
    return suspended


def run_daily(*, today: date) -> list[str]:
    """The library's lines of the daily report, in Chinese."""
    reminded = remind_invitations(today=today)
    expired = expire_invitations(today=today)
    asked = ask_for_update(today=today)
    suspended = suspend_lapsed(today=today)
    return [
        _("评审邀请催复：%(n)d条") % {"n": reminded},
        _("评审邀请逾期另行抽取：%(n)d条") % {"n": expired},
        _("专家年度信息更新提醒：%(n)d名") % {"n": asked},
        _("未按期更新暂停抽取的专家：%(n)d名") % {"n": suspended},
    ]

"""The Party-group meeting and the naming of a consortium (DESIGN.md §4: `approve`,
`decline`; "Party-group agenda" and "document numbers").

City staff record one meeting that decides several applications at once. The meeting, its
decisions and every transition they bring about are one transaction: a meeting is never
half recorded, and an application never moves without the decision that moved it.
"""

import re
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import policy, workflow
from applications.models import Application, Consortium, State
from members.models import PolicyVersion
from reviews.models import MeetingDecision, PartyGroupMeeting

NUMBER_PREFIX = "LYCXLHT"
OUTCOMES = {MeetingDecision.Outcome.APPROVE: "approve", MeetingDecision.Outcome.DECLINE: "decline"}
# How often name_consortium tries again when another meeting took the same number first.
_NUMBER_ATTEMPTS = 3


@transaction.atomic
def record_meeting(
    *, actor, meeting_date: date, minutes_number: str, decisions: list[tuple]
) -> PartyGroupMeeting:
    """Record a meeting and its decisions, then approve or decline each application.

    decisions: (application, outcome, reason) with outcome "approve" or "decline"; a
    decline needs its reason. Every application must be waiting for the meeting."""
    if not policy.is_city(actor):
        raise PermissionDenied(_("只有市科技局工作人员可以登记党组会议决定。"))
    minutes_number = (minutes_number or "").strip()
    problems = []
    if not minutes_number:
        problems.append(_("请填写会议纪要编号。"))
    elif PartyGroupMeeting.objects.filter(minutes_number=minutes_number).exists():
        problems.append(
            _("会议纪要编号“%(number)s”已登记过，请核对。") % {"number": minutes_number}
        )
    if meeting_date is None:
        problems.append(_("请填写会议日期。"))
    elif meeting_date > timezone.localdate():
        problems.append(_("会议日期不能晚于今天：请在会议召开后登记。"))
    if not decisions:
        problems.append(_("请至少对一项申请作出决定。"))
    cleaned = []
    seen = set()
    for application, outcome, reason in decisions:
        reason = (reason or "").strip()
        if outcome not in OUTCOMES:
            problems.append(_("未知的决定：%(outcome)s。") % {"outcome": outcome})
            continue
        if outcome == MeetingDecision.Outcome.DECLINE and not reason:
            problems.append(
                _("“%(name)s”不予认定，请填写理由。") % {"name": application.display_name}
            )
        if application.pk in seen:
            problems.append(
                _("“%(name)s”重复出现在本次会议中。") % {"name": application.display_name}
            )
        seen.add(application.pk)
        cleaned.append((application.pk, outcome, reason))
    if problems:
        raise ValidationError(problems)

    # Lock the rows in a fixed order (two meetings recorded at once cannot deadlock) and
    # read their state as it is now, not as the page showed it.
    locked = {
        a.pk: a for a in Application.objects.select_for_update().filter(pk__in=seen).order_by("pk")
    }
    waiting = [
        _("“%(name)s”当前状态为“%(state)s”，不在待党组会议审议环节。")
        % {"name": a.display_name, "state": a.get_state_display()}
        for a in (locked[pk] for pk, _o, _r in cleaned)
        if a.state != State.PARTY_GROUP_REVIEW
    ]
    if waiting:
        raise ValidationError(waiting)

    try:
        # A savepoint: two clerks recording the same minutes at once both pass the check
        # above; the unique index refuses the second, who is told as if it had been seen.
        with transaction.atomic():
            meeting = PartyGroupMeeting.objects.create(
                meeting_date=meeting_date, minutes_number=minutes_number, recorded_by=actor
            )
    except IntegrityError as exc:
        raise ValidationError(
            [_("会议纪要编号“%(number)s”已登记过，请核对。") % {"number": minutes_number}]
        ) from exc
    MeetingDecision.objects.bulk_create(
        MeetingDecision(meeting=meeting, application_id=pk, outcome=outcome, reason=reason)
        for pk, outcome, reason in cleaned
    )
    # In the order given: the consortia are numbered in the order the meeting decided them.
    for pk, outcome, reason in cleaned:
        workflow.perform(
            actor=actor, application_id=pk, transition=OUTCOMES[outcome], comment=reason
        )
    return meeting


def name_consortium(*, application, actor) -> Consortium:
    """Name the consortium an approved application forms: called by the `approve`
    transition inside its transaction (applications.workflow.EFFECTS).

    Its number runs per year (LYCXLHT-2026-001) and so does the decision's 文号
    (辽市科发〔2026〕1号), both by the year of the meeting that decided it. The directory is
    public, so naming grants nobody anything."""
    decision = (
        MeetingDecision.objects.select_related("meeting").filter(application=application).first()
    )
    if decision is None or decision.outcome != MeetingDecision.Outcome.APPROVE:
        raise ValidationError(_("没有党组会议同意认定的记录，不能命名。"))
    if not application.name_core:
        raise ValidationError(_("申请未填写联合体名称，不能命名。"))
    if application.industry_field_id is None:
        raise ValidationError(_("申请未填写所属产业领域，不能命名。"))
    name = application.display_name
    named_on = decision.meeting.meeting_date
    prefix = PolicyVersion.in_force(timezone.localdate()).decision_number_prefix
    for attempt in range(_NUMBER_ATTEMPTS):
        if Consortium.objects.filter(name=name).exists():
            raise ValidationError(
                _("已有名为“%(name)s”的创新联合体，请与申报单位协商更改名称后再认定。")
                % {"name": name}
            )
        try:
            # A savepoint: a meeting recorded at the same moment may take the number first;
            # the unique index tells us, and the next attempt sees its row.
            with transaction.atomic():
                return Consortium.objects.create(
                    application=application,
                    name=name,
                    number=_next_number(named_on.year),
                    decision_number=_next_decision_number(prefix, named_on.year),
                    named_on=named_on,
                    lead_id=application.lead_id,
                    industry_field_id=application.industry_field_id,
                )
        except IntegrityError:
            if attempt == _NUMBER_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _last_of(values, pattern: re.Pattern) -> int:
    numbers = [int(m.group(1)) for v in values if (m := pattern.search(v))]
    return max(numbers, default=0)


def _next_number(year: int) -> str:
    start = f"{NUMBER_PREFIX}-{year}-"
    taken = Consortium.objects.filter(number__startswith=start).values_list("number", flat=True)
    seq = _last_of(taken, re.compile(rf"^{re.escape(start)}(\d+)$")) + 1
    return f"{start}{seq:03d}"


def _next_decision_number(prefix: str, year: int) -> str:
    # The running number belongs to the year, not to the prefix: a prefix changed by the
    # admins mid-year does not start the count again.
    taken = Consortium.objects.filter(decision_number__contains=f"〔{year}〕").values_list(
        "decision_number", flat=True
    )
    n = _last_of(taken, re.compile(rf"〔{year}〕(\d+)号$")) + 1
    return f"{prefix}〔{year}〕{n}号"

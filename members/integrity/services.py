"""Writes for integrity records (DESIGN.md §12): keyword-only, an explicit actor, the
change and its audit row in one transaction."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liaoyang_consortia.audit import record as audit
from liaoyang_consortia.models import AuditEvent
from members.integrity import rules
from members.integrity.selectors import is_city
from members.models import IntegrityRecord


def _require_city(actor) -> None:
    if actor is None or not is_city(actor):
        raise PermissionDenied(_("您无权执行该操作。"))


def _audit(*, actor, action, record, **detail) -> None:
    audit(
        kind=AuditEvent.Kind.CHANGE,
        actor=actor,
        path="/integrity/",
        detail={
            "model": IntegrityRecord._meta.label,
            "object_id": str(record.pk),
            "object": str(record),
            "action": action,
            **{k: str(v) for k, v in detail.items()},
        },
    )


@transaction.atomic
def add_record(
    *,
    actor,
    organization,
    kind: str,
    start_date: date,
    end_date: date | None,
    reason: str,
    decision_number: str = "",
) -> IntegrityRecord:
    """Put a unit on the blacklist or bar it from leading (article 24), from start_date
    to end_date inclusive (a lead ban must end; a blacklist entry may stay open)."""
    _require_city(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写事由。")})
    record = IntegrityRecord(
        organization=organization,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        reason=reason,
        decision_number=(decision_number or "").strip(),
        created_by=actor,
    )
    record.full_clean()
    record.save()
    _audit(
        actor=actor,
        action="add",
        record=record,
        kind=kind,
        start_date=start_date,
        end_date=end_date or "",
        decision_number=record.decision_number,
    )
    return record


@transaction.atomic
def end_record(*, actor, record_id: int, end_date: date, reason: str) -> IntegrityRecord:
    """End a record early: `end_date` becomes its last day in force. The reason is kept
    on the record and in the audit trail."""
    _require_city(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写终止原因。")})
    record = IntegrityRecord.objects.select_for_update().get(pk=record_id)
    status = rules.record_status(
        start_date=record.start_date,
        end_date=record.end_date,
        revoked=record.revoked_at is not None or record.ended_at is not None,
        today=timezone.localdate(),
    )
    if status == rules.ENDED:
        raise ValidationError(_("该记录已终止或已到期，无需再终止。"), code="ended")
    problem = rules.end_date_problem(
        start_date=record.start_date, current_end=record.end_date, new_end=end_date
    )
    if problem == "before_start":
        raise ValidationError({"end_date": _("终止日期不能早于起始日期。")})
    if problem == "after_end":
        raise ValidationError(
            {"end_date": _("终止日期不能晚于原截止日期（%(date)s）。") % {"date": record.end_date}}
        )
    previous_end = record.end_date
    record.end_date = end_date
    record.ended_reason = reason
    record.ended_by = actor
    record.ended_at = timezone.now()
    record.save(update_fields=["end_date", "ended_reason", "ended_by", "ended_at"])
    _audit(
        actor=actor,
        action="end",
        record=record,
        end_date=end_date,
        previous_end_date=previous_end or "",
        reason=reason,
    )
    return record

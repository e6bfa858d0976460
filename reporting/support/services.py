"""Writes of the support ledger: city staff only (article 18 is the bureau's support)."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import policy
from reporting.support import rules
from reporting.support.models import SupportRecord


def _require_city(actor):
    if not policy.is_city(actor):
        raise PermissionDenied(_("只有市科技局工作人员可以登记支持情况。"))


@transaction.atomic
def add_record(
    *,
    actor,
    consortium,
    kind: str,
    on: date,
    description: str,
    amount: Decimal | None,
    document_number: str,
) -> SupportRecord:
    _require_city(actor)
    errors = {}
    if amount_errors := rules.amount_errors(amount):
        errors["amount"] = amount_errors
    if date_errors := rules.date_errors(on, today=timezone.localdate()):
        errors["date"] = date_errors
    if errors:
        raise ValidationError(errors)
    record = SupportRecord(
        consortium=consortium,
        kind=kind,
        date=on,
        description=(description or "").strip(),
        amount=amount,
        document_number=(document_number or "").strip(),
        entered_by=actor,
    )
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def remove_record(*, actor, record) -> None:
    """A record entered by mistake is deleted (the ledger records what was given, and
    a wrong row would be counted in the statistics)."""
    _require_city(actor)
    SupportRecord.objects.filter(pk=record.pk).delete()

"""Reads for the integrity pages: city staff only (anyone else gets 404)."""

from datetime import date

from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from applications.policy import is_city  # who counts as city staff: the one policy module
from members.integrity import rules
from members.models import IntegrityRecord, Organization
from members.validators import normalize_uscc


def require_city(user) -> None:
    if user is None or not is_city(user):
        raise Http404


def records(user, *, kind="", status="", q="", today: date | None = None):
    """The records, filtered by kind, by status on `today` (rules.IN_FORCE / ENDED /
    NOT_STARTED) and by unit name or credit code; newest first, one query."""
    require_city(user)
    today = today or timezone.localdate()
    rows = IntegrityRecord.objects.select_related("organization", "created_by", "ended_by")
    if kind in IntegrityRecord.Kind.values:
        rows = rows.filter(kind=kind)
    in_force = IntegrityRecord.in_force_q(today)
    if status == rules.IN_FORCE:
        rows = rows.filter(in_force)
    elif status == rules.ENDED:
        rows = rows.filter(Q(revoked_at__isnull=False) | Q(end_date__lt=today))
    elif status == rules.NOT_STARTED:
        rows = rows.filter(revoked_at__isnull=True, start_date__gt=today)
    q = (q or "").strip()
    if q:
        code = normalize_uscc(q)
        rows = rows.filter(Q(organization__name__icontains=q) | Q(organization__uscc=code))
    return rows.order_by("-start_date", "-pk")


def with_status(rows, today: date | None = None) -> list[IntegrityRecord]:
    """The rows, each with .status (rules.IN_FORCE / ENDED / NOT_STARTED)."""
    today = today or timezone.localdate()
    listed = list(rows)
    for record in listed:
        record.status = rules.record_status(
            start_date=record.start_date,
            end_date=record.end_date,
            revoked=record.revoked_at is not None,
            today=today,
        )
    return listed


def record_for_staff(user, pk) -> IntegrityRecord:
    require_city(user)
    try:
        return IntegrityRecord.objects.select_related("organization").get(pk=pk)
    except (IntegrityRecord.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def find_units(text: str) -> list[Organization]:
    """The units a clerk means by `text`: the one with that credit code, else the one of
    that exact name, else those whose name contains it (at most 6, to choose from)."""
    text = (text or "").strip()
    if not text:
        return []
    code = normalize_uscc(text)
    by_code = list(Organization.objects.filter(uscc=code)[:1])
    if by_code:
        return by_code
    exact = list(Organization.objects.filter(name=text)[:2])
    if len(exact) == 1:
        return exact
    return list(Organization.objects.filter(name__icontains=text).order_by("name")[:6])

"""Reads for registrations and the account pages. A list is one query whatever its length."""

import uuid
from datetime import timedelta

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from liaoyang_consortia.models import AuditEvent
from members.accounts import policy
from members.models import UnitRegistration

QUEUE_PAGE = 100
# Registrations whose e-mail was never confirmed: nothing for a verifier (anyone could have
# typed them).
UNCONFIRMED = (UnitRegistration.State.EMAIL_PENDING, UnitRegistration.State.EXPIRED)


def queue(user, *, state: str | None = None) -> list[UnitRegistration]:
    """The registrations this user verifies: those waiting first, the longest waiting at the
    top, then the others newest first; QUEUE_PAGE rows at most, in two queries."""
    qs = UnitRegistration.objects.filter(policy.verifier_q(user)).select_related(
        "county", "organization", "registrant"
    )
    qs = qs.filter(state=state) if state else qs.exclude(state__in=UNCONFIRMED)
    pending = UnitRegistration.State.PENDING
    waiting = list(qs.filter(state=pending).order_by("submitted_at", "pk")[:QUEUE_PAGE])
    if state == pending or len(waiting) == QUEUE_PAGE:
        return waiting
    rest = qs.exclude(state=pending).order_by("-decided_at", "-created_at", "-pk")
    return waiting + list(rest[: QUEUE_PAGE - len(waiting)])


def queue_counts(user) -> dict[str, int]:
    rows = (
        UnitRegistration.objects.filter(policy.verifier_q(user))
        .exclude(state__in=UNCONFIRMED)
        .values("state")
        .annotate(n=Count("pk"))
    )
    return {row["state"]: row["n"] for row in rows}


def registration_for(user, pk) -> UnitRegistration:
    """A registration the user may see (its registrant side or its verifier), or 404."""
    registration = (
        UnitRegistration.objects.select_related(
            "county", "organization", "registrant", "decided_by"
        )
        .filter(pk=pk)
        .first()
    )
    if registration is None or not policy.may_view(user, registration):
        raise Http404
    return registration


def awaiting_confirmation(token) -> UnitRegistration | None:
    """The registration a confirmation link stands for, while its e-mail is unconfirmed."""
    return (
        UnitRegistration.objects.filter(token_q(token), state=UnitRegistration.State.EMAIL_PENDING)
        .only("pk", "name", "email_token_expires_at")
        .first()
    )


def token_q(token) -> Q:
    """A lookup by link token; one that is not a UUID finds nothing (never an error)."""
    try:
        return Q(email_token=uuid.UUID(str(token)))
    except ValueError:
        return Q(pk__in=[])


def own_registration(user) -> UnitRegistration | None:
    """The registration of the user's unit to show on its registration page: the open one,
    else the latest."""
    profile = getattr(user, "profile", None)
    if not (user.is_authenticated and profile and profile.organization_id):
        return None
    rows = list(
        UnitRegistration.objects.filter(organization_id=profile.organization_id)
        .select_related("county", "organization", "decided_by")
        .order_by("-created_at")[:5]
    )
    visible = [r for r in rows if policy.is_registrant_side(user, r)]
    open_rows = [r for r in visible if r.is_open]
    return (open_rows or visible or [None])[0]


def attempts_from(ip: str | None, kind: str, *, hours: int = 1) -> int:
    """Requests of this kind (registrations, resends, reset requests) recorded for this IP
    address in the last `hours`: what the rate limit counts."""
    if not ip:
        return 0
    since = timezone.now() - timedelta(hours=hours)
    return AuditEvent.objects.filter(kind=kind, ip=ip, at__gte=since, actor__isnull=True).count()

"""Reads of the experts' self-registration and of an expert's own profile. A list is a
fixed number of queries whatever its length; who may not see a row gets 404."""

from django.db.models import Count, Prefetch
from django.http import Http404

from members.roles import Role, has_role
from reviews.models import ExpertAvoidance, ExpertProfile

QUEUE_PAGE = 100
Status = ExpertProfile.Status
# What city staff have to act on, or wait for the person on: never the unconfirmed ones
# (anyone could have typed them).
QUEUE_STATUSES = (Status.PENDING, Status.RETURNED)


def _profiles():
    return ExpertProfile.objects.select_related("employer", "user", "decided_by").prefetch_related(
        "fields",
        Prefetch("avoidances", queryset=ExpertAvoidance.objects.select_related("organization")),
    )


def queue(*, status: str | None = None) -> list[ExpertProfile]:
    """Self-registrations waiting for city staff (the longest waiting first), then those
    returned to their registrant ("pending" sorts before "returned"); QUEUE_PAGE rows at
    most, in three queries."""
    statuses = (status,) if status in QUEUE_STATUSES else QUEUE_STATUSES
    qs = _profiles().filter(registered_via=ExpertProfile.Via.SELF, status__in=statuses)
    return list(qs.order_by("status", "submitted_at", "pk")[:QUEUE_PAGE])


def queue_counts() -> dict[str, int]:
    rows = (
        ExpertProfile.objects.filter(
            registered_via=ExpertProfile.Via.SELF, status__in=QUEUE_STATUSES
        )
        .values("status")
        .annotate(n=Count("pk"))
    )
    return {row["status"]: row["n"] for row in rows}


def pending_count() -> int:
    return ExpertProfile.objects.filter(status=Status.PENDING).count()


def registration_for(user, pk) -> ExpertProfile:
    """A self-registered expert's profile for city staff, or 404."""
    if not has_role(user, Role.CITY_STAFF):
        raise Http404
    profile = _profiles().filter(pk=pk, registered_via=ExpertProfile.Via.SELF).first()
    if profile is None or profile.status == Status.EMAIL_PENDING:
        raise Http404
    return profile


def cv_for(user, pk) -> ExpertProfile:
    """The profile whose CV the user may download: city staff, or the expert themself."""
    profile = ExpertProfile.objects.filter(pk=pk).first()
    if profile is None or not profile.cv:
        raise Http404
    if profile.user_id == user.pk or has_role(user, Role.CITY_STAFF):
        return profile
    raise Http404


def own_profile(user) -> ExpertProfile:
    """The signed-in expert's own profile, or 404 (an expert never sees another)."""
    if not has_role(user, Role.EXPERT):
        raise Http404
    profile = _profiles().filter(user=user).first()
    if profile is None:
        raise Http404
    return profile

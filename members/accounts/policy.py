"""Who may see and decide a unit registration (DESIGN.md §13). One place, used by the
selectors (what a list shows, 404 for the rest), the views and the services alike."""

from django.db.models import Q

from members.roles import Role, has_role


def verifier_q(user) -> Q:
    """The registrations this user verifies: a county reviewer those of the units in their
    county; city staff those outside Liaoyang and in a recommending unit without a county
    code (高新区). Nobody else any."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    profile = getattr(user, "profile", None)
    if has_role(user, Role.COUNTY_REVIEWER) and profile and profile.county_id:
        q |= Q(county_id=profile.county_id, county__code__isnull=False)
    if has_role(user, Role.CITY_STAFF):
        q |= Q(county__isnull=True) | Q(county__code__isnull=True) | Q(county__code="")
    return q


def is_verifier(user) -> bool:
    return getattr(user, "is_authenticated", False) and (
        has_role(user, Role.CITY_STAFF) or has_role(user, Role.COUNTY_REVIEWER)
    )


def may_verify(user, registration) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if registration.handled_by_city:
        return has_role(user, Role.CITY_STAFF)
    profile = getattr(user, "profile", None)
    return bool(
        has_role(user, Role.COUNTY_REVIEWER)
        and profile
        and profile.county_id == registration.county_id
    )


def is_registrant_side(user, registration) -> bool:
    """The registrant, or (for a change of a verified unit) its unit administrators."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if registration.registrant_id == user.pk:
        return True
    profile = getattr(user, "profile", None)
    return bool(
        profile
        and profile.is_unit_admin
        and profile.organization_id == registration.organization_id
        and has_role(user, Role.APPLICANT)
    )


def may_view(user, registration) -> bool:
    return is_registrant_side(user, registration) or may_verify(user, registration)


def may_resubmit(user, registration) -> bool:
    """The registrant side corrects a registration only once it is returned."""
    return bool(
        registration
        and registration.state == registration.State.RETURNED
        and is_registrant_side(user, registration)
    )


def may_request_change(user, organization, registration) -> bool:
    """A verified unit's administrator, with no registration of the unit still open."""
    profile = getattr(user, "profile", None)
    return bool(
        organization.is_verified
        and has_role(user, Role.APPLICANT)
        and profile
        and profile.is_unit_admin
        and profile.organization_id == organization.pk
        and not (registration and registration.is_open)
    )

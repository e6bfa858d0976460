"""The one place that answers "may this user do X to this application now?" — for views,
templates (which buttons show) and services alike (DESIGN.md §5)."""

from applications.models import EDITABLE_STATES
from members.roles import Role, has_role

VIEW = "applications.view_application"
CHANGE = "applications.change_application"


def can_view(user, application) -> bool:
    return user.is_authenticated and user.has_perm(VIEW, application)


def can_edit(user, application) -> bool:
    """Owners edit only while the application is a draft or returned for revision."""
    return (
        user.is_authenticated
        and application.state in EDITABLE_STATES
        and user.has_perm(CHANGE, application)
    )


def can_submit(user, application) -> bool:
    return can_edit(user, application)


def can_create(user) -> bool:
    profile = getattr(user, "profile", None)
    return has_role(user, Role.APPLICANT) and bool(profile and profile.organization_id)

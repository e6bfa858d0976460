"""The one place that answers "may this user do X to this application now?" — for views,
templates (which buttons show) and services alike (DESIGN.md §5).

Who sees an application:
- its lead unit's users (django-guardian object permissions on the unit's group);
- the county reviewers of the lead unit's county, once it has been submitted;
- city staff and admins, once it has been submitted;
- an expert assigned to it who has declared no conflict of interest.
"""

from django.db.models import Q

from applications.models import EDITABLE_STATES, State
from members.roles import Role, has_role, roles_of

VIEW = "applications.view_application"
CHANGE = "applications.change_application"

# Who acts on each transition of DESIGN.md §4.
OWNER_TRANSITIONS = {"submit", "withdraw"}
COUNTY_TRANSITIONS = {"county_return", "county_decline", "county_recommend"}
CITY_TRANSITIONS = {
    "city_return",
    "start_expert_review",
    "pass_review",
    "fail_review",
    "publish_notice",
    "open_objection",
    "resolve_objection",
    "close_notice",
    "approve",
    "decline",
}
TRANSITIONS = OWNER_TRANSITIONS | COUNTY_TRANSITIONS | CITY_TRANSITIONS


def is_owner(user, application) -> bool:
    """Whether the user's unit owns the application (guardian's change permission).

    Kept on the application instance, per user: the application page asks this for every
    button and panel, and guardian reads the permission tables on each call. Ownership is
    granted once, when the draft is created, so an instance read for one request cannot
    hold a stale answer."""
    if not user.is_authenticated:
        return False
    owners = application.__dict__.setdefault("_owner_cache", {})
    if user.pk not in owners:
        owners[user.pk] = user.has_perm(CHANGE, application)
    return owners[user.pk]


def is_county_reviewer_for(user, application) -> bool:
    profile = getattr(user, "profile", None)
    return (
        has_role(user, Role.COUNTY_REVIEWER)
        and profile is not None
        and profile.county_id is not None
        and profile.county_id == application.lead.county_id
    )


def is_city(user) -> bool:
    roles = roles_of(user)
    return Role.CITY_STAFF in roles or Role.ADMIN in roles


def visible_q(user, *, owned=None) -> Q:
    """The applications a user may open, as one filter (one query per list). `owned`:
    owned_ids(user), when the caller has it already."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        # guardian grants a superuser every object: all applications, drafts included.
        # Said directly, so the database does not compare every id with itself.
        return Q(pk__isnull=False)
    q = Q(pk__in=owned_ids(user) if owned is None else owned)
    submitted = Q(submitted_at__isnull=False)
    if is_city(user):
        q |= submitted
    profile = getattr(user, "profile", None)
    if has_role(user, Role.COUNTY_REVIEWER) and profile and profile.county_id:
        q |= submitted & Q(lead__county_id=profile.county_id)
    if has_role(user, Role.EXPERT):
        from reviews.models import ExpertAssignment

        # Only once the expert has declared no conflict of interest does the file open.
        q |= Q(
            pk__in=ExpertAssignment.objects.filter(
                expert__user=user,
                status__in=[ExpertAssignment.Status.ACCEPTED, ExpertAssignment.Status.SUBMITTED],
            ).values("application_id")
        )
    return q


def owner_permissions():
    """The object permissions a unit's group holds on the applications it leads."""
    from django.contrib.auth.models import Permission

    codenames = [perm.split(".")[1] for perm in (VIEW, CHANGE)]
    return Permission.objects.filter(
        content_type__app_label="applications",
        content_type__model="application",
        codename__in=codenames,
    )


def owned_ids(user) -> list[int]:
    """The applications on which the user, or one of the user's groups (their unit's),
    holds the view permission, read in one small query from guardian's direct tables.

    A list, not a subquery: `pk IN (a few ids)` lets PostgreSQL use the primary key,
    where a subquery ORed with the other conditions made it scan every application."""
    from applications.models import (
        ApplicationGroupObjectPermission,
        ApplicationUserObjectPermission,
    )

    app_label, codename = VIEW.split(".")
    perm = {"permission__codename": codename, "permission__content_type__app_label": app_label}
    by_group = ApplicationGroupObjectPermission.objects.filter(group__user=user, **perm)
    by_user = ApplicationUserObjectPermission.objects.filter(user=user, **perm)
    return list(
        by_group.values_list("content_object_id", flat=True).union(
            by_user.values_list("content_object_id", flat=True)
        )
    )


def is_reviewer(user, application) -> bool:
    """County reviewers of its county and city staff: they read internal comments too."""
    return is_city(user) or is_county_reviewer_for(user, application)


def can_view(user, application) -> bool:
    from applications.models import Application

    return Application.objects.filter(visible_q(user), pk=application.pk).exists()


def can_edit(user, application) -> bool:
    """Owners edit only while the application is a draft or returned for revision."""
    return application.state in EDITABLE_STATES and is_owner(user, application)


def can_submit(user, application) -> bool:
    return can_edit(user, application)


def can_create(user) -> bool:
    profile = getattr(user, "profile", None)
    return has_role(user, Role.APPLICANT) and bool(profile and profile.organization_id)


def may(user, transition: str, application) -> bool:
    """May this user run this transition on this application (ignoring its state)?"""
    if not user.is_authenticated or transition not in TRANSITIONS:
        return False
    if transition in OWNER_TRANSITIONS:
        return is_owner(user, application)
    if transition in COUNTY_TRANSITIONS:
        return is_county_reviewer_for(user, application)
    return is_city(user)


def available_transitions(user, application) -> list[str]:
    """The transitions this user may run now, in the order of DESIGN.md §4."""
    possible = {t.name for t in application.get_available_state_transitions()}
    return [t for t in ORDER if t in possible and may(user, t, application)]


ORDER = [
    "submit",
    "withdraw",
    "county_recommend",
    "county_return",
    "county_decline",
    "city_return",
    "start_expert_review",
    "pass_review",
    "fail_review",
    "publish_notice",
    "open_objection",
    "resolve_objection",
    "close_notice",
    "approve",
    "decline",
]

WAITING_ON = {
    State.DRAFT: "applicant",
    State.RETURNED: "applicant",
    State.COUNTY_REVIEW: "county",
    State.CITY_INTAKE: "city",
    State.EXPERT_REVIEW: "city",
    State.REVIEW_PASSED: "city",
    State.PUBLIC_NOTICE: "city",
    State.OBJECTION_REVIEW: "city",
    State.PARTY_GROUP_REVIEW: "city",
}


def waiting_q(user, *, owned=None) -> Q:
    """The applications whose next step is this user's, as one filter (DB-side, so the
    dashboard counts them all, not only the rows it shows)."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    sides = {}
    for state, side in WAITING_ON.items():
        sides.setdefault(side, []).append(state)
    q = Q(pk__in=[])
    q |= Q(state__in=sides["applicant"], pk__in=owned_ids(user) if owned is None else owned)
    profile = getattr(user, "profile", None)
    if has_role(user, Role.COUNTY_REVIEWER) and profile and profile.county_id:
        q |= Q(state__in=sides["county"], lead__county_id=profile.county_id)
    if is_city(user):
        q |= Q(state__in=sides["city"])
    return q

"""Who may see and act on an assessment (DESIGN.md §5, §14), for views, templates and
services alike. A lead sees only its own consortium's; a county only its county's, once
submitted; city staff all; an expert only an assessment assigned to them after declaring
no conflict of interest."""

from django.db.models import Exists, OuterRef, Q

from applications import policy as application_policy
from applications.consortia import unit_group_name
from members.roles import Role, has_role
from reporting.assessments.models import AssessmentState as S

LEAD_TRANSITIONS = {"submit"}
COUNTY_TRANSITIONS = {"county_pass", "county_return"}
CITY_TRANSITIONS = {
    "open",
    "city_pass",
    "city_return",
    "conclude_review",
    "publish_notice",
    "publish_result",
    "miss_deadline",
}


def is_city(user) -> bool:
    return application_policy.is_city(user)


def _lead_group_names(user) -> set[str]:
    cache = user.__dict__.setdefault("_assessment_groups", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user.__dict__["_assessment_groups"] = cache
    return cache


def is_lead(user, assessment) -> bool:
    return user.is_authenticated and (
        unit_group_name(assessment.consortium.lead) in _lead_group_names(user)
    )


def _county_id(user):
    profile = getattr(user, "profile", None)
    return getattr(profile, "county_id", None)


def is_county_for(user, assessment) -> bool:
    county = _county_id(user)
    return (
        user.is_authenticated
        and has_role(user, Role.COUNTY_REVIEWER)
        and county is not None
        and county == assessment.consortium.lead.county_id
    )


def is_assigned_expert(user, assessment) -> bool:
    if not user.is_authenticated:
        return False
    return assessment.expert_assignments.filter(
        expert__user=user, status__in=["accepted", "submitted"]
    ).exists()


def may_view(user, assessment) -> bool:
    if not user.is_authenticated:
        return False
    if is_city(user) or is_lead(user, assessment):
        return True
    if is_county_for(user, assessment):
        return assessment.submitted_at is not None or assessment.state in (
            S.NOT_SUBMITTED,
            S.RESULT_NOTICE,
            S.PUBLISHED,
        )
    return is_assigned_expert(user, assessment)


def may(user, transition: str, assessment) -> bool:
    if transition in LEAD_TRANSITIONS:
        return is_lead(user, assessment)
    if transition in COUNTY_TRANSITIONS:
        return is_county_for(user, assessment)
    if transition in CITY_TRANSITIONS:
        return is_city(user)
    return False


def visible_q(user) -> Q:
    """The assessments a user may open, as one filter."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    if is_city(user):
        return Q(pk__isnull=False)
    groups = [g for g in _lead_group_names(user) if g.startswith("unit:")]
    q = Q(consortium__lead__uscc__in=[g.removeprefix("unit:") for g in groups])
    county = _county_id(user)
    if has_role(user, Role.COUNTY_REVIEWER) and county is not None:
        q |= Q(consortium__lead__county_id=county) & (
            Q(submitted_at__isnull=False)
            | Q(state__in=[S.NOT_SUBMITTED, S.RESULT_NOTICE, S.PUBLISHED])
        )
    from reviews.models import ExpertAssignment

    q |= Q(
        Exists(
            ExpertAssignment.objects.filter(
                assessment=OuterRef("pk"), expert__user=user, status__in=["accepted", "submitted"]
            )
        )
    )
    return q

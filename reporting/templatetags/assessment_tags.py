"""Template filters of the assessment pages: the state's badge, a grade's badge, points."""

from django import template

from reporting.assessments import outputs

register = template.Library()

# As the application badges (liaoyang_consortia.templatetags.portal.STATE_BADGES): blue
# waiting on the bureau or the county, light blue the later steps, yellow back with the
# lead, green done, red failed; the badge always carries the state's name too.
ASSESSMENT_BADGES = {
    "issued": "text-bg-light border",
    "self_assessment": "text-bg-warning",
    "county_review": "text-bg-primary",
    "city_intake": "text-bg-primary",
    "expert_review": "text-bg-primary",
    "scored": "text-bg-info",
    "result_notice": "text-bg-info",
    "published": "text-bg-success",
    "not_submitted": "text-bg-danger",
}
GRADE_BADGES = {
    "excellent": "text-bg-success",
    "good": "text-bg-primary",
    "pass": "text-bg-info",
    "fail": "text-bg-danger",
}


@register.filter
def assessment_badge(state) -> str:
    return "state-badge " + ASSESSMENT_BADGES.get(str(state), "text-bg-secondary")


@register.filter
def grade_badge(grade) -> str:
    return GRADE_BADGES.get(str(grade), "text-bg-secondary")


@register.filter
def points(value) -> str:
    """12.5 → "12.50"; "—" for none."""
    return outputs.format_points(value)


@register.simple_tag
def open_proposal_count() -> int:
    """The disqualification proposals waiting for city staff (one query), for the notice on
    their work list; the view of that page does not know about assessments."""
    from reporting.assessments.selectors import open_proposal_count as count

    return count()

from datetime import date
from decimal import Decimal

from django import forms, template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, or None."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag
def policy_warning():
    """The Measures' stated-term warning (article 27) for admins and city staff, or None."""
    from members.selectors import policy_validity_warning

    return policy_validity_warning()


@register.simple_tag
def calendar_warning():
    """The statutory-calendar warning for dashboards (None when every year is known)."""
    from reviews.workdays import calendar_warning as warning

    return warning()


@register.filter
def readonly_value(bound_field) -> str:
    """A form field's current value as text, for the read-only view of a section (what a
    reviewer, or the applicant after submitting, sees instead of disabled inputs: the same
    content, without rendering a hundred widgets)."""
    field, value = bound_field.field, bound_field.value()
    if isinstance(field, forms.BooleanField):
        return _("是") if value else _("否")
    if value in (None, "", [], ()):
        return "—"
    if isinstance(field, forms.ModelChoiceField):
        # The form's instance has the object already (read with the page); no query.
        instance = getattr(bound_field.form, "instance", None)
        related = getattr(instance, bound_field.name, None) if instance is not None else None
        if related is not None:
            return str(related)
    if isinstance(field, forms.ChoiceField):
        labels = {str(k): v for k, v in field.choices if not isinstance(v, (list, tuple))}
        return str(labels.get(str(value), value))
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, Decimal):
        return f"{value:,}"
    return str(value)


# The colour of each approval state's badge, the one mapping every page uses (the badge
# always carries the state's name too: colour is never the only sign). Blue: waiting on
# the bureau or the county; light blue: the later steps (notice, Party group); yellow:
# back with the applicant or an objection to check; green: named; red: not passed; grey:
# drafts and withdrawn. Each pairs text and background at ≥ 4.5:1 (the primary one is
# darkened in portal.css: Bootstrap's is 4.5:1 exactly).
STATE_BADGES = {
    "draft": "text-bg-light border",
    "county_review": "text-bg-primary",
    "city_intake": "text-bg-primary",
    "expert_review": "text-bg-primary",
    "review_passed": "text-bg-info",
    "public_notice": "text-bg-info",
    "objection_review": "text-bg-warning",
    "party_group_review": "text-bg-info",
    "returned": "text-bg-warning",
    "approved": "text-bg-success",
    "rejected": "text-bg-danger",
    "withdrawn": "text-bg-secondary",
}


@register.filter
def state_badge(state) -> str:
    """The badge classes of an application state: `<span class="badge {{ a.state|state_badge
    }}">{{ a.get_state_display }}</span>`."""
    return "state-badge " + STATE_BADGES.get(str(state), "text-bg-secondary")

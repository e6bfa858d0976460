from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, or None."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag
def calendar_warning():
    """The statutory-calendar warning for dashboards (None when every year is known)."""
    from reviews.workdays import calendar_warning as warning

    return warning()

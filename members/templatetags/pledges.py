"""The research-integrity pledge panel (科研诚信承诺) of the application and assessment pages,
and the unit page's list of pledges awaited. A tag rather than view context so the pages'
views stay as they are; each tag reads a fixed number of queries."""

from django import template
from django.urls import reverse

from members.integrity import rules, selectors, services
from members.selectors import unit_of

register = template.Library()


def _is_lead(user, subject) -> bool:
    if selectors.subject_kind(subject) == rules.APPLICATION:
        from applications import policy

        return policy.is_owner(user, subject)
    from reporting.assessments import policy

    return policy.is_lead(user, subject)


@register.inclusion_tag("members/integrity/_pledge_panel.html", takes_context=True)
def pledge_panel(context, subject):
    request = context["request"]
    user = request.user
    kind = selectors.subject_kind(subject)
    is_open = selectors.subject_is_open(subject)
    show_links = is_open and _is_lead(user, subject)
    own = unit_of(user)
    rows = []
    for unit, pledge in selectors.pledge_status(subject):
        link = ""
        if show_links and pledge is None:
            token = services.pledge_token(subject=subject, organization=unit)
            link = request.build_absolute_uri(
                reverse("integrity:pledge_link", kwargs={"pledge_token": token})
            )
        rows.append({"unit": unit, "pledge": pledge, "link": link})
    own_row = next((r for r in rows if own is not None and r["unit"].pk == own.pk), None)
    return {
        "kind": kind,
        "subject": subject,
        "rows": rows,
        "is_open": is_open,
        "show_links": show_links,
        "own_pledge_url": (
            reverse("integrity:pledge_give", kwargs={"kind": kind, "pk": subject.pk})
            if is_open and own_row is not None and own_row["pledge"] is None
            else ""
        ),
        "missing": sum(1 for r in rows if r["pledge"] is None),
    }


@register.inclusion_tag("members/integrity/_pledges_awaited.html")
def pledges_awaited(organization):
    return {
        "awaited": [
            {
                "kind": kind,
                "subject": subject,
                "lead": selectors.subject_lead(subject),
                "url": reverse("integrity:pledge_give", kwargs={"kind": kind, "pk": subject.pk}),
            }
            for kind, subject in selectors.awaited_pledges(organization)
        ]
    }

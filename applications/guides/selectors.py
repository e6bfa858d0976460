"""Reads of guides and intents. Guides are public once published; an intent is seen by its
own unit's users and by city staff, anyone else gets 404."""

from django.db.models import Case, IntegerField, Q, Value, When
from django.http import Http404
from django.utils import timezone

from applications import policy
from applications.guides import rules
from applications.guides.models import Guide, Intent
from members.models import Organization


def _published_q(day):
    return Q(published_on__isnull=False, published_on__lte=day)


def _visible_guides(user, day):
    """City staff see every guide, drafts included; everyone else the published ones."""
    if policy.is_city(user):
        return Guide.objects.all()
    return Guide.objects.filter(_published_q(day))


def _with_state(guide, day):
    guide.state = rules.state_of(guide.published_on, guide.withdrawn_on, day)
    return guide


def guides_for(user):
    """Published guides for everyone (withdrawn ones too, marked); drafts for city staff.
    Two queries (the guides, their fields)."""
    day = timezone.localdate()
    guides = _visible_guides(user, day).prefetch_related("industry_fields")
    return [_with_state(guide, day) for guide in guides]


def guide_for(user, pk) -> Guide:
    day = timezone.localdate()
    guide = _visible_guides(user, day).prefetch_related("industry_fields").filter(pk=pk).first()
    if guide is None:
        raise Http404
    return _with_state(guide, day)


def guide_in_force(day=None) -> Guide | None:
    """The latest guide published and not withdrawn on the day (one query: guides are few,
    a handful a year)."""
    day = day or timezone.localdate()
    return rules.guide_in_force(Guide.objects.filter(_published_q(day)), day)


def guides_in_force(day=None):
    day = day or timezone.localdate()
    return Guide.objects.filter(_published_q(day)).filter(
        Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=day)
    )


def _visible(user):
    if policy.is_city(user):
        return Intent.objects.all()
    profile = getattr(user, "profile", None)
    if policy.can_create(user):
        return Intent.objects.filter(organization_id=profile.organization_id)
    return Intent.objects.none()


ANSWER_FILTERS = {"none": Q(answer=""), **{a: Q(answer=a) for a in Intent.Answer.values}}


def intents_for(user, *, answer: str = ""):
    """City staff's work list (unanswered first, then newest) or the unit's own intents.
    One query."""
    queryset = _visible(user).select_related("organization", "industry_field", "guide")
    if answer in ANSWER_FILTERS:
        queryset = queryset.filter(ANSWER_FILTERS[answer])
    return queryset.annotate(
        waiting=Case(When(answer="", then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("waiting", "-submitted_at", "-id")


def intent_for(user, pk) -> Intent:
    intent = (
        _visible(user)
        .select_related("organization", "industry_field", "guide", "answered_by", "application")
        .filter(pk=pk)
        .first()
    )
    if intent is None:
        raise Http404
    return intent


def waiting_count() -> int:
    """Intents city staff have not answered yet (their work list says so)."""
    return Intent.objects.filter(answer="").count()


def matched_partners(intent: Intent) -> tuple[list[Organization], list[rules.Partner]]:
    """The partner lines that name a registered unit (by code, else by exact name), in the
    order typed, and the lines that do not. At most two queries."""
    partners = rules.parse_partners(intent.partners)
    codes = [p.uscc for p in partners if p.uscc]
    names = [p.name for p in partners if p.name]
    by_code = {o.uscc: o for o in Organization.objects.filter(uscc__in=codes)} if codes else {}
    by_name = {o.name: o for o in Organization.objects.filter(name__in=names)} if names else {}
    found, missing, seen = [], [], set()
    for partner in partners:
        organization = by_code.get(partner.uscc) if partner.uscc else by_name.get(partner.name)
        if organization is None:
            missing.append(partner)
        elif organization.pk not in seen:
            seen.add(organization.pk)
            found.append(organization)
    return found, missing

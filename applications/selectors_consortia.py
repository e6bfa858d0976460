"""Reads for the consortium pages after naming (applications.consortia writes)."""

from django.db.models import Count, F, Q
from django.http import Http404
from django.utils import timezone

from applications import consortia, policy
from applications.models import (
    Consortium,
    ConsortiumMember,
    ConsortiumProject,
    LeadChange,
    MemberChange,
)


def _lead_usccs(user) -> list[str]:
    """The codes of the units whose group the user is in (a unit's group is "unit:<code>")."""
    prefix = "unit:"
    return [
        name[len(prefix) :]
        for name in user.groups.filter(name__startswith=prefix).values_list("name", flat=True)
    ]


def visible_consortia(user):
    """City staff see every consortium; a unit's users those their unit leads now."""
    if not user.is_authenticated:
        return Consortium.objects.none()
    if policy.is_city(user):
        return Consortium.objects.all()
    return Consortium.objects.filter(lead__uscc__in=_lead_usccs(user))


def consortia_list(user, *, q: str = ""):
    """The list page, in a fixed number of queries: counts of projects and pending filings
    are annotated, not fetched per row. City staff see those waiting for them first.
    `q`: only those whose name or lead unit's name holds every word of it."""
    from reviews.decisions.selectors import name_or_lead_q

    today = timezone.localdate()
    visible = visible_consortia(user)
    if q:
        visible = visible.filter(name_or_lead_q(q))
    rows = (
        visible.select_related("lead", "industry_field")
        .annotate(
            project_count=Count("projects", distinct=True),
            running_count=Count(
                "projects",
                filter=Q(
                    projects__confirmed_at__isnull=False,
                    projects__level__in=consortia.MAJOR_LEVELS,
                    projects__start_date__lte=today,
                    projects__end_date__gte=today,
                ),
                distinct=True,
            ),
            filed_member_changes=Count(
                "member_changes",
                filter=Q(member_changes__status=MemberChange.Status.FILED),
                distinct=True,
            ),
            open_member_changes=Count(
                "member_changes",
                filter=Q(
                    member_changes__status__in=[
                        MemberChange.Status.DRAFT,
                        MemberChange.Status.RETURNED,
                    ]
                ),
                distinct=True,
            ),
            filed_lead_changes=Count(
                "lead_changes",
                filter=Q(lead_changes__status=LeadChange.Status.FILED),
                distinct=True,
            ),
            unconfirmed_projects=Count(
                "projects", filter=Q(projects__confirmed_at__isnull=True), distinct=True
            ),
        )
        .annotate(
            waiting_for_city=F("filed_member_changes")
            + F("filed_lead_changes")
            + F("unconfirmed_projects")
        )
    )
    if policy.is_city(user):
        return rows.order_by("-waiting_for_city", "status", "number")
    return rows.order_by("status", "number")


def consortium_for(user, pk) -> Consortium:
    """The consortium, or 404 for anyone but city staff and its lead unit's users."""
    consortium = (
        Consortium.objects.select_related("lead", "industry_field", "application")
        .filter(pk=pk)
        .first()
    )
    if consortium is None or not consortia.can_view(user, consortium):
        raise Http404
    return consortium


def consortium_page(consortium) -> dict:
    """Everything the consortium page shows, in a fixed number of queries."""
    current = consortia.roster(consortium)
    history = list(
        ConsortiumMember.objects.filter(consortium=consortium)
        .select_related("organization", "via_change", "via_lead_change")
        .order_by("joined_on", "id")
    )
    projects = list(
        consortium.projects.select_related("entered_by", "confirmed_by").order_by(
            "-start_date", "id"
        )
    )
    member_changes = list(
        consortium.member_changes.select_related(
            "organization", "created_by", "acknowledged_by"
        ).prefetch_related("consents__organization")
    )
    for change in member_changes:
        change.consent_rows = consortia.consent_status(change, current) if change.is_open else []
        change.consent_list = list(change.consents.all())
    lead_changes = list(
        consortium.lead_changes.select_related(
            "old_lead", "new_lead", "filed_by", "decided_by", "running_project"
        )
    )
    # Imported here: reporting builds on applications, not the other way round.
    from reporting.assessments import outputs
    from reporting.coordination import selectors as coordination
    from reporting.support import selectors as support

    assessments = outputs.history(consortium, public=False)
    today = timezone.localdate()
    return {
        "assessments": assessments,
        "latest_assessment": outputs.latest_published(assessments),
        "current": current,
        "history": history,
        "left": [row for row in history if row.left_on is not None],
        "projects": projects,
        "running_project": consortia.running_major_project(projects, today),
        "member_changes": member_changes,
        "lead_changes": lead_changes,
        "pending_lead_change": next(
            (c for c in lead_changes if c.status == LeadChange.Status.FILED), None
        ),
        "support_records": support.records(consortium),
        "coordination_items": coordination.for_consortium(consortium),
        "today": today,
    }


def _child_for(user, queryset, pk):
    """A project or filing by its own id, or 404 unless the user may see its consortium."""
    obj = queryset.select_related("consortium__lead").filter(pk=pk).first()
    if obj is None or not consortia.can_view(user, obj.consortium):
        raise Http404
    return obj


def project_for(user, pk) -> ConsortiumProject:
    return _child_for(user, ConsortiumProject.objects.all(), pk)


def member_change_for(user, pk) -> MemberChange:
    return _child_for(user, MemberChange.objects.select_related("organization"), pk)


def lead_change_for(user, pk) -> LeadChange:
    return _child_for(user, LeadChange.objects.select_related("new_lead", "old_lead"), pk)

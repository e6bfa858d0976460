"""Reads for the Party-group meeting and the public directory of named consortia.

Each list loads in a fixed number of queries, whatever the number of its rows
(DESIGN.md §11)."""

from collections import defaultdict

from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import Http404

from applications.models import Application, Consortium, Membership, State
from members.models import IndustryField
from reviews.models import MeetingDecision, PartyGroupMeeting

DIRECTORY_PAGE_SIZE = 50


def _units_by_application(application_ids) -> dict[int, list[Membership]]:
    """The units of several applications in one query: the lead first, then the members in
    the order the applicant gave them. Only the unit's name and kind are public."""
    units = defaultdict(list)
    memberships = (
        Membership.objects.filter(application_id__in=application_ids)
        .select_related("organization")
        .only(
            "application_id",
            "role",
            "sort_order",
            "organization__id",
            "organization__name",
            "organization__kind",
        )
        # "lead" sorts before "member".
        .order_by("application_id", "role", "sort_order", "id")
    )
    for m in memberships:
        units[m.application_id].append(m)
    return units


def _with_units(consortia):
    units = _units_by_application([c.application_id for c in consortia])
    for c in consortia:
        c.units = units.get(c.application_id, [])
        c.members = [m for m in c.units if m.role == Membership.Role.MEMBER]
    return consortia


def directory_fields():
    """The industry fields that have an active consortium: the directory's filter."""
    return IndustryField.objects.filter(consortia__status=Consortium.Status.ACTIVE).distinct()


def name_or_lead_q(q: str) -> Q:
    """A consortium whose name or lead unit's name holds every word of `q` (each word in
    either): the search box of the directory and of city staff's 联合体监管."""
    found = Q()
    for term in (q or "")[:100].split():
        found &= Q(name__icontains=term) | Q(lead__name__icontains=term)
    return found


def directory(*, field_id: int | None = None, page=None, q: str = ""):
    """A page of the public directory: active consortia with their lead unit, field and
    units, optionally those whose name or lead unit matches `q`. Three queries (count,
    page, units) for any number of consortia; `priority` (the latest published assessment
    is 优秀, art. 18) is a subquery of the page's."""
    # Imported here: reporting builds on reviews, not the other way round.
    from reporting.assessments.outputs import priority_annotation

    consortia = (
        Consortium.objects.filter(status=Consortium.Status.ACTIVE)
        .annotate(priority=priority_annotation())
        .select_related("lead", "industry_field")
        .only(
            "id",
            "application_id",
            "name",
            "number",
            "decision_number",
            "named_on",
            "status",
            "lead__id",
            "lead__name",
            "lead__kind",
            "industry_field__id",
            "industry_field__name",
        )
        .order_by("number")
    )
    if field_id is not None:
        consortia = consortia.filter(industry_field_id=field_id)
    if q:
        consortia = consortia.filter(name_or_lead_q(q))
    page_obj = Paginator(consortia, DIRECTORY_PAGE_SIZE).get_page(page)
    page_obj.object_list = _with_units(list(page_obj.object_list))
    # The page explains the mark under the table when a row has it.
    page_obj.has_priority = any(c.priority for c in page_obj.object_list)
    return page_obj


def consortium_detail(pk) -> Consortium:
    """One consortium, with its units, for its public page; 404 when there is none."""
    consortium = (
        Consortium.objects.select_related("lead", "industry_field", "application")
        .filter(pk=pk)
        .first()
    )
    if consortium is None:
        raise Http404
    return _with_units([consortium])[0]


def consortium_of(application) -> Consortium | None:
    return Consortium.objects.filter(application=application).first()


def decision_of(application) -> MeetingDecision | None:
    return MeetingDecision.objects.select_related("meeting").filter(application=application).first()


def awaiting_meeting():
    """The applications the Party group has still to decide, oldest first."""
    return (
        Application.objects.filter(state=State.PARTY_GROUP_REVIEW)
        .select_related("lead", "industry_field")
        .order_by("state_since", "pk")
    )


def meetings():
    """Every recorded meeting with its decisions and, for approvals, the consortium named."""
    return PartyGroupMeeting.objects.select_related("recorded_by").prefetch_related(
        Prefetch(
            "decisions",
            queryset=MeetingDecision.objects.select_related(
                "application", "application__lead", "application__consortium"
            ).order_by("pk"),
        )
    )


def meeting_detail(pk) -> PartyGroupMeeting:
    meeting = meetings().filter(pk=pk).first()
    if meeting is None:
        raise Http404
    return meeting

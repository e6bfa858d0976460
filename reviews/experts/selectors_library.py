"""Reads of the expert library for city staff (DESIGN.md §16, issue 14 point 6): the rows of
the library page with each expert's figures, and one expert's page.

The figures come from one query of the assignments of the listed experts, folded in Python
through the pure rules (turnaround in working days needs the calendar, which SQL does not
know). Whatever the number of experts, the list is a fixed number of queries: the experts,
their fields, their assignments, the calendar and the policy in force.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils import timezone

from applications import policy
from members.models import IntegrityRecord, PolicyVersion
from reviews.experts import rules, subjects
from reviews.experts.models import ExpertAssignment, ExpertAvoidance, ExpertProfile
from reviews.workdays import load_overrides

A = ExpertAssignment.Status


@dataclass
class Figures:
    """One expert's figures on the library page and the expert page."""

    reviews_this_year: int = 0
    reviews_total: int = 0  # submitted sheets
    declines: int = 0
    mean_turnaround: Decimal | None = None  # working days, invitation → submitted sheet
    mean_rating: Decimal | None = None
    ratings: int = 0
    at_cap: bool = False


@dataclass
class Row:
    expert: ExpertProfile
    figures: Figures


@dataclass
class _Tally:
    this_year: int = 0
    submitted: int = 0
    declines: int = 0
    turnarounds: list = field(default_factory=list)
    ratings: list = field(default_factory=list)


def _local_day(moment) -> date | None:
    return timezone.localdate(moment) if moment is not None else None


def _tally(rows, *, year: int, overrides) -> _Tally:
    t = _Tally()
    for status, assigned_at, submitted_at, rating in rows:
        invited = _local_day(assigned_at)
        if invited is not None and invited.year == year and status in ExpertAssignment.COUNTED:
            t.this_year += 1
        if status == A.SUBMITTED:
            t.submitted += 1
            if invited is not None and submitted_at is not None:
                t.turnarounds.append(
                    rules.turnaround(invited, _local_day(submitted_at), overrides=overrides)
                )
        elif status == A.DECLINED:
            t.declines += 1
        if rating is not None:
            t.ratings.append(rating)
    return t


def _figures(t: _Tally, cap: int) -> Figures:
    return Figures(
        reviews_this_year=t.this_year,
        reviews_total=t.submitted,
        declines=t.declines,
        mean_turnaround=rules.mean_of(t.turnarounds),
        mean_rating=rules.mean_of(t.ratings),
        ratings=len(t.ratings),
        at_cap=rules.at_cap(t.this_year, cap),
    )


def yearly_cap(today: date) -> int:
    return PolicyVersion.in_force(today).expert_yearly_cap


def figures_of(expert_ids, *, today: date | None = None) -> dict[int, Figures]:
    """{expert id: Figures} in three queries (assignments, calendar, policy)."""
    today = today or timezone.localdate()
    cap = yearly_cap(today)
    overrides = load_overrides()
    rows: dict[int, list] = {pk: [] for pk in expert_ids}
    for expert_id, *values in ExpertAssignment.objects.filter(expert_id__in=list(rows)).values_list(
        "expert_id", "status", "assigned_at", "submitted_at", "rating"
    ):
        rows[expert_id].append(values)
    return {
        pk: _figures(_tally(values, year=today.year, overrides=overrides), cap)
        for pk, values in rows.items()
    }


def library(
    *,
    q: str = "",
    field_id: int | None = None,
    status: str = "",
    employer_id: int | None = None,
    cap: bool | None = None,
    today: date | None = None,
) -> list[Row]:
    """The library's experts (在库, 暂停, 出库; registrations on their way in are not in
    it) matching the search and filters, each with its figures, by status then name."""
    experts = ExpertProfile.objects.filter(status__in=ExpertProfile.IN_LIBRARY)
    q = (q or "").strip()
    if q:
        experts = experts.filter(
            Q(name__icontains=q) | Q(keywords__icontains=q) | Q(employer__name__icontains=q)
        )
    if field_id:
        experts = experts.filter(fields__id=field_id)
    if status:
        experts = experts.filter(status=status)
    if employer_id:
        experts = experts.filter(employer_id=employer_id)
    experts = list(
        experts.select_related("employer")
        .prefetch_related("fields")
        .distinct()
        .order_by("status", "name", "id")
    )
    figures = figures_of([e.pk for e in experts], today=today)
    rows = [Row(expert=e, figures=figures[e.pk]) for e in experts]
    if cap is not None:
        rows = [r for r in rows if r.figures.at_cap is cap]
    return rows


def employers():
    """The units employing an expert of the library, for the employer filter."""
    from members.models import Organization

    return (
        Organization.objects.filter(experts__status__in=ExpertProfile.IN_LIBRARY)
        .distinct()
        .order_by("name")
    )


# --- one expert -----------------------------------------------------------------------------


@dataclass
class HistoryRow:
    assignment: ExpertAssignment
    subject_name: str
    city_url: str
    invited_on: date | None
    answered_on: date | None
    submitted_on: date | None
    turnaround: int | None


@dataclass
class ExpertPage:
    expert: ExpertProfile
    figures: Figures
    avoidances: list
    integrity_records: list
    history: list[HistoryRow]
    cap: int


def expert_for(user, pk) -> ExpertProfile:
    """A library expert for city staff, else 404 (nobody else sees the library)."""
    if not policy.is_city(user):
        raise Http404
    try:
        return (
            ExpertProfile.objects.select_related("employer", "user")
            .prefetch_related(
                "fields",
                Prefetch(
                    "avoidances",
                    queryset=ExpertAvoidance.objects.select_related("organization"),
                ),
                Prefetch(
                    "integrity_records",
                    queryset=IntegrityRecord.objects.order_by("-start_date", "-id"),
                ),
            )
            .get(pk=pk)
        )
    except ExpertProfile.DoesNotExist:
        raise Http404 from None


def expert_page(expert: ExpertProfile, *, today: date | None = None) -> ExpertPage:
    today = today or timezone.localdate()
    overrides = load_overrides()
    assignments = list(
        ExpertAssignment.objects.filter(expert=expert)
        .select_related(
            "application",
            "assessment__round",
            "assessment__consortium",
            "rated_by",
            "replaces__expert",
        )
        .order_by("-assigned_at", "-id")
    )
    history = []
    for a in assignments:
        subject = subjects.on(a)
        invited, submitted = _local_day(a.assigned_at), _local_day(a.submitted_at)
        history.append(
            HistoryRow(
                assignment=a,
                subject_name=subject.display_name,
                city_url=subject.city_url,
                invited_on=invited,
                answered_on=_local_day(a.declared_at),
                submitted_on=submitted,
                turnaround=(
                    rules.turnaround(invited, submitted, overrides=overrides)
                    if a.status == A.SUBMITTED and invited and submitted
                    else None
                ),
            )
        )
    cap = yearly_cap(today)
    tally = _tally(
        [(a.status, a.assigned_at, a.submitted_at, a.rating) for a in assignments],
        year=today.year,
        overrides=overrides,
    )
    return ExpertPage(
        expert=expert,
        figures=_figures(tally, cap),
        avoidances=list(expert.avoidances.all()),
        integrity_records=list(expert.integrity_records.all()),
        history=history,
        cap=cap,
    )


def assignment_to_rate(user, pk) -> ExpertAssignment:
    """A submitted review city staff may rate, else 404."""
    if not policy.is_city(user):
        raise Http404
    try:
        return ExpertAssignment.objects.select_related(
            "expert", "application", "assessment__round", "assessment__consortium"
        ).get(pk=pk, status=A.SUBMITTED)
    except ExpertAssignment.DoesNotExist:
        raise Http404 from None

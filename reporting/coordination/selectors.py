"""Reads of coordination items."""

from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from applications import policy
from reporting.coordination import rules
from reporting.coordination.models import CoordinationItem, Department

Status = CoordinationItem.Status


def overdue_q(today) -> Q:
    """rules.is_overdue as a filter."""
    return Q(due_on__lt=today) & ~Q(status=Status.ANSWERED)


def for_consortium(consortium) -> list[CoordinationItem]:
    """The consortium's items for its page, newest report first; one query."""
    today = timezone.localdate()
    items = list(
        consortium.coordination_items.select_related("department", "report").order_by(
            "-report__year", "sequence"
        )
    )
    for item in items:
        item.overdue_days = rules.overdue_days(item, today)
    return items


def item_for(user, pk) -> CoordinationItem:
    """An item, or 404 unless the user is city staff (the lead reads its items on the
    consortium page; nobody else sees them)."""
    if not policy.is_city(user):
        raise Http404
    item = (
        CoordinationItem.objects.select_related(
            "report", "consortium__lead", "department", "assigned_by", "replied_by"
        )
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    item.overdue_days = rules.overdue_days(item, timezone.localdate())
    return item


def progress_of(item) -> list:
    return list(item.progress.select_related("recorded_by"))


def departments(*, active_only=True) -> list[Department]:
    qs = Department.objects.all()
    return list(qs.filter(active=True) if active_only else qs)


def work_list(*, status="", department=None, overdue=False) -> list[CoordinationItem]:
    """City staff's list, filtered; one query, overdue rows carry their days."""
    today = timezone.localdate()
    qs = CoordinationItem.objects.select_related("consortium", "department", "report")
    if status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department_id=department)
    if overdue:
        qs = qs.filter(overdue_q(today))
    # Overdue first by how late, then the waiting ones, then the rest.
    items = list(qs.order_by("status", "due_on", "-created_at", "sequence"))
    for item in items:
        item.overdue_days = rules.overdue_days(item, today)
    items.sort(key=lambda i: (-i.overdue_days, i.status == Status.ANSWERED))
    return items


def status_counts() -> dict[str, int]:
    """status → number, and "overdue"; one query."""
    today = timezone.localdate()
    counts = CoordinationItem.objects.aggregate(
        overdue=Count("id", filter=overdue_q(today)),
        **{s: Count("id", filter=Q(status=s)) for s in Status.values},
    )
    return counts


def overdue_count() -> int:
    return CoordinationItem.objects.filter(overdue_q(timezone.localdate())).count()


def by_department(queryset=None) -> dict:
    """department id (None: not assigned yet) → {assigned, in_progress, answered, overdue,
    pending}; one query."""
    today = timezone.localdate()
    qs = (queryset if queryset is not None else CoordinationItem.objects.all()).order_by()
    return {
        row["department"]: row
        for row in qs.values("department").annotate(
            total=Count("id"),
            pending=Count("id", filter=Q(status=Status.PENDING)),
            in_progress=Count("id", filter=Q(status=Status.IN_PROGRESS)),
            answered=Count("id", filter=Q(status=Status.ANSWERED)),
            overdue=Count("id", filter=overdue_q(today)),
        )
    }

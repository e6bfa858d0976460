"""Reads of the support ledger."""

from django.db.models import Count, Sum
from django.http import Http404

from applications import consortia
from reporting.support.models import SupportKind, SupportRecord


def records(consortium) -> list[SupportRecord]:
    """The consortium's ledger, newest first; one query."""
    return list(consortium.support_records.select_related("entered_by").order_by("-date", "-id"))


def record_for(user, pk) -> SupportRecord:
    """A record, or 404 unless the user may see its consortium."""
    record = SupportRecord.objects.select_related("consortium__lead").filter(pk=pk).first()
    if record is None or not consortia.can_view(user, record.consortium):
        raise Http404
    return record


def totals_by_kind(queryset=None) -> dict[str, tuple[int, object]]:
    """kind → (number of records, total amount or None); one query, every kind present."""
    qs = (queryset if queryset is not None else SupportRecord.objects.all()).order_by()
    found = {
        row["kind"]: (row["n"], row["total"])
        for row in qs.values("kind").annotate(n=Count("id"), total=Sum("amount"))
    }
    return {kind: found.get(kind, (0, None)) for kind in SupportKind.values}

"""Integrity records for city staff: thin views (form → service → redirect). Anyone else
gets 404: the pages are not announced to them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from members.integrity import rules, selectors, services
from members.integrity.forms import EndForm, FilterForm, RecordForm
from members.views import _add_errors

PER_PAGE = 30


@login_required
@require_safe
def record_list(request):
    selectors.require_city(request.user)
    filters = FilterForm(request.GET or None)
    values = filters.cleaned_data if filters.is_valid() else {}
    rows = selectors.records(
        request.user,
        kind=values.get("kind", ""),
        status=values.get("status", ""),
        q=values.get("q", ""),
    )
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/integrity/list.html",
        {
            "filters": filters,
            "page": page,
            "records": selectors.with_status(page.object_list),
            "query": query.urlencode(),
            "IN_FORCE": rules.IN_FORCE,
            "ENDED": rules.ENDED,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def record_add(request):
    selectors.require_city(request.user)
    form = RecordForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = services.add_record(
                    actor=request.user,
                    organization=form.organization,
                    kind=data["kind"],
                    start_date=data["start_date"],
                    end_date=data["end_date"],
                    reason=data["reason"],
                    decision_number=data["decision_number"],
                )
            except (ValidationError, PermissionDenied) as exc:
                _add_errors(form, _as_validation_error(exc), rename={"organization": "unit"})
            else:
                messages.success(
                    request,
                    _("已登记%(unit)s的%(kind)s。")
                    % {"unit": record.organization.name, "kind": record.get_kind_display()},
                )
                return redirect("integrity:list")
        return render(request, "members/integrity/add.html", {"form": form}, status=422)
    return render(request, "members/integrity/add.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def record_end(request, pk):
    record = selectors.record_for_staff(request.user, pk)
    (record,) = selectors.with_status([record])
    form = EndForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.end_record(
                    actor=request.user,
                    record_id=record.pk,
                    end_date=form.cleaned_data["end_date"],
                    reason=form.cleaned_data["reason"],
                )
            except (ValidationError, PermissionDenied) as exc:
                _add_errors(form, _as_validation_error(exc))
            else:
                messages.success(
                    request, _("已终止%(unit)s的该条记录。") % {"unit": record.organization.name}
                )
                return redirect("integrity:list")
        status = 422
    else:
        status = 200
    return render(
        request,
        "members/integrity/end.html",
        {
            "record": record,
            "form": form,
            "can_end": record.ended_at is None
            and record.revoked_at is None
            and record.status != rules.ENDED,
        },
        status=status,
    )


def _as_validation_error(exc) -> ValidationError:
    if isinstance(exc, ValidationError):
        return exc
    return ValidationError(str(exc) or _("您无权执行该操作。"))

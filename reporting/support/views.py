"""City staff enter the support ledger on the consortium page (applications'
views_consortia renders it): form → service → redirect; bad input re-renders the page with
what was typed, status 422. Who may not see the consortium gets 404, its lead 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applications import policy, selectors_consortia
from applications.views_consortia import _page, _refused
from reporting.support import selectors, services
from reporting.support.forms import SupportRecordForm

PREFIX = "support"


def _back(consortium):
    return redirect(reverse("consortia:detail", args=[consortium.pk]) + "#support")


@login_required
@require_POST
def add(request, pk):
    consortium = selectors_consortia.consortium_for(request.user, pk)
    if not policy.is_city(request.user):
        raise PermissionDenied
    form = SupportRecordForm(request.POST, prefix=PREFIX)
    if form.is_valid():
        try:
            services.add_record(actor=request.user, consortium=consortium, **form.cleaned_data)
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "date" in exc.error_dict:
                exc.error_dict["on"] = exc.error_dict.pop("date")
            _refused(form, exc)
        else:
            messages.success(request, _("已登记支持情况。"))
            return _back(consortium)
    return _page(request, consortium, {PREFIX: form}, status=422)


@login_required
@require_POST
def remove(request, pk):
    record = selectors.record_for(request.user, pk)
    services.remove_record(actor=request.user, record=record)
    messages.success(request, _("已删除该条支持情况记录。"))
    return _back(record.consortium)

"""City staff's coordination pages: the list and an item's page (assign, progress, answer).
Thin views: form → service → redirect; bad input re-renders the item page with what was
typed, status 422. Anyone but city staff gets 404 (the lead reads its items on the
consortium page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from applications import policy
from reporting import stats
from reporting.coordination import rules, selectors, services
from reporting.coordination.forms import AnswerForm, AssignForm, FilterForm, ProgressForm


def _require_city(user):
    if not policy.is_city(user):
        raise Http404


def _filtered(request):
    form = FilterForm(request.GET or None)
    values = form.values() if request.GET else {"status": "", "department": None, "overdue": False}
    return form, values


@login_required
@require_safe
def item_list(request):
    _require_city(request.user)
    form, values = _filtered(request)
    query = request.GET.urlencode()
    return render(
        request,
        "reporting/coordination/list.html",
        {
            "filter_form": form,
            "filters": values,
            "items": selectors.work_list(**values),
            "counts": selectors.status_counts(),
            "export_url": reverse("coordination:export") + (f"?{query}" if query else ""),
        },
    )


def list_table(items) -> stats.Table:
    """The filtered list as a sheet, for the export."""
    return stats.Table(
        key="coordination_items",
        title=_("协调事项"),
        sheet=_("协调事项"),
        headers=[
            _("创新联合体"),
            _("报告年度"),
            _("序号"),
            _("协调事项"),
            _("办理状态"),
            _("承办部门"),
            _("办理期限"),
            _("超期天数"),
            _("答复意见"),
        ],
        rows=[
            [
                item.consortium.name,
                item.report.year,
                item.sequence,
                item.text,
                str(item.get_status_display()),
                item.department.name if item.department else "",
                item.due_on.isoformat() if item.due_on else "",
                item.overdue_days,
                item.reply,
            ]
            for item in items
        ],
    )


@login_required
@require_safe
def export(request):
    _require_city(request.user)
    _form, values = _filtered(request)
    today = timezone.localdate()
    table = list_table(selectors.work_list(**values))
    response = HttpResponse(
        stats.workbook_bytes([table], year=None, today=today),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    filename = f"协调事项（{today.year}年{today.month}月{today.day}日）.xlsx"
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _page(request, item, bound=None, status=200):
    bound = bound or {}
    shown = {
        "assign": rules.can_assign(item.status),
        "progress": rules.can_record_progress(item.status),
        "answer": rules.can_answer(item.status),
    }
    context = {
        # A refusal of a form the page no longer shows (someone else moved the item on).
        "refusals": [
            error
            for key, form in bound.items()
            if not shown[key]
            for error in form.non_field_errors()
        ],
        "item": item,
        "progress": selectors.progress_of(item),
        "can_assign": rules.can_assign(item.status),
        "can_progress": rules.can_record_progress(item.status),
        "can_answer": rules.can_answer(item.status),
        "assign_form": bound.get("assign")
        or AssignForm(
            item=item,
            prefix="assign",
            initial={"department": item.department_id, "due_on": item.due_on},
        ),
        "progress_form": bound.get("progress") or ProgressForm(prefix="progress"),
        "answer_form": bound.get("answer") or AnswerForm(prefix="answer"),
    }
    return render(request, "reporting/coordination/detail.html", context, status=status)


@login_required
@require_safe
def item_detail(request, pk):
    return _page(request, selectors.item_for(request.user, pk))


def _refused(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _act(request, pk, *, key, form_class, call, done):
    item = selectors.item_for(request.user, pk)
    kwargs = {"item": item} if form_class is AssignForm else {}
    form = form_class(request.POST, prefix=key, **kwargs)
    if form.is_valid():
        try:
            call(item, form.cleaned_data)
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, done)
            return redirect(reverse("coordination:detail", args=[item.pk]))
        # The service may have found the item changed: show it as it is now.
        item = selectors.item_for(request.user, pk)
    return _page(request, item, {key: form}, status=422)


@login_required
@require_POST
def assign(request, pk):
    return _act(
        request,
        pk,
        key="assign",
        form_class=AssignForm,
        call=lambda item, data: services.assign(actor=request.user, item=item, **data),
        done=_("已分办。"),
    )


@login_required
@require_POST
def progress(request, pk):
    return _act(
        request,
        pk,
        key="progress",
        form_class=ProgressForm,
        call=lambda item, data: services.record_progress(actor=request.user, item=item, **data),
        done=_("已登记办理进展。"),
    )


@login_required
@require_POST
def answer(request, pk):
    return _act(
        request,
        pk,
        key="answer",
        form_class=AnswerForm,
        call=lambda item, data: services.answer(actor=request.user, item=item, **data),
        done=_("已登记答复，牵头单位将收到通知。"),
    )

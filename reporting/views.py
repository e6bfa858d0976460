"""Thin views for the annual reports (/reports/): form → service → redirect; a rule error
becomes a form error in Chinese with the input kept (status 422); 404 for anyone who may
not see the report."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications.policy import is_city
from applications.uploads import attachment_response
from reporting import forms, rules, selectors, services
from reporting.models import ReportAttachment, ReportStatus
from reporting.pdf import render_report_pdf


@login_required
@require_safe
def report_list(request):
    user = request.user
    if not selectors.may_open_list(user):
        raise Http404
    city = is_city(user)
    filter_form = forms.FilterForm(request.GET or None)
    filters = filter_form.filters() if city else {"status": "", "overdue": False, "year": None}
    context = {
        "is_city": city,
        "reports": list(selectors.report_list(user, **filters)),
        "filters": filters,
    }
    if city:
        counts = selectors.status_counts(user)
        context["statuses"] = [(v, label, counts.get(v, 0)) for v, label in ReportStatus.choices]
        context["overdue_count"] = counts["overdue"]
    else:
        context["consortia"] = list(selectors.led_consortia(user))
    return render(request, "reporting/list.html", context)


def _detail(request, report, *, accept_form=None, return_form=None, status=200):
    user = request.user
    context = {
        "report": report,
        "editable": selectors.can_edit(user, report),
        "is_lead": selectors.is_lead_user(user, report),
        "can_decide": selectors.can_decide(user, report),
        "attachments": list(report.attachments.select_related("uploaded_by")),
        "timeline": selectors.timeline(report),
        "results": _results(report),
        "due": rules.due_date(report.year),
    }
    if context["can_decide"]:
        context["accept_form"] = accept_form or forms.AcceptForm(prefix="accept")
        context["return_form"] = return_form or forms.ReturnForm(prefix="return")
    return render(request, "reporting/detail.html", context, status=status)


def _results(report):
    return [
        (_("承担科技项目"), report.results_projects, _("项"), report.results_projects_text),
        (_("专利"), report.results_patents, _("件"), report.results_patents_text),
        (_("标准"), report.results_standards, _("项"), report.results_standards_text),
        (_("成果转化"), report.results_transfers, _("项"), report.results_transfers_text),
    ]


@login_required
@require_safe
def detail(request, pk):
    return _detail(request, selectors.report_for(request.user, pk))


def _editable(request, pk):
    """The report for its lead unit's users; 404 for everyone else (city staff read it on
    its page, they do not edit it)."""
    report = selectors.report_for(request.user, pk)
    if not selectors.is_lead_user(request.user, report):
        raise Http404
    return report


def _edit_page(request, report, *, form=None, attachment_form=None, status=200):
    return render(
        request,
        "reporting/edit.html",
        {
            "report": report,
            "form": form or forms.ReportForm(instance=report, prefix="report"),
            "attachment_form": attachment_form or forms.AttachmentForm(prefix="attachment"),
            "attachments": list(report.attachments.all()),
            "due": rules.due_date(report.year),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request, pk):
    report = _editable(request, pk)
    if not selectors.can_edit(request.user, report):
        messages.info(
            request,
            _("该年度报告当前状态为“%(status)s”，不能修改。")
            % {"status": report.get_status_display()},
        )
        return redirect("reporting:detail", pk=report.pk)
    if request.method == "GET":
        return _edit_page(request, report)
    form = forms.ReportForm(request.POST, instance=report, prefix="report")
    if not form.is_valid():
        return _edit_page(request, report, form=form, status=422)
    try:
        services.save_report(actor=request.user, report_id=report.pk, values=form.values())
    except services.StaleReport as exc:
        messages.error(request, str(exc))
        return redirect("reporting:detail", pk=report.pk)
    messages.success(request, _("已暂存。全部填写完成后，请点击“检查并报送”。"))
    if "submit" in request.POST:
        return redirect("reporting:submit", pk=report.pk)
    return redirect("reporting:edit", pk=report.pk)


@login_required
@require_POST
def add_attachment(request, pk):
    report = _editable(request, pk)
    form = forms.AttachmentForm(request.POST, request.FILES, prefix="attachment")
    if form.is_valid():
        try:
            services.add_attachment(
                actor=request.user,
                report_id=report.pk,
                uploaded_file=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            )
        except services.StaleReport as exc:
            messages.error(request, str(exc))
            return redirect("reporting:detail", pk=report.pk)
        except ValidationError as exc:
            form.add_error("file", exc)
        else:
            messages.success(request, _("已上传附件。"))
            return redirect("reporting:edit", pk=report.pk)
    return _edit_page(request, report, attachment_form=form, status=422)


@login_required
@require_POST
def remove_attachment(request, pk, attachment_pk):
    report = _editable(request, pk)
    attachment = get_object_or_404(ReportAttachment, pk=attachment_pk, report=report)
    try:
        services.remove_attachment(actor=request.user, attachment_id=attachment.pk)
    except services.StaleReport as exc:
        messages.error(request, str(exc))
        return redirect("reporting:detail", pk=report.pk)
    messages.success(request, _("已删除附件 %(name)s。") % {"name": attachment.original_name})
    return redirect("reporting:edit", pk=report.pk)


@login_required
@require_safe
def download_attachment(request, pk, attachment_pk):
    report = selectors.report_for(request.user, pk)
    attachment = get_object_or_404(ReportAttachment, pk=attachment_pk, report=report)
    return attachment_response(attachment)


@login_required
@require_http_methods(["GET", "POST"])
def submit(request, pk):
    report = _editable(request, pk)
    if not selectors.can_edit(request.user, report):
        messages.info(request, _("该年度报告已报送。"))
        return redirect("reporting:detail", pk=report.pk)
    status = 200
    if request.method == "POST":
        try:
            services.submit_report(actor=request.user, report_id=report.pk)
        except services.StaleReport as exc:
            messages.error(request, str(exc))
            return redirect("reporting:detail", pk=report.pk)
        except ValidationError:
            status = 422
        else:
            messages.success(request, _("年度报告已报送市科技局，等待审核。"))
            return redirect("reporting:detail", pk=report.pk)
    problems = rules.check(services.content_of(report))
    if report.status == ReportStatus.PENDING:
        problems.insert(0, rules.Problem("", _("请先填写年度报告内容并暂存，再提交。")))
    return render(
        request,
        "reporting/submit.html",
        {"report": report, "problems": problems, "results": _results(report)},
        status=422 if status == 422 or (request.method == "POST" and problems) else 200,
    )


@login_required
@require_POST
def accept(request, pk):
    report = selectors.report_for(request.user, pk)
    if not is_city(request.user):
        raise Http404
    form = forms.AcceptForm(request.POST, prefix="accept")
    if not form.is_valid():
        return _detail(request, report, accept_form=form, status=422)
    try:
        services.accept_report(
            actor=request.user, report_id=report.pk, comment=form.cleaned_data["comment"]
        )
    except (services.StaleReport, PermissionDenied) as exc:
        messages.error(request, str(exc) or _("您无权执行该操作。"))
    else:
        messages.success(request, _("已审核通过。"))
    return redirect("reporting:detail", pk=report.pk)


@login_required
@require_POST
def return_report(request, pk):
    report = selectors.report_for(request.user, pk)
    if not is_city(request.user):
        raise Http404
    form = forms.ReturnForm(request.POST, prefix="return")
    if form.is_valid():
        try:
            services.return_report(
                actor=request.user, report_id=report.pk, reason=form.cleaned_data["reason"]
            )
        except (services.StaleReport, PermissionDenied) as exc:
            messages.error(request, str(exc) or _("您无权执行该操作。"))
        except ValidationError as exc:
            form.add_error("reason", exc.messages)
            return _detail(request, report, return_form=form, status=422)
        else:
            messages.success(request, _("已退回修改，并通知牵头单位。"))
        return redirect("reporting:detail", pk=report.pk)
    return _detail(request, report, return_form=form, status=422)


@login_required
@require_safe
def pdf(request, pk):
    report = selectors.report_for(request.user, pk)
    response = HttpResponse(render_report_pdf(report), content_type="application/pdf")
    filename = f"{report.title}.pdf"
    response.headers["Content-Disposition"] = f"inline; filename*=utf-8''{quote(filename)}"
    return response

"""City staff's expert library (专家库, DESIGN.md §16): the list with each expert's figures
and its Excel export, one expert's page (status change, integrity record) and the rating of
a submitted review. Thin views: form → service → redirect; bad input re-renders the page
with what was typed, status 422. Anyone but city staff gets 404."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications import policy
from applications.views_consortia import _refused
from members.roles import Role, has_role
from reporting import stats
from reviews.experts import (
    selectors_library,
    selectors_registration,
    services,
    services_library,
    subjects,
)
from reviews.experts.forms_library import LibraryFilterForm, MisconductForm, RateForm, StatusForm
from reviews.experts.models import ExpertProfile

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_city(user):
    if not policy.is_city(user):
        raise Http404


def _one_decimal(value):
    return float(value) if value is not None else None


@login_required
@require_safe
def library(request):
    _require_city(request.user)
    form = LibraryFilterForm(request.GET)
    values = form.values()
    query = request.GET.urlencode()
    rows = selectors_library.library(**values)
    return render(
        request,
        "reviews/experts/library/index.html",
        {
            "filter_form": form,
            "filters": values,
            "rows": rows,
            "cap": selectors_library.yearly_cap(timezone.localdate()),
            # The registrations queue is reached from here, not from the (long) menu.
            "registrations_waiting": (
                selectors_registration.pending_count()
                if has_role(request.user, Role.CITY_STAFF)
                else None
            ),
            "export_url": reverse("experts:pool_export") + (f"?{query}" if query else ""),
        },
    )


def library_table(rows, *, cap: int) -> stats.Table:
    """The filtered library as a sheet, for the export."""
    return stats.Table(
        key="expert_library",
        title=_("评审专家库"),
        sheet=_("评审专家库"),
        headers=[
            _("姓名"),
            _("状态"),
            _("职称"),
            _("职称级别"),
            _("工作单位"),
            _("熟悉领域"),
            _("研究方向关键词"),
            _("手机号码"),
            _("电子邮箱"),
            _("本年度评审"),
            _("累计评审"),
            _("谢绝次数"),
            _("平均用时（工作日）"),
            _("平均评价"),
            _("评价次数"),
            _("已达上限"),
        ],
        rows=[
            [
                r.expert.name,
                str(r.expert.get_status_display()),
                r.expert.title,
                str(r.expert.get_title_level_display()) if r.expert.title_level else "",
                r.expert.employer.name if r.expert.employer else "",
                "、".join(f.name for f in r.expert.fields.all()),
                r.expert.keywords,
                r.expert.phone,
                r.expert.email,
                r.figures.reviews_this_year,
                r.figures.reviews_total,
                r.figures.declines,
                _one_decimal(r.figures.mean_turnaround),
                _one_decimal(r.figures.mean_rating),
                r.figures.ratings,
                _("是") if r.figures.at_cap else _("否"),
            ]
            for r in rows
        ],
        note=_(
            "本年度评审：本年度收到且未谢绝、逾期、回避或撤回的邀请；每名专家每年不超过%(cap)d次。"
        )
        % {"cap": cap},
    )


@login_required
@require_safe
def library_export(request):
    _require_city(request.user)
    values = LibraryFilterForm(request.GET).values()
    today = timezone.localdate()
    table = library_table(
        selectors_library.library(**values), cap=selectors_library.yearly_cap(today)
    )
    response = HttpResponse(
        stats.workbook_bytes([table], year=None, today=today), content_type=XLSX
    )
    filename = f"评审专家库（{today.year}年{today.month}月{today.day}日）.xlsx"
    # RFC 6266 / 5987: an ASCII fallback for old clients, the Chinese name for the rest.
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"expert-library.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _expert_page(request, expert, forms=None, status=200):
    forms = forms or {}
    return render(
        request,
        "reviews/experts/library/expert.html",
        {
            "page": selectors_library.expert_page(expert),
            # Offer a change first: 暂停 for an expert 在库, else 恢复在库.
            "status_form": forms.get("status")
            or StatusForm(
                prefix="status",
                initial={
                    "status": ExpertProfile.Status.SUSPENDED
                    if expert.status == ExpertProfile.Status.ACTIVE
                    else ExpertProfile.Status.ACTIVE
                },
            ),
            "misconduct_form": forms.get("misconduct")
            or MisconductForm(prefix="misconduct", initial={"start_date": timezone.localdate()}),
        },
        status=status,
    )


@login_required
@require_safe
def expert(request, pk):
    return _expert_page(request, selectors_library.expert_for(request.user, pk))


def _back_to_expert(expert):
    return redirect(reverse("experts:expert", args=[expert.pk]))


@login_required
@require_POST
def expert_status(request, pk):
    profile = selectors_library.expert_for(request.user, pk)
    form = StatusForm(request.POST, prefix="status")
    if form.is_valid():
        try:
            services.set_status(actor=request.user, expert=profile, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("已变更专家状态。"))
            return _back_to_expert(profile)
    return _expert_page(request, profile, {"status": form}, status=422)


@login_required
@require_POST
def expert_misconduct(request, pk):
    profile = selectors_library.expert_for(request.user, pk)
    form = MisconductForm(request.POST, prefix="misconduct")
    if form.is_valid():
        try:
            services.record_misconduct(actor=request.user, expert=profile, **form.cleaned_data)
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            _refused(form, exc)
        else:
            messages.success(request, _("已登记失信记录，该专家已出库。"))
            return _back_to_expert(profile)
    return _expert_page(request, profile, {"misconduct": form}, status=422)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def rate(request, pk):
    assignment = selectors_library.assignment_to_rate(request.user, pk)
    subject = subjects.on(assignment)
    if request.method == "POST":
        form = RateForm(request.POST)
        if form.is_valid():
            try:
                services_library.rate_review(
                    actor=request.user,
                    assignment=assignment,
                    rating=form.cleaned_data["rating"],
                    note=form.cleaned_data["note"],
                )
            except PermissionDenied:
                raise Http404 from None
            except ValidationError as exc:
                _refused(form, exc)
            else:
                messages.success(
                    request, _("已保存对%(name)s评审的评价。") % {"name": assignment.expert.name}
                )
                return redirect(subject.city_url)
        status = 422
    else:
        initial = {"rating": assignment.rating, "note": assignment.rating_note}
        form = RateForm(initial=initial if assignment.rating else None)
        status = 200
    return render(
        request,
        "reviews/experts/library/rate.html",
        {"assignment": assignment, "subject": subject, "form": form},
        status=status,
    )

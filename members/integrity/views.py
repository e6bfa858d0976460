"""Integrity records for city staff: thin views (form → service → redirect). Anyone else
gets 404: the pages are not announced to them. Below them, the research-integrity pledge
(科研诚信承诺): a unit's own page (404 unless the user's unit is a current unit of the
subject) and the public page of the signed link."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from members.integrity import rules, selectors, services
from members.integrity.forms import EndForm, FilterForm, PledgeForm, RecordForm
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
                    request, _("已终止%(unit)s的该条记录。") % {"unit": record.subject_name}
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


# --- The research-integrity pledge (科研诚信承诺) --------------------------------------------


def _pledge_page(request, *, kind, subject, organization, form, status=200, via_link=False):
    pledge = selectors.pledges_of(subject).get(organization.pk)
    return render(
        request,
        "members/integrity/pledge.html",
        {
            "kind": kind,
            "subject": subject,
            "organization": organization,
            "lead": selectors.subject_lead(subject),
            "pledge": pledge,
            "can_pledge": pledge is None and selectors.subject_is_open(subject),
            "statement": rules.PLEDGE_STATEMENT,
            "form": form,
            "via_link": via_link,
            "subject_url": (
                reverse("applications:detail", args=[subject.pk])
                if kind == rules.APPLICATION
                else reverse("assessments:detail", args=[subject.pk])
            ),
        },
        status=status,
    )


def _pledge_error(request, form, exc: ValidationError) -> bool:
    """Put a service error on the form; True when it is final (pledged already, closed)."""
    if getattr(exc, "code", None) in ("already", "closed"):
        messages.error(request, " ".join(exc.messages))
        return True
    _add_errors(form, exc)
    return False


@login_required
@require_http_methods(["GET", "POST"])
def pledge_give(request, kind, pk):
    """A user of the unit gives the unit's pledge from their own account."""
    subject, organization = selectors.subject_for_pledge(request.user, kind, pk)
    form = PledgeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.give_pledge(
                    actor=request.user,
                    subject=subject,
                    organization=organization,
                    person=data["person"],
                    person_title=data["person_title"],
                )
            except PermissionDenied as exc:
                raise Http404 from exc
            except ValidationError as exc:
                if _pledge_error(request, form, exc):
                    return redirect(request.path)
                status = 422
            else:
                messages.success(request, _("本单位已作出科研诚信承诺。"))
                return redirect(request.path)
        else:
            status = 422
    return _pledge_page(
        request, kind=kind, subject=subject, organization=organization, form=form, status=status
    )


@require_http_methods(["GET", "POST"])
def pledge_link(request, pledge_token):
    """The public page a unit without an account pledges on (like members:confirm_link)."""
    try:
        kind, subject, organization = selectors.subject_by_token(pledge_token)
    except selectors.BadPledgeLink as exc:
        return render(
            request, "members/integrity/pledge_invalid.html", {"reason": exc.reason}, status=404
        )
    form = PledgeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.give_pledge_by_link(
                    token=pledge_token,
                    person=data["person"],
                    person_title=data["person_title"],
                    confirmed=data["confirmed"],
                )
            except ValidationError as exc:
                if getattr(exc, "code", None) == "bad_link":
                    return render(
                        request,
                        "members/integrity/pledge_invalid.html",
                        {"reason": " ".join(exc.messages)},
                        status=404,
                    )
                if _pledge_error(request, form, exc):
                    return redirect(request.path)
                status = 422
            else:
                messages.success(request, _("承诺已提交，感谢！牵头单位将看到贵单位已承诺。"))
                return redirect(request.path)
        else:
            status = 422
    return _pledge_page(
        request,
        kind=kind,
        subject=subject,
        organization=organization,
        form=form,
        status=status,
        via_link=True,
    )

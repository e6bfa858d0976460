"""Public notices and objections: thin views (form → service → redirect).

The public pages (/notices/…) never load an Objection, so they cannot show who objected;
the manage pages are for city staff only and answer 404 to anyone else.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models.fields.files import FieldFile
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications import policy
from applications.uploads import attachment_response
from applications.workflow import StaleApplication
from reviews.models import Objection, PublicNotice
from reviews.notices import selectors
from reviews.notices import services as services
from reviews.notices.forms import (
    FindingForm,
    ObjectionForm,
    PublishForm,
    ReceiptLookupForm,
    RegisterObjectionForm,
    RoundPublishForm,
    VerifyForm,
)
from reviews.workdays import calendar_warning, unknown_years

NOTICES_PER_PAGE = 20


# --- Public ------------------------------------------------------------------------------


@require_safe
def notice_list(request):
    page = Paginator(selectors.public_notices(), NOTICES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "reviews/notices/list.html", {"page": page})


def _targets(notice) -> dict:
    """What one may object to on this notice, as the objection forms take it: the
    applications still under notice, or (a result notice) the assessments not yet
    published."""
    if selectors.is_result_notice(notice):
        return {"assessments": selectors.objectionable_assessments(notice)}
    return {"applications": selectors.objectionable_applications(notice)}


def _subject(data) -> dict:
    """The subject the objection form chose, as the services take it."""
    return {"application": data.get("application"), "assessment": data.get("assessment")}


def _detail(request, notice, form=None, status=200):
    try:
        services.check_notice_open(notice)
        closed_message = ""
    except ValidationError as exc:
        closed_message = exc.messages[0]
    targets = _targets(notice)
    if closed_message:
        form = None  # a late objection is refused: no form to fill in again
    elif form is None:
        form = ObjectionForm(**targets)
    results = selectors.is_result_notice(notice)
    is_city = policy.is_city(request.user)
    return render(
        request,
        "reviews/notices/detail.html",
        {
            "notice": notice,
            "closed_message": closed_message,
            "form": form,
            "has_targets": form is not None and next(iter(targets.values())).exists(),
            "results": selectors.result_table(notice.assessments.all()) if results else None,
            # City staff see how the objections stand, and which result is to be corrected.
            "staff_objections": selectors.notice_objections(request.user, notice)
            if is_city
            else None,
        },
        status=status,
    )


@require_safe
def notice_detail(request, pk):
    return _detail(request, selectors.public_notice(pk))


@require_POST
def file_objection(request, pk):
    notice = selectors.public_notice(pk)
    form = ObjectionForm(request.POST, request.FILES, **_targets(notice))
    if form.is_valid():
        data = form.cleaned_data
        try:
            objection = services.file_objection(
                notice=notice,
                **_subject(data),
                name=data["name"],
                unit=data["unit"],
                phone=data["phone"],
                email=data["email"],
                reasons=data["reasons"],
                evidence=data["evidence"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # The receipt travels in the filer's own session, not in the URL: the thanks
            # page shows it to whoever filed, and nothing to anyone else who opens it.
            request.session[RECEIPT_SESSION_KEY] = {
                "notice": notice.pk,
                "number": objection.receipt_number,
            }
            return redirect("notices:thanks", pk=notice.pk)
    return _detail(request, notice, form=form, status=422)


RECEIPT_SESSION_KEY = "objection_receipt"


@require_safe
def objection_thanks(request, pk):
    notice = selectors.public_notice(pk)
    receipt = request.session.get(RECEIPT_SESSION_KEY) or {}
    number = receipt.get("number") if receipt.get("notice") == notice.pk else None
    return render(
        request, "reviews/notices/thanks.html", {"notice": notice, "receipt_number": number}
    )


@require_http_methods(["GET", "POST"])
def objection_lookup(request):
    """The objector follows their objection by receipt number and phone. A wrong phone
    and an unknown number get the same answer, so the page confirms no number to a
    stranger; the captcha keeps machines from trying pairs."""
    if request.method != "POST":
        return render(request, "reviews/notices/lookup.html", {"form": ReceiptLookupForm()})
    form = ReceiptLookupForm(request.POST)
    receipt, not_found, status = None, False, 422
    if form.is_valid():
        receipt = selectors.objection_receipt(
            form.cleaned_data["receipt_number"], form.cleaned_data["phone"]
        )
        not_found, status = receipt is None, 200
        if receipt is not None:
            # A new captcha for the next lookup; the answer is on the page already.
            form = ReceiptLookupForm(
                initial={
                    "receipt_number": receipt.receipt_number,
                    "phone": form.cleaned_data["phone"],
                }
            )
    return render(
        request,
        "reviews/notices/lookup.html",
        {"form": form, "receipt": receipt, "not_found": not_found},
        status=status,
    )


# --- City staff --------------------------------------------------------------------------


def _city_or_404(request):
    if not policy.is_city(request.user):
        raise Http404


def _calendar_warning():
    return calendar_warning(timezone.localdate())


def _manage_page(request, publish_form=None, status=200):
    publishable = selectors.publishable_applications()
    if publish_form is None:
        # The contact lines rarely change: start from the last notice's.
        publish_form = PublishForm(applications=publishable, initial=selectors.last_contacts())
    return render(
        request,
        "reviews/notices/manage.html",
        {
            "publish_form": publish_form,
            "has_publishable": publish_form is not None or publishable.exists(),
            "rounds": selectors.rounds_for_result_notice(request.user),
            "notices": selectors.staff_notices(request.user),
            "pending": selectors.pending_objections(request.user),
            "calendar_warning": _calendar_warning(),
        },
        status=status,
    )


@login_required
@require_safe
def manage(request):
    _city_or_404(request)
    return _manage_page(request)


PREVIEW, CONFIRM, EDIT = "preview", "confirm", "edit"


@login_required
@require_POST
def publish(request):
    """发布公示 in two steps: 预览 shows the notice as the public will read it, with the
    form's values carried in hidden fields; 确认发布 publishes them, 返回修改 gives the
    form back as it was filled in. Anything but 确认发布 only previews."""
    _city_or_404(request)
    form = PublishForm(request.POST, applications=selectors.publishable_applications())
    action = request.POST.get("action")
    if action == EDIT:
        form.is_valid()  # the errors, if any, show beside the fields again
        return _manage_page(request, publish_form=form)
    if form.is_valid() and action != CONFIRM:
        data = form.cleaned_data
        try:
            draft = services.draft_notice(
                actor=request.user,
                applications=list(data["applications"]),
                start_date=data["start_date"],
                business_contact=data["business_contact"],
                supervision_contact=data["supervision_contact"],
                title=data["title"],
            )
        except (ValidationError, PermissionDenied) as exc:
            form.add_error(None, _messages(exc))
        else:
            return render(
                request,
                "reviews/notices/preview.html",
                {
                    "form": form,
                    "notice": draft,
                    "calendar_warning": _calendar_warning(),
                    "unknown_years": _unknown_years(draft),
                },
            )
    elif form.is_valid():
        data = form.cleaned_data
        try:
            notice = services.publish_notice(
                actor=request.user,
                applications=list(data["applications"]),
                start_date=data["start_date"],
                business_contact=data["business_contact"],
                supervision_contact=data["supervision_contact"],
                title=data["title"],
            )
        except (ValidationError, PermissionDenied, StaleApplication) as exc:
            form.add_error(None, _messages(exc))
        else:
            _published(request, notice)
            return redirect("notices:manage")
    return _manage_page(request, publish_form=form, status=422)


def _date(day):
    return f"{day.year}年{day.month}月{day.day}日"


def _published(request, notice) -> None:
    messages.success(
        request,
        _("已发布公示 %(number)s，公示期至%(end)s。")
        % {"number": notice.number, "end": _date(notice.end_date)},
    )
    unknown = unknown_years(notice.start_date, notice.end_date)
    if unknown:
        messages.warning(
            request,
            _("%(years)s的法定节假日安排尚未录入，本次公示截止日期暂按周一至周五计算。")
            % {"years": "、".join(f"{y}年" for y in unknown)},
        )


def _unknown_years(draft) -> str:
    return "、".join(f"{y}年" for y in unknown_years(draft.start_date, draft.end_date))


@login_required
@require_http_methods(["GET", "POST"])
def publish_round(request, round_pk):
    """发布结果公示 of a round: the form prefilled (title of the year, the last notice's
    contact lines) with the notice as the public will read it below; 更新预览 redraws it
    with what was typed; any other POST publishes, and goes to the notice's page."""
    round = selectors.round_for_notice(request.user, round_pk)
    initial = {"title": services.result_notice_title("", round), **selectors.last_contacts()}
    form = RoundPublishForm(request.POST or None, initial=initial)
    if form.is_bound and form.is_valid() and request.POST.get("action") != PREVIEW:
        from reporting.assessments.workflow import StaleAssessment

        try:
            notice = services.publish_result_notice(
                actor=request.user, round=round, **form.cleaned_data
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        except (PermissionDenied, StaleAssessment) as exc:
            form.add_error(None, _messages(exc))
        else:
            _published(request, notice)
            return redirect("notices:detail", pk=notice.pk)
    # The preview reads what was typed where it is valid, the initial values elsewhere
    # (the errors are shown at their fields).
    values = {name: form.get_initial_for_field(f, name) for name, f in form.fields.items()}
    if form.is_bound:
        values.update(form.cleaned_data)
    draft = services.draft_result_notice(actor=request.user, round=round, **values)
    return render(
        request,
        "reviews/notices/publish_round.html",
        {
            "round": round,
            "form": form,
            "notice": draft,
            "results": selectors.draft_results(draft),
            "calendar_warning": _calendar_warning(),
            "unknown_years": _unknown_years(draft),
        },
        status=422 if form.errors else 200,
    )


def _add_errors(form, exc: ValidationError) -> None:
    """A service's refusal at its field when it names one of the form's, else above."""
    if hasattr(exc, "error_dict") and set(exc.error_dict) <= set(form.fields):
        form.add_error(None, exc)
    else:
        form.add_error(None, _messages(exc))


def _messages(exc) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or _("您无权执行该操作。")


def _staff_notice(request, pk):
    _city_or_404(request)
    try:
        return PublicNotice.objects.get(pk=pk)
    except PublicNotice.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_http_methods(["GET", "POST"])
def register_objection(request, pk):
    notice = _staff_notice(request, pk)
    targets = _targets(notice)
    if request.method == "POST":
        form = RegisterObjectionForm(request.POST, request.FILES, **targets)
        if form.is_valid():
            data = form.cleaned_data
            try:
                objection = services.register_objection(
                    actor=request.user,
                    notice=notice,
                    **_subject(data),
                    received_on=data["received_on"],
                    name=data["name"],
                    unit=data["unit"],
                    phone=data["phone"],
                    email=data["email"],
                    reasons=data["reasons"],
                    evidence=data["evidence"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("已登记该书面异议。"))
                return redirect("notices:objection", pk=objection.pk)
        status = 422
    else:
        form = RegisterObjectionForm(**targets)
        status = 200
    return render(
        request,
        "reviews/notices/register.html",
        {"notice": notice, "form": form, "has_targets": next(iter(targets.values())).exists()},
        status=status,
    )


def _objection_page(request, objection, verify_form=None, finding_form=None, status=200):
    return render(
        request,
        "reviews/notices/objection.html",
        {
            "objection": objection,
            "others": selectors.objections_on(
                request.user,
                application=objection.application_id and objection.application,
                assessment=objection.assessment_id and objection.assessment,
            ).exclude(pk=objection.pk),
            "verify_form": verify_form or VerifyForm(),
            "finding_form": finding_form or FindingForm(),
            "can_verify": objection.status == Objection.Status.RECEIVED,
            "can_record": objection.status == Objection.Status.VERIFYING,
            "calendar_warning": _calendar_warning(),
        },
        status=status,
    )


@login_required
@require_safe
def objection_detail(request, pk):
    return _objection_page(request, selectors.objection_for_staff(request.user, pk))


@login_required
@require_POST
def verify(request, pk):
    objection = selectors.objection_for_staff(request.user, pk)
    form = VerifyForm(request.POST)
    if form.is_valid():
        try:
            services.verify_objection(
                actor=request.user, objection=objection, note=form.cleaned_data["note"]
            )
        except (ValidationError, PermissionDenied, StaleApplication) as exc:
            form.add_error(None, _messages(exc))
        else:
            messages.success(
                request,
                _("已受理该异议，申请进入异议核查。")
                if objection.application_id
                else _("已受理该异议，开始核查；核查办结前该考核结果暂不发布。"),
            )
            return redirect("notices:objection", pk=objection.pk)
    return _objection_page(request, objection, verify_form=form, status=422)


@login_required
@require_POST
def record_finding(request, pk):
    objection = selectors.objection_for_staff(request.user, pk)
    form = FindingForm(request.POST)
    if form.is_valid():
        try:
            services.record_finding(
                actor=request.user,
                objection=objection,
                outcome=form.cleaned_data["outcome"],
                finding=form.cleaned_data["finding"],
            )
        except (ValidationError, PermissionDenied, StaleApplication) as exc:
            form.add_error(None, _messages(exc))
        else:
            subject = objection.subject
            subject.refresh_from_db(fields=["state"])
            messages.success(
                request,
                (
                    _("已记录核查结论。申请当前状态：%(state)s。")
                    if objection.application_id
                    else _("已记录核查结论。考核结果当前状态：%(state)s。")
                )
                % {"state": subject.get_state_display()},
            )
            return redirect("notices:objection", pk=objection.pk)
    return _objection_page(request, objection, finding_form=form, status=422)


@dataclass(frozen=True)
class _Evidence:
    """What attachment_response expects of an upload."""

    file: FieldFile
    original_name: str
    content_type: str


@login_required
@require_safe
def evidence(request, pk):
    objection = selectors.objection_for_staff(request.user, pk)
    if not objection.evidence:
        raise Http404
    return attachment_response(
        _Evidence(
            file=objection.evidence,
            original_name=objection.evidence_name,
            content_type=objection.evidence_type,
        )
    )


# --- The application page's panel --------------------------------------------------------


def panel_context(request, application) -> dict:
    """The notices panel on the application page. City staff see everything with links
    to the manage pages; the applicant (and the county) see the notice dates and how the
    objections went, never who objected. {} for everyone else, or when there is nothing
    to show."""
    user = request.user
    is_city = policy.is_city(user)
    if not (
        is_city
        or policy.is_owner(user, application)
        or policy.is_county_reviewer_for(user, application)
    ):
        return {}
    notices = selectors.application_notices(application)
    if not notices:
        return {}
    panel = {"notices": notices, "staff": is_city}
    if is_city:
        panel["objections"] = list(selectors.objections_for_application(user, application))
    else:
        panel["summaries"] = selectors.objection_summaries(application)
    return {"notices_panel": panel}

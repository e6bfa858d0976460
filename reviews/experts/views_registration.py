"""Thin views of an expert's self-registration, city staff's check and the expert's own
profile: form → service → redirect. The rate limit and the captcha of members.accounts
stand before every anonymous write; anyone who may not see a page gets 404."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications.uploads import attachment_response
from liaoyang_consortia.audit import client_ip
from liaoyang_consortia.models import AuditEvent
from members.accounts.services import email_link_refusal
from members.accounts.views import _count_refusal, _rate_limited, _too_many
from members.roles import Role, has_role
from members.views import _add_errors
from reviews.experts import selectors_registration as selectors
from reviews.experts import services_registration as services
from reviews.experts.forms_registration import (
    ExpertRegistrationForm,
    ProfileForm,
    ResendForm,
    ReturnForm,
    VerifyForm,
)
from reviews.models import ExpertProfile

T = "reviews/experts/registration/"
KIND = AuditEvent.Kind.REGISTRATION


# --- the public side ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register(request):
    form = ExpertRegistrationForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST":
        if _rate_limited(request, KIND):
            return _too_many(request, T + "register.html", context)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.register_expert(
                    name=data["name"],
                    email=data["email"],
                    password=data["password1"],
                    details=form.details(),
                    cv=data["cv"],
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                _add_errors(form, exc, rename=ExpertRegistrationForm.SERVICE_FIELDS)
            else:
                request.session["expert_registered_email"] = data["email"]
                return redirect("experts:register_done")
        else:
            _count_refusal(request, KIND)
        return render(request, T + "register.html", context, status=422)
    return render(request, T + "register.html", context)


@require_safe
def register_done(request):
    return render(
        request, T + "done.html", {"email": request.session.get("expert_registered_email")}
    )


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    # A GET only shows the button: mail scanners that open links must not confirm.
    profile = services.awaiting_confirmation(token)
    refusal = email_link_refusal(profile)
    if refusal:
        return render(request, T + "confirm.html", {"reason": refusal}, status=404)
    if request.method == "POST":
        try:
            profile = services.confirm_email(token=token)
        except ValidationError as exc:  # used or expired between the page and the click
            return render(
                request, T + "confirm.html", {"reason": " ".join(exc.messages)}, status=404
            )
        login(request, profile.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("邮箱已确认，专家注册已提交市科技局核验，核验结果将通知您。"))
        return redirect("experts:profile")
    return render(request, T + "confirm.html", {"profile": profile})


@require_http_methods(["GET", "POST"])
def resend(request):
    form = ResendForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST":
        if _rate_limited(request, KIND):
            return _too_many(request, T + "resend.html", context)
        if form.is_valid():
            services.resend_confirmation(email=form.cleaned_data["email"], ip=client_ip(request))
            messages.success(
                request,
                _(
                    "如果该邮箱有待确认的专家注册，我们已发送新的确认链接（24小时内有效），"
                    "之前的链接随即失效。"
                ),
            )
            return redirect("experts:register_resend")
        _count_refusal(request, KIND)
        return render(request, T + "resend.html", context, status=422)
    return render(request, T + "resend.html", context)


# --- city staff's check -------------------------------------------------------------------


def _require_city_staff(request):
    if not has_role(request.user, Role.CITY_STAFF):
        raise Http404


@login_required
@require_safe
def queue(request):
    _require_city_staff(request)
    status = request.GET.get("status") or ""
    if status not in selectors.QUEUE_STATUSES:
        status = ""
    counts = selectors.queue_counts()
    return render(
        request,
        T + "queue.html",
        {
            "profiles": selectors.queue(status=status or None),
            "status": status,
            "tabs": [
                (value, ExpertProfile.Status(value).label, counts.get(value, 0))
                for value in selectors.QUEUE_STATUSES
            ],
        },
    )


def _detail_page(request, profile, *, verify_form=None, return_form=None, status=200):
    return render(
        request,
        T + "detail.html",
        {
            "profile": profile,
            "verify_form": verify_form or VerifyForm(),
            "return_form": return_form or ReturnForm(),
        },
        status=status,
    )


@login_required
@require_safe
def detail(request, pk):
    return _detail_page(request, selectors.registration_for(request.user, pk))


@login_required
@require_POST
def decide(request, pk):
    profile = selectors.registration_for(request.user, pk)
    action = request.POST.get("action")
    verify_form = VerifyForm(request.POST if action == "verify" else None)
    return_form = ReturnForm(request.POST if action == "return" else None)
    form = verify_form if action == "verify" else return_form
    if action in ("verify", "return") and form.is_valid():
        try:
            if action == "verify":
                services.verify_registration(actor=request.user, profile=profile)
                messages.success(
                    request, _("已核验通过，%(name)s已进入专家库。") % {"name": profile.name}
                )
            else:
                services.return_registration(
                    actor=request.user, profile=profile, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("已退回，注册人将看到退回原因。"))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("experts:registrations")
    elif action not in ("verify", "return"):
        messages.error(request, _("请选择核验通过或退回修改。"))
    return _detail_page(
        request, profile, verify_form=verify_form, return_form=return_form, status=422
    )


@login_required
@require_safe
def cv(request, pk):
    return attachment_response(_CvFile(selectors.cv_for(request.user, pk)))


class _CvFile:
    """What attachment_response expects of an upload."""

    def __init__(self, profile):
        self.file = profile.cv
        self.original_name = profile.cv_name
        self.content_type = profile.cv_content_type


# --- the expert's own profile -------------------------------------------------------------


def _editable(profile) -> bool:
    return profile.status not in (ExpertProfile.Status.EMAIL_PENDING, ExpertProfile.Status.PENDING)


# On the profile page the CV is never required: an expert an admin entered may have none,
# and the yearly update must not wait for one.
def _profile_page(request, profile, *, form=None, status=200):
    if form is None and _editable(profile):
        form = ProfileForm(initial=ProfileForm.initial_from(profile), cv_required=False)
    return render(
        request,
        T + "profile.html",
        {"profile": profile, "form": form, "editable": _editable(profile)},
        status=status,
    )


@login_required
@require_safe
def profile(request):
    return _profile_page(request, selectors.own_profile(request.user))


@login_required
@require_POST
def profile_update(request):
    own = selectors.own_profile(request.user)
    if not _editable(own):
        raise Http404
    form = ProfileForm(request.POST, request.FILES, cv_required=False)
    if form.is_valid():
        try:
            updated = services.update_profile(
                actor=request.user,
                profile=own,
                details=form.details(),
                cv=form.cleaned_data.get("cv"),
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if updated.status == ExpertProfile.Status.PENDING:
                messages.success(request, _("已重新提交市科技局核验，核验结果将通知您。"))
            else:
                messages.success(request, _("专家信息已更新，本年度信息更新已完成。"))
            return redirect("experts:profile")
    return _profile_page(request, own, form=form, status=422)


@login_required
@require_POST
def profile_confirm(request):
    own = selectors.own_profile(request.user)
    try:
        services.confirm_unchanged(actor=request.user, profile=own)
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("已确认信息无变化，本年度信息更新已完成。"))
    return redirect("experts:profile")

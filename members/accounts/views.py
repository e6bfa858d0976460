"""Thin views for registration, verification and password recovery: form → service →
redirect. The rate limit and the captcha stand before every anonymous write."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from applications.uploads import attachment_response
from liaoyang_consortia.audit import client_ip
from liaoyang_consortia.models import AuditEvent
from members import selectors as members_selectors
from members.accounts import policy, rules, selectors, services
from members.accounts.forms import (
    PortalPasswordResetForm,
    RegistrationForm,
    ResendForm,
    ReturnForm,
    UnitDetailsForm,
    VerifyForm,
)
from members.models import UnitRegistration
from members.views import _add_errors


def _rate_limited(request, kind) -> bool:
    attempts = selectors.attempts_from(client_ip(request), kind)
    return rules.over_rate_limit(attempts, settings.ACCOUNT_RATE_LIMIT_PER_HOUR)


def _count_refusal(request, kind) -> None:
    services.refused_request(kind=kind, ip=client_ip(request), path=request.path)


def _too_many(request, template, context):
    context["rate_limited"] = _(
        "本机提交过于频繁（每小时最多%(n)d次），请一小时后再试。如有急事，请联系市科技局。"
    ) % {"n": settings.ACCOUNT_RATE_LIMIT_PER_HOUR}
    return render(request, template, context, status=429)


@require_http_methods(["GET", "POST"])
def register(request):
    form = RegistrationForm(request.POST or None, request.FILES or None)
    context = {"form": form}
    if request.method == "POST":
        if _rate_limited(request, AuditEvent.Kind.REGISTRATION):
            return _too_many(request, "members/register.html", context)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.register_unit(
                    details=form.details(),
                    registrant_name=data["registrant_name"],
                    mobile=data["mobile"],
                    email=data["email"],
                    password=data["password1"],
                    licence=data["licence"],
                    ip=client_ip(request),
                )
            except ValidationError as exc:
                _add_errors(form, exc, rename=RegistrationForm.SERVICE_FIELDS)
            else:
                request.session["registered_email"] = data["email"]
                return redirect("accounts:register_done")
        else:
            _count_refusal(request, AuditEvent.Kind.REGISTRATION)
        return render(request, "members/register.html", context, status=422)
    return render(request, "members/register.html", context)


@require_safe
def register_done(request):
    return render(
        request, "members/register_done.html", {"email": request.session.get("registered_email")}
    )


@require_http_methods(["GET", "POST"])
def confirm_email(request, token):
    registration = selectors.awaiting_confirmation(token)
    refusal = services.email_link_refusal(registration)
    if refusal:
        return render(request, "members/link_invalid.html", {"reason": refusal}, status=404)
    if request.method == "POST":
        try:
            registration = services.confirm_email(token=token)
        except ValidationError as exc:  # used or expired between the page and the click
            return render(
                request, "members/link_invalid.html", {"reason": " ".join(exc.messages)}, status=404
            )
        login(request, registration.registrant, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _("邮箱已确认，单位注册已提交核验。核验通过前，您可以先填写申报草稿，但不能提交。"),
        )
        return redirect("members:registration")
    return render(request, "members/confirm_email.html", {"registration": registration})


@require_http_methods(["GET", "POST"])
def resend(request):
    form = ResendForm(request.POST or None)
    context = {"form": form}
    if request.method == "POST":
        if _rate_limited(request, AuditEvent.Kind.REGISTRATION):
            return _too_many(request, "members/resend.html", context)
        if form.is_valid():
            services.resend_confirmation(email=form.cleaned_data["email"], ip=client_ip(request))
            messages.success(
                request,
                _(
                    "如果该邮箱有待确认的单位注册，我们已发送新的确认链接（24小时内有效），"
                    "之前的链接随即失效。"
                ),
            )
            return redirect("accounts:resend")
        _count_refusal(request, AuditEvent.Kind.REGISTRATION)
        return render(request, "members/resend.html", context, status=422)
    return render(request, "members/resend.html", context)


# --- The unit's own registration page ---------------------------------------------------


def _registration_page(request, *, form=None, status=200):
    # Only a unit's own users (an expert's employer is not a unit the expert acts for).
    organization = members_selectors.unit_for(request.user)
    registration = selectors.own_registration(request.user)
    can_resubmit = policy.may_resubmit(request.user, registration)
    can_change = policy.may_request_change(request.user, organization, registration)
    if form is None and can_resubmit:
        form = UnitDetailsForm(
            initial=UnitDetailsForm.initial_from(registration), licence_required=False
        )
    elif form is None and can_change:
        form = UnitDetailsForm(initial=UnitDetailsForm.initial_from_unit(organization))
    return render(
        request,
        "members/registration.html",
        {
            "organization": organization,
            "registration": registration,
            "form": form,
            "can_resubmit": can_resubmit,
            "can_change": can_change,
        },
        status=status,
    )


@login_required
@require_safe
def registration(request):
    return _registration_page(request)


@login_required
@require_POST
def resubmit(request):
    members_selectors.unit_for(request.user)
    registration = selectors.own_registration(request.user)
    if not policy.may_resubmit(request.user, registration):
        raise Http404
    form = UnitDetailsForm(request.POST, request.FILES, licence_required=False)
    if form.is_valid():
        try:
            services.resubmit_registration(
                actor=request.user,
                registration=registration,
                details=form.details(),
                licence=form.cleaned_data.get("licence"),
            )
        except ValidationError as exc:
            if getattr(exc, "code", None) == "stale":
                messages.error(request, " ".join(exc.messages))
                return redirect("members:registration")
            _add_errors(form, exc)
        else:
            messages.success(request, _("已重新提交核验，核验结果将通知您。"))
            return redirect("members:registration")
    return _registration_page(request, form=form, status=422)


@login_required
@require_POST
def request_change(request):
    members_selectors.unit_for(request.user)
    if not members_selectors.is_unit_admin(request.user):
        raise Http404
    form = UnitDetailsForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.request_change(
                actor=request.user, details=form.details(), licence=form.cleaned_data["licence"]
            )
        except PermissionDenied:
            raise Http404 from None
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request, _("变更申请已提交核验；核验通过前，本单位信息仍按原核验结果显示。")
            )
            return redirect("members:registration")
    return _registration_page(request, form=form, status=422)


# --- Verification (county reviewers, city staff) ---------------------------------------


@login_required
@require_safe
def queue(request):
    if not policy.is_verifier(request.user):
        raise Http404
    state = request.GET.get("state") or ""
    if state not in UnitRegistration.State.values:
        state = ""
    counts = selectors.queue_counts(request.user)
    return render(
        request,
        "members/registration_queue.html",
        {
            "registrations": selectors.queue(request.user, state=state or None),
            "state": state,
            "tabs": [
                (value, label, counts.get(value, 0))
                for value, label in UnitRegistration.State.choices
                if value not in selectors.UNCONFIRMED
            ],
        },
    )


def _detail_page(request, registration, *, verify_form=None, return_form=None, status=200):
    return render(
        request,
        "members/registration_detail.html",
        {
            "registration": registration,
            "organization": registration.organization,
            "may_verify": policy.may_verify(request.user, registration),
            "verify_form": verify_form or VerifyForm(),
            "return_form": return_form or ReturnForm(),
        },
        status=status,
    )


@login_required
@require_safe
def detail(request, pk):
    registration = selectors.registration_for(request.user, pk)
    if not policy.may_verify(request.user, registration):
        # The registrant's side reads it on their own page.
        return redirect("members:registration")
    return _detail_page(request, registration)


@login_required
@require_POST
def decide(request, pk):
    registration = selectors.registration_for(request.user, pk)
    if not policy.may_verify(request.user, registration):
        raise Http404
    action = request.POST.get("action")
    verify_form = VerifyForm(request.POST if action == "verify" else None)
    return_form = ReturnForm(request.POST if action == "return" else None)
    form = verify_form if action == "verify" else return_form
    if action in ("verify", "return") and form.is_valid():
        try:
            if action == "verify":
                services.verify_registration(actor=request.user, registration=registration)
                messages.success(request, _("已核验通过，注册人已成为本单位的单位管理员。"))
            else:
                services.return_registration(
                    actor=request.user,
                    registration=registration,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("已退回，注册人将看到退回原因。"))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("members:registration_queue")
    elif action not in ("verify", "return"):
        messages.error(request, _("请选择核验通过或退回。"))
    return _detail_page(
        request, registration, verify_form=verify_form, return_form=return_form, status=422
    )


@login_required
@require_safe
def licence(request, pk):
    registration = selectors.registration_for(request.user, pk)
    return attachment_response(_LicenceFile(registration))


class _LicenceFile:
    """What attachment_response expects of an upload."""

    def __init__(self, registration):
        self.file = registration.licence
        self.original_name = registration.licence_name
        self.content_type = registration.licence_content_type


# --- Password recovery (Django's views, in Chinese, rate-limited) ----------------------


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PortalPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def post(self, request, *args, **kwargs):
        if _rate_limited(request, AuditEvent.Kind.PASSWORD_RESET):
            form = self.get_form()
            return _too_many(request, self.template_name, self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        # The same answer whether or not the address has an account (the done page).
        with transaction.atomic():
            response = super().form_valid(form)
            services.password_reset_requested(
                email=form.cleaned_data["email"], ip=client_ip(self.request), sent=form.sent
            )
        return response

    def form_invalid(self, form):
        _count_refusal(self.request, AuditEvent.Kind.PASSWORD_RESET)
        response = super().form_invalid(form)
        response.status_code = 422
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_was_reset(user=form.user, ip=client_ip(self.request))
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's, and a password an admin set is no longer pending a change."""

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_was_changed(user=form.user)
        return response

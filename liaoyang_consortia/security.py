"""The second factor (TOTP, django-otp) for the accounts that can change any application:
city staff and admins (issue 6). With settings.REQUIRE_2FA on, such a user whose session has
not passed a one-time code reaches nothing but the code page, logout, static files and the
health check.

The code page is served by the middleware itself at OTP_PATH, so that it cannot be cut off
by the very rule it exists to satisfy (and needs no entry in the URL configuration)."""

import base64
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from members.roles import Role, roles_of

OTP_PATH = "/accounts/otp/"
DEVICE_NAME = "authenticator"


def needs_second_factor(user) -> bool:
    """Whether this user must pass a one-time code (whatever the setting says)."""
    if not getattr(user, "is_authenticated", False):
        return False
    roles = roles_of(user)
    # is_staff too: whoever can open the admin can change anything there.
    return Role.CITY_STAFF in roles or Role.ADMIN in roles or user.is_staff


def _is_verified(user) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def _exempt(path: str) -> bool:
    return (
        path == OTP_PATH
        or path == reverse("logout")
        or path == reverse("healthz")
        or path.startswith(settings.STATIC_URL)
    )


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("动态验证码"),
        min_length=6,
        max_length=6,
        help_text=gettext_lazy("身份验证器应用中显示的 6 位数字，每 30 秒更新一次。"),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}"}
        ),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(_("验证码是 6 位数字。"))
        return token


def _pending_device(user) -> TOTPDevice:
    """The user's unconfirmed device: reused, so the secret shown stays the same while the
    user types it into the app."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


@never_cache
@csrf_protect
def otp_view(request):
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(OTP_PATH)
    if _is_verified(user) or not needs_second_factor(user):
        return HttpResponseRedirect(_safe_next(request))

    confirmed = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    setup = None if confirmed else _pending_device(user)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            token = form.cleaned_data["token"]
            # Whether a device was held back before this try, not after it: a first wrong
            # code itself starts the wait, and must be told as wrong, not as "too many".
            devices = [d for d in (confirmed or [setup]) if d.verify_is_allowed()[0]]
            for device in devices:
                if device.verify_token(token):
                    if not device.confirmed:
                        device.confirmed = True
                        device.save(update_fields=["confirmed"])
                    otp_login(request, device)
                    return HttpResponseRedirect(_safe_next(request))
            if not devices:
                form.add_error(
                    "token", _("验证码错误次数过多，请稍候再试（等待时间随错误次数增加）。")
                )
            else:
                form.add_error("token", _("验证码不正确或已过期，请重新输入。"))
        status = 422
    context = {
        "form": form,
        "next": _safe_next(request),
        "setup": setup,
        "secret": base64.b32encode(setup.bin_key).decode("ascii") if setup else "",
        "config_url": setup.config_url if setup else "",
    }
    return render(request, "registration/otp.html", context, status=status)


class TwoFactorMiddleware:
    """Keeps unverified city staff and admins on the code page while REQUIRE_2FA is on."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == OTP_PATH:
            return otp_view(request)
        user = getattr(request, "user", None)
        if (
            getattr(settings, "REQUIRE_2FA", False)
            and needs_second_factor(user)
            and not _is_verified(user)
            and not _exempt(request.path)
        ):
            target = OTP_PATH + "?" + urlencode({"next": request.get_full_path()})
            if request.headers.get("HX-Request"):
                # htmx would swap the code page into a fragment: make the browser go there.
                return HttpResponse(status=204, headers={"HX-Redirect": target})
            return HttpResponseRedirect(target)
        return self.get_response(request)


def axes_username(request, credentials):
    """The username axes records for a login attempt, cut to what a username can be.
    Axes reads it from the raw POST, before any form validation, and stores it in a
    255-character column: a longer one would end the request in a database error."""
    username = (credentials or {}).get("username") or request.POST.get("username") or ""
    return str(username).replace("\x00", "")[:150]

"""A user whose password an admin set (a new staff account, a reset in the admin) reaches
nothing but the password-change page until they choose their own (DESIGN.md §13)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from liaoyang_consortia.security import OTP_PATH


def _must_change(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    profile = getattr(user, "profile", None)
    return bool(profile and profile.must_change_password)


class PasswordChangeRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if _must_change(user) and not self._exempt(request.path):
            target = reverse("password_change")
            if request.headers.get("HX-Request"):
                return HttpResponse(status=204, headers={"HX-Redirect": target})
            messages.warning(
                request, _("您的密码由系统管理员设置。为保障账号安全，请先设置一个新密码。")
            )
            return HttpResponseRedirect(target)
        return self.get_response(request)

    @staticmethod
    def _exempt(path: str) -> bool:
        return (
            path in (reverse("password_change"), reverse("password_change_done"), reverse("logout"))
            or path.startswith(settings.STATIC_URL)
            or path == reverse("healthz")
            or path == OTP_PATH
        )

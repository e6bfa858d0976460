from captcha import views as captcha_views
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from applications.guides import urls as guide_urls
from liaoyang_consortia import views
from members.accounts import views as accounts
from members.forms import PortalAuthenticationForm

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=PortalAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_change/", accounts.PasswordChangeView.as_view(), name="password_change"
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/", include("members.accounts.urls")),
    path("accounts/password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        accounts.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # Only the captcha's images (no audio: no speech synthesiser here; no refresh: the
    # page is reloaded for a new one).
    re_path(
        r"^captcha/image/(?P<key>\w+)/$",
        captcha_views.captcha_image,
        {"scale": 1},
        name="captcha-image",
    ),
    re_path(
        r"^captcha/image/(?P<key>\w+)@2/$",
        captcha_views.captcha_image,
        {"scale": 2},
        name="captcha-image-2x",
    ),
    path("applications/", include("applications.urls")),
    path("my-consortia/", include("applications.urls_consortia")),
    path("unit/", include("members.urls")),
    path("integrity/", include("members.integrity.urls")),
    path("reports/", include("reporting.urls")),
    path("assessments/", include("reporting.assessments.urls")),
    path("reviews/experts/", include("reviews.experts.urls")),
    path("notices/", include("reviews.notices.urls")),
    path("", include("reviews.decisions.urls")),
    path("statistics/", include("reporting.urls_stats")),
    path("support/", include("reporting.support.urls")),
    path("coordination/", include("reporting.coordination.urls")),
    path("guides/", include(guide_urls.guide_patterns)),
    path("intents/", include(guide_urls.intent_patterns)),
    path("admin/", admin.site.urls),
]

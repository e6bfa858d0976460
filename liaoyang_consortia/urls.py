from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from liaoyang_consortia import views
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
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("applications/", include("applications.urls")),
    path("my-consortia/", include("applications.urls_consortia")),
    path("unit/", include("members.urls")),
    path("reports/", include("reporting.urls")),
    path("reviews/experts/", include("reviews.urls_experts")),
    path("notices/", include("reviews.urls_notices")),
    path("", include("reviews.urls_decisions")),
    path("statistics/", include("reporting.urls_stats")),
    path("admin/", admin.site.urls),
]

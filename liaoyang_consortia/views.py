from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from liaoyang_consortia import notifications
from liaoyang_consortia.health import health
from liaoyang_consortia.models import Notification
from members.models import IndustryField


@require_safe
def home(request):
    from applications.guides.selectors import guide_in_force
    from members.selectors import policy_in_force

    fields = IndustryField.objects.filter(is_active=True, in_scope=True)
    return render(
        request,
        "home.html",
        {"industry_fields": fields, "policy": policy_in_force(), "guide": guide_in_force()},
    )


@never_cache
@require_safe
def healthz(request):
    healthy, report = health()
    return JsonResponse(report, status=200 if healthy else 503)


@login_required
@require_http_methods(["GET", "POST"])
def notification_list(request):
    if request.method == "POST":
        notifications.mark_read(user=request.user)
        messages.success(request, _("已全部标为已读。"))
        return redirect("notifications")
    items = Notification.objects.filter(recipient=request.user).order_by("-created_at")[:100]
    return render(request, "notifications.html", {"items": items})


@login_required
@require_safe
def notification_open(request, pk):
    """Open a notification's link, marking it read."""
    note = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications.mark_read(user=request.user, ids=[note.pk])
    return redirect(note.url or "notifications")

"""The audit trail (issue 6): one append-only table, AuditEvent, for sign-ins, refusals and
state changes, so an inspector reads one list instead of web-server logs, axes' attempts
and django-fsm-log side by side.

Receivers are connected in SiteConfig.ready() (liaoyang_consortia/apps.py) through
connect(); the middleware is in settings.MIDDLEWARE."""

import logging

from axes.helpers import get_client_ip_address
from django.contrib.admin.models import LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django_fsm.signals import post_transition

from liaoyang_consortia.models import AuditEvent

logger = logging.getLogger(__name__)

# Paths where a refusal means someone tried to reach another party's files: the portal's
# object pages answer 404 (or 403) to users who may not see the object.
WATCHED_PREFIXES = (
    "/applications/",
    "/reports/",
    "/my-consortia/",
    "/notices/manage/",
    "/reviews/",
    "/integrity/",
    "/assessments/",
)
DENIED_STATUSES = {403, 404}


def client_ip(request) -> str | None:
    if request is None:
        return None
    try:
        # The same reading of proxies as axes (AXES_IPWARE_PROXY_COUNT), so both agree.
        return get_client_ip_address(request) or None
    except Exception:  # noqa: BLE001 - an odd header must never break a request
        return request.META.get("REMOTE_ADDR") or None


def _clean(value):
    # PostgreSQL text and jsonb refuse NUL characters, which anyone can type into a form:
    # a hostile username must still leave its trace, not a server error.
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_clean(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def record(*, kind, actor=None, request=None, path="", detail=None, ip=None) -> AuditEvent:
    """Append one event. `actor` is a user or None; `request`, when there is one, gives the
    path and the client IP (a service, which never sees the request, passes `ip`)."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if request is not None and not path:
        path = request.get_full_path()
    return AuditEvent.objects.create(
        kind=kind,
        actor=actor,
        path=_clean(path)[:500],
        ip=client_ip(request) if request is not None else ip,
        detail=_clean(detail or {}),
    )


def _on_login(sender, request, user, **kwargs):
    record(kind=AuditEvent.Kind.LOGIN, actor=user, request=request)


def _on_logout(sender, request, user, **kwargs):
    record(kind=AuditEvent.Kind.LOGOUT, actor=user, request=request)


def _on_login_failed(sender, credentials, request=None, **kwargs):
    # Only the username: credentials arrive already cleansed, but nothing else is needed.
    username = str(credentials.get("username", ""))[:150]
    record(kind=AuditEvent.Kind.LOGIN_FAILED, request=request, detail={"username": username})


def _on_transition(sender, instance, name, source, target, **kwargs):
    method_kwargs = kwargs.get("method_kwargs") or {}
    actor = method_kwargs.get("by")
    detail = {
        "model": sender._meta.label,
        "id": instance.pk,
        "transition": name,
        "source": str(source),
        "target": str(target),
    }
    description = method_kwargs.get("description")
    if description:
        detail["description"] = str(description)[:1000]
    if kwargs.get("exception") is not None:
        detail["exception"] = type(kwargs["exception"]).__name__
    record(kind=AuditEvent.Kind.TRANSITION, actor=actor, detail=detail)


def _on_admin_change(sender, instance, created, raw=False, **kwargs):
    # Every add/change/delete made in the admin (Django writes a LogEntry for each).
    if not created or raw:
        return
    record(
        kind=AuditEvent.Kind.CHANGE,
        actor=instance.user,
        path="/admin/",
        detail={
            "model": instance.content_type.model_class()._meta.label
            if instance.content_type_id and instance.content_type.model_class()
            else "",
            "object_id": instance.object_id or "",
            "object": instance.object_repr,
            "action": {1: "add", 2: "change", 3: "delete"}.get(instance.action_flag, ""),
            "message": instance.get_change_message()[:1000],
        },
    )


def connect():
    user_logged_in.connect(_on_login, dispatch_uid="audit_login")
    user_logged_out.connect(_on_logout, dispatch_uid="audit_logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="audit_login_failed")
    post_transition.connect(_on_transition, dispatch_uid="audit_transition")
    post_save.connect(_on_admin_change, sender=LogEntry, dispatch_uid="audit_admin_change")


class DeniedAccessAuditMiddleware:
    """Records each 403/404 answered to a signed-in user on the watched paths: the trace an
    inspector looks for when someone probes other parties' applications."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code in DENIED_STATUSES
            and request.path.startswith(WATCHED_PREFIXES)
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
        ):
            try:
                record(
                    kind=AuditEvent.Kind.DENIED,
                    actor=request.user,
                    request=request,
                    detail={"status": response.status_code, "method": request.method},
                )
            except Exception:
                # The refusal itself must still reach the user; the log says what was lost.
                logger.exception("audit: could not record a denied access to %s", request.path)
        return response

"""One log line per request and per Celery task (DESIGN.md §17), each with its request id:
django-log-request-id makes the id (in the response's X-Request-ID header and, through its
filter, in every log line of the request); this adds the status, the user id and the time,
as fields a JSON formatter (LOG_FORMAT=json, python-json-logger) writes as keys."""

import contextlib
import logging
import time

from django.contrib.auth import SESSION_KEY
from django.utils.functional import empty
from log_request_id import local
from log_request_id.middleware import RequestIDMiddleware

logger = logging.getLogger("liaoyang_consortia.requests")
task_logger = logging.getLogger("liaoyang_consortia.tasks")


def _user_id(request):
    """The signed-in user's id, without a query of its own: from the user if the request
    loaded it, else from the session if the request read it (an anonymous page that never
    touched either logs no user)."""
    user = request.__dict__.get("user")
    wrapped = getattr(user, "_wrapped", None)
    if wrapped is not None and wrapped is not empty and getattr(wrapped, "is_authenticated", False):
        return wrapped.pk
    session = getattr(request, "session", None)
    if session is not None and getattr(session, "accessed", False):
        value = session.get(SESSION_KEY)
        return int(value) if value and str(value).isdigit() else value
    return None


class RequestLogMiddleware(RequestIDMiddleware):
    """Outermost: the time covers every other middleware and the header is on every answer."""

    def __call__(self, request):
        started = time.monotonic()
        local.request_id = request.id = request_id = self._get_request_id(request)
        response = self.get_response(request)
        response["X-Request-ID"] = request_id
        ms = round((time.monotonic() - started) * 1000, 1)
        user_id = _user_id(request)
        logger.info(
            "%s %s %s %.1f ms user=%s",
            request.method,
            request.path,
            response.status_code,
            ms,
            user_id if user_id is not None else "-",
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": ms,
                "user_id": user_id,
                "request_id": request_id,
            },
        )
        return response


# --- Celery: one line per task, the task id as its request id -----------------------------

_started: dict[str, float] = {}


def task_prerun(task_id=None, task=None, **kwargs):
    local.request_id = task_id
    _started[task_id] = time.monotonic()


def task_postrun(task_id=None, task=None, state=None, **kwargs):
    ms = round((time.monotonic() - _started.pop(task_id, time.monotonic())) * 1000, 1)
    task_logger.info(
        "task %s %s %.1f ms",
        getattr(task, "name", "?"),
        state,
        ms,
        extra={
            "task": getattr(task, "name", None),
            "task_id": task_id,
            "request_id": task_id,
            "status": state,
            "duration_ms": ms,
            "user_id": None,
        },
    )
    with contextlib.suppress(AttributeError):
        del local.request_id

"""What /healthz reports (DESIGN.md §17): can we reach the database and the Celery broker,
did a worker answer a ping within a second, and did the daily job (beat's, or a cron's
`manage.py run_daily_jobs`) finish within the last 26 hours. In the zero-setup demo there
is no broker, worker or beat: tasks run in-process and those parts say "eager"."""

from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

DAILY_JOB = "daily"
# The daily job runs at 01:30; two hours' grace for a slow run or a restart.
STALE_AFTER = timedelta(hours=26)
PING_TIMEOUT = 1.0


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; the message says which
        return f"error: {type(exc).__name__}"
    return "ok"


def _eager() -> bool:
    return not settings.CELERY_BROKER_URL


def broker_status() -> str:
    if _eager():
        # The zero-setup demo runs tasks in-process; there is no broker to be down.
        return "eager"
    from liaoyang_consortia.celery import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def worker_status() -> str:
    """Whether at least one worker answered a broadcast ping within PING_TIMEOUT."""
    if _eager():
        return "eager"
    from liaoyang_consortia.celery import app

    try:
        replies = app.control.ping(timeout=PING_TIMEOUT)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    if not replies:
        return f"error: no worker answered within {PING_TIMEOUT:g} s"
    return f"ok ({len(replies)})"


def _run(name):
    from liaoyang_consortia.models import JobRun

    run, _created = JobRun.objects.get_or_create(name=name)
    return run


def _stamp(name, field) -> None:
    from liaoyang_consortia.models import JobRun

    JobRun.objects.update_or_create(name=name, defaults={field: timezone.now()})


def job_started(name) -> None:
    _stamp(name, "started_at")


def job_finished(name) -> None:
    _stamp(name, "finished_at")


def beat_status(now=None) -> tuple[str, str | None]:
    """(status, when the daily job last finished, ISO 8601 or None). Stale after 26 hours;
    a new install counts from when it was first seen, so it is not stale before its first
    night."""
    now = now or timezone.now()
    try:
        run = _run(DAILY_JOB)
    except DatabaseError as exc:
        return f"error: {type(exc).__name__}", None
    last = run.finished_at.isoformat() if run.finished_at else None
    if _eager():
        return "eager", last
    since = run.finished_at or run.first_seen_at
    if now - since > STALE_AFTER:
        hours = int((now - since).total_seconds() // 3600)
        if run.finished_at:
            return f"error: the daily job last finished {hours} h ago", last
        return f"error: the daily job has not finished since {since.isoformat()}", last
    return "ok", last


def health() -> tuple[bool, dict]:
    report = {"database": database_status(), "broker": broker_status()}
    if report["database"] == "ok":
        report["beat"], report["daily_job_finished_at"] = beat_status()
    else:
        report["beat"], report["daily_job_finished_at"] = "error: no database", None
    # A ping through a broker that is down would only wait for nothing.
    broken = report["broker"].startswith("error")
    report["worker"] = "error: no broker" if broken else worker_status()
    parts = ("database", "broker", "worker", "beat")
    failing = [p for p in parts if report[p].startswith("error")]
    report["status"] = "error" if failing else "ok"
    if failing:
        report["reasons"] = [f"{p}: {report[p].removeprefix('error: ')}" for p in failing]
    return not failing, report

"""What /healthz reports: can we reach the database and the Celery broker?"""

from django.conf import settings
from django.db import connection


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "down"; the message says which
        return f"error: {type(exc).__name__}"
    return "ok"


def broker_status() -> str:
    if not settings.CELERY_BROKER_URL:
        # The zero-setup demo runs tasks in-process; there is no broker to be down.
        return "eager"
    from liaoyang_consortia.celery import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    return "ok"


def health() -> tuple[bool, dict]:
    report = {"database": database_status(), "broker": broker_status()}
    healthy = all(value in ("ok", "eager") for value in report.values())
    report["status"] = "ok" if healthy else "error"
    return healthy, report

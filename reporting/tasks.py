"""Thin Celery task: parse the date and call the cycle (the daily beat task,
liaoyang_consortia.tasks.run_daily_jobs, runs the same code as part of the day's jobs)."""

from datetime import date

from celery import shared_task
from django.utils import timezone


@shared_task(ignore_result=True)
def run_reporting_cycle_task(date_iso=None):
    from reporting.cycle import run_reporting_cycle

    today = date.fromisoformat(date_iso) if date_iso else timezone.localdate()
    return run_reporting_cycle(today=today)

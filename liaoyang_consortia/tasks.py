"""Thin Celery tasks: load by id and call the code that does the work."""

from celery import shared_task

from liaoyang_consortia import notifications


@shared_task(ignore_result=True)
def deliver_notifications(ids):
    return notifications.deliver(ids)


@shared_task(ignore_result=True)
def sweep_outbox():
    return notifications.sweep()


@shared_task(ignore_result=True)
def run_daily_jobs():
    from liaoyang_consortia.daily import run_daily_jobs as run

    return run()

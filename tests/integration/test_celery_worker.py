"""A real worker on Redis delivers what the outbox holds (DESIGN.md §6)."""

import pytest
from django.conf import settings
from django.db import transaction

from applications import services, workflow
from liaoyang_consortia.models import Notification
from liaoyang_consortia.tasks import run_daily_jobs
from tests.factories import make_complete_application
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_it_delivers_a_transitions_notification_by_email(celery_worker_process, alice, bob):
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    alice.email = "alice@example.invalid"
    alice.save()
    application = make_complete_application(lead=alice.profile.organization, creator=alice)
    services.submit(actor=alice, application_id=application.pk)
    with transaction.atomic():
        workflow.perform(
            actor=bob,
            application_id=application.pk,
            transition="county_return",
            comment="请补充第八家单位的签章。",
        )
    note = Notification.objects.get(recipient=alice, event="county_return")

    def sent():
        note.refresh_from_db()
        return note.email_status == "sent"

    assert wait_for(sent), celery_worker_process["log"].read_text()[-2000:]
    mails = "".join(p.read_text() for p in celery_worker_process["mail_dir"].iterdir())
    assert "alice@example.invalid" in mails and "退回修改" in mails


def test_it_runs_the_daily_beat_task_on_the_worker(celery_worker_process, alice, bob):
    from datetime import timedelta

    from django.utils import timezone

    from applications.models import Application, DeadlineReminder

    bob.email = "bob@example.invalid"
    bob.save()
    application = make_complete_application(lead=alice.profile.organization, creator=alice)
    services.submit(actor=alice, application_id=application.pk)
    # Far over the county's 10 working days: the daily job must remind bob.
    Application.objects.filter(pk=application.pk).update(
        state_since=timezone.now() - timedelta(days=40)
    )
    assert run_daily_jobs.delay().id
    assert wait_for(lambda: DeadlineReminder.objects.filter(application=application).exists())
    note = Notification.objects.get(recipient=bob, event="overdue")

    def sent():
        note.refresh_from_db()
        return note.email_status == "sent"

    assert wait_for(sent), celery_worker_process["log"].read_text()[-2000:]

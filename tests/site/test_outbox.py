"""The notification outbox sends each e-mail once, even when the sweep runs while a worker
is still talking to the mail server (liaoyang_consortia.notifications)."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from liaoyang_consortia import notifications
from liaoyang_consortia.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def note(alice):
    alice.email = "alice@example.invalid"
    alice.save()
    [note] = notifications.notify(recipients=[alice], event="test", subject="测试", body="正文")
    return note


def test_it_does_not_let_the_sweep_take_a_message_that_is_being_sent(note, monkeypatch):
    send_mail = mail.send_mail
    during = []

    def slow_server(*args, **kwargs):
        # The sweep runs while this worker waits for the mail server.
        during.append(notifications.sweep(older_than=timedelta(0)))
        during.append(Notification.objects.get(pk=note.pk).email_status)
        return send_mail(*args, **kwargs)

    monkeypatch.setattr(mail, "send_mail", slow_server)
    assert notifications.deliver([note.pk]) == 1
    assert during == [0, "sending"]
    note.refresh_from_db()
    assert note.email_status == "sent" and note.attempts == 1
    assert len(mail.outbox) == 1


def test_it_takes_back_a_claim_whose_worker_died_after_the_timeout(note):
    # A worker claimed the row and died before the mail server answered.
    Notification.objects.filter(pk=note.pk).update(
        email_status="sending", claimed_at=timezone.now(), attempts=1
    )
    assert notifications.sweep(older_than=timedelta(0)) == 0  # it may still be sending
    with time_machine.travel(timezone.now() + notifications.claim_timeout() + timedelta(seconds=1)):
        assert notifications.sweep(older_than=timedelta(0)) == 1
    note.refresh_from_db()
    assert note.email_status == "sent" and note.attempts == 2
    assert len(mail.outbox) == 1

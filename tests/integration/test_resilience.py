"""Redis stopped mid-run: pages keep working, and the messages they caused are delivered
once it is back (DESIGN.md §6). Stops the suite's real Redis and starts it again (the
redis_outage fixture of tests/integration/conftest.py)."""

import time

import pytest
from django.utils import timezone

from applications import services
from applications.models import Application, State
from liaoyang_consortia import notifications
from liaoyang_consortia.models import Notification
from tests.factories import make_complete_application

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_it_keeps_working_without_redis_and_delivers_once_it_is_back(
    redis_outage, client, alice, bob, mailoutbox
):
    alice.email = "alice@example.invalid"
    alice.save()
    application = make_complete_application(lead=alice.profile.organization, creator=alice)
    services.submit(actor=alice, application_id=application.pk)
    client.force_login(bob)
    assert client.get("/healthz").status_code == 503
    started = time.monotonic()
    response = client.post(
        f"/applications/{application.pk}/transitions/county_return/",
        {"county_return-comment": "请补充签章"},
    )
    assert response.status_code == 302
    # The broker is refused fast: the clerk does not wait for it.
    assert time.monotonic() - started < 10
    assert Application.objects.get(pk=application.pk).state == State.RETURNED
    note = Notification.objects.get(recipient=alice, event="county_return")
    assert note.email_status == "pending" and mailoutbox == []
    assert client.get("/applications/").status_code == 200

    redis_outage()  # Redis is back
    assert client.get("/healthz").json()["broker"] == "ok"
    # Both messages of the outage waited: the submission's (to bob) and the return's.
    assert notifications.sweep(older_than=timezone.timedelta(0)) == 2
    assert notifications.sweep(older_than=timezone.timedelta(0)) == 0
    note.refresh_from_db()
    assert note.email_status == "sent"
    assert sorted(m.to[0] for m in mailoutbox) == sorted([bob.email, "alice@example.invalid"])

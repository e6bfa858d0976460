"""The account mails go through the outbox and a real worker on Redis (issue 10): the
e-mail confirmation link and the password-reset link reach the mailbox, and the links in
them work."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from liaoyang_consortia.models import Notification
from members.models import UnitRegistration
from tests.integration.conftest import wait_for
from tests.members.test_registration import form_data, solved_captcha

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _mailbox(worker) -> str:
    return "".join(p.read_text() for p in worker["mail_dir"].iterdir())


def _sent(note):
    def check():
        note.refresh_from_db()
        return note.email_status == Notification.EmailStatus.SENT

    return check


def test_it_mails_the_confirmation_and_reset_links_through_the_worker(
    celery_worker_process, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = Client()
    response = client.post(reverse("accounts:register"), form_data(email="worker@example.cn"))
    assert response.status_code == 302
    registration = UnitRegistration.objects.get()
    note = Notification.objects.get(event="registration_email")
    assert wait_for(_sent(note)), celery_worker_process["log"].read_text()[-2000:]
    mails = _mailbox(celery_worker_process)
    path = reverse("accounts:confirm_email", kwargs={"token": registration.email_token})
    assert "worker@example.cn" in mails and path in mails
    assert client.post(path).status_code == 302  # the mailed link confirms

    reset = Client().post(
        reverse("password_reset"), {"email": "worker@example.cn", **solved_captcha()}
    )
    assert reset.status_code == 302
    note = Notification.objects.get(event="password_reset")
    assert wait_for(_sent(note)), celery_worker_process["log"].read_text()[-2000:]
    link = re.search(r"https?://\S+/accounts/reset/\S+/", _mailbox(celery_worker_process))
    assert link is not None
    page = Client().get("/" + link.group(0).split("://", 1)[1].split("/", 1)[1], follow=True)
    assert 'data-testid="set-password-form"' in page.content.decode()

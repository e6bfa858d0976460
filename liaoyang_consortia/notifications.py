"""The one entry point for telling people something (DESIGN.md §6).

`notify` writes Notification rows in the caller's transaction and asks a Celery task to
e-mail them once that transaction commits. If the broker is down the rows simply wait:
`sweep` (a periodic task, and part of the daily job) sends whatever is pending or failed.
A mail server refusing marks the row failed and it is tried again later; the page that
caused the message never sees either failure.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from liaoyang_consortia.models import Notification

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10


def notify(
    *,
    recipients,
    event: str,
    subject: str,
    body: str,
    url: str = "",
    to_inactive: bool = False,
) -> list[Notification]:
    """Queue one message per distinct active recipient. `to_inactive` is for the one mail
    an account gets before it is active: the link that confirms its e-mail address."""
    seen, rows = set(), []
    for user in recipients:
        if user is None or user.pk in seen or not (user.is_active or to_inactive):
            continue
        seen.add(user.pk)
        rows.append(
            Notification(
                recipient=user,
                event=event,
                subject=subject[:200],
                body=body,
                url=url,
                email_status=(
                    Notification.EmailStatus.PENDING
                    if user.email
                    else Notification.EmailStatus.SKIPPED
                ),
            )
        )
    created = Notification.objects.bulk_create(rows)
    ids = [n.pk for n in created if n.email_status == Notification.EmailStatus.PENDING]
    if ids:
        transaction.on_commit(lambda: _enqueue(ids))
    return created


def _enqueue(ids):
    from liaoyang_consortia.tasks import deliver_notifications

    try:
        deliver_notifications.delay(ids)
    except Exception:  # broker down: the rows stay pending and the sweep sends them
        logger.warning("broker unavailable; %d notification(s) left for the sweep", len(ids))


def deliver(ids) -> int:
    """E-mail the given notifications that still need it; returns how many were sent."""
    sent = 0
    for note in (
        Notification.objects.filter(pk__in=ids).filter(_needs_sending()).select_related("recipient")
    ):
        sent += _send(note)
    return sent


def sweep(*, older_than=timedelta(minutes=2)) -> int:
    """Send what is still pending (its task never ran) or failed (to be retried)."""
    cutoff = timezone.now() - older_than
    ids = list(
        Notification.objects.filter(_needs_sending(), created_at__lte=cutoff).values_list(
            "pk", flat=True
        )[:1000]
    )
    return deliver(ids)


def claim_timeout() -> timedelta:
    """How long a row may stay "sending" before it counts as abandoned (the worker died
    mid-send): well past the SMTP timeout, so a slow send is never taken from its worker."""
    return timedelta(seconds=settings.EMAIL_TIMEOUT * 3 + 60)


def _needs_sending():
    status = Notification.EmailStatus
    return (
        Q(email_status=status.PENDING)
        | Q(email_status=status.FAILED, attempts__lt=MAX_ATTEMPTS)
        | Q(
            email_status=status.SENDING,
            attempts__lt=MAX_ATTEMPTS,
            claimed_at__lt=timezone.now() - claim_timeout(),
        )
    )


def _send(note) -> int:
    # Claim the row first: "sending" takes it out of everyone else's hands while its e-mail
    # is on the way (the sweep, another task), so two workers never mail it twice. Only a
    # claim left behind by a worker that died is taken back, after claim_timeout(); if that
    # worker died after the mail server accepted the message, it is sent again: at least
    # once, not lost.
    claimed = (
        Notification.objects.filter(pk=note.pk)
        .filter(_needs_sending())
        .update(
            email_status=Notification.EmailStatus.SENDING,
            claimed_at=timezone.now(),
            attempts=F("attempts") + 1,
        )
    )
    if not claimed:
        return 0
    link = f"\n\n{settings.SITE_URL.rstrip('/')}{note.url}" if note.url else ""
    try:
        mail.send_mail(note.subject, note.body + link, None, [note.recipient.email])
    except Exception as exc:  # SMTP refusal, timeout, DNS: retried by the sweep
        Notification.objects.filter(pk=note.pk).update(
            email_status=Notification.EmailStatus.FAILED, last_error=str(exc)[:300]
        )
        logger.warning("notification %s not sent: %s", note.pk, exc)
        return 0
    Notification.objects.filter(pk=note.pk).update(
        email_status=Notification.EmailStatus.SENT, sent_at=timezone.now(), last_error=""
    )
    return 1


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(*, user, ids=None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())

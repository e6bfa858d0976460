"""The outbox's promises kept by real Celery workers on the suite's Redis, mailing a real
SMTP server (DESIGN.md §6; issue 16, points 5 and 6):

- a mail server that refuses (451 at DATA, then not listening at all) and then accepts:
  the message is not lost, it is delivered once, and its row counts the attempts;
- two workers sweeping the same outbox at the same moment: every message reaches the
  server once;
- Redis stopped while a county reviewer acts: the page works, the rows wait, and once Redis
  is back a worker (not the test process) delivers them;
- the workers run zeal's N+1 detector on every task (tests/integration/worker_zeal.py): a
  task that reads row by row fails, and the test that caused it fails with it.

The SMTP server is aiosmtpd's, in a thread of the test process on a loopback port; the
workers are two processes of this module's own, on a queue of their own, with Django's SMTP
backend pointed at that server. While a test here runs, the test process sends its tasks
to that queue (task_default_queue), so the session's worker, which mails into a folder,
never takes them. The sweep takes only rows more than two minutes old (so as not to race
the task each row's commit queued); where a test has a sweep run, it first dates its rows
back, which stands for beat's sweep five minutes later.
"""

import asyncio
import email
import email.policy
import logging
import re
import socket
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from applications import services
from applications.models import Application, State
from liaoyang_consortia import notifications
from liaoyang_consortia.celery import app as celery_app
from liaoyang_consortia.models import Notification
from liaoyang_consortia.tasks import deliver_notifications, sweep_outbox
from tests.factories import make_complete_application
from tests.integration.conftest import start_worker, wait_for
from tests.integration.worker_zeal import PROBE

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# For the README (the lead's summary): how many messages two workers sweep at once.
MESSAGES_SWEPT_BY_TWO_WORKERS = 40
# Each accepted message is held this long at the server, so that the two sweeps overlap.
SERVER_DELAY = 0.05


class Mailbox:
    """aiosmtpd handler: what the server accepted, one entry per message; while `refusing`,
    every message is answered "451 try later" at DATA (a temporary refusal)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.received = []
            self.refused = 0
            self.refusing = False
            self.delay = 0.0

    async def handle_DATA(self, server, session, envelope):
        if self.refusing:
            with self.lock:
                self.refused += 1
            return "451 4.3.0 Try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.received.append((tuple(envelope.rcpt_tos), str(message["Subject"])))
        return "250 2.0.0 OK"

    def subjects(self):
        with self.lock:
            return [subject for _to, subject in self.received]

    def recipients(self):
        with self.lock:
            return [to for tos, _subject in self.received for to in tos]


class SmtpServer:
    """A local SMTP server that can be stopped (the port then refuses connections) and
    started again on the same port."""

    def __init__(self):
        self.mailbox = Mailbox()
        self.port = _free_port()
        self.controller = None

    def start(self):
        if self.controller is None:
            self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
            self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def smtp_workers(django_db_setup, tmp_path_factory):
    """The module's SMTP server and two workers of its own mailing it. Both consume the
    module's shared queue; each also a queue of its own, so that a test can hand a task to
    one worker in particular."""
    # aiosmtpd logs every command it reads at INFO: noise in a failed test's report.
    smtp_log = logging.getLogger("mail.log")
    level = smtp_log.level
    smtp_log.setLevel(logging.WARNING)
    server = SmtpServer()
    server.start()
    tag = uuid.uuid4().hex[:8]
    shared = f"smtp-{tag}"
    folder = tmp_path_factory.mktemp("smtp-workers")
    env = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(server.port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_USE_SSL": "0",
        "EMAIL_TIMEOUT": "5",
    }

    def start(label):
        log = folder / f"worker-{label}.log"
        own = f"{shared}-{label}"
        process = start_worker(
            mail_dir=folder,
            log=log,
            queues=[shared, own],
            name=f"smtp-{label}-{tag}@%h",
            env=env,
        )
        return label, {"process": process, "log": log, "queue": own}

    # Side by side: each takes seconds to be ready.
    with ThreadPoolExecutor(2) as pool:
        workers = dict(pool.map(start, ("a", "b")))
    yield {"server": server, "queue": shared, "workers": workers}
    for worker in workers.values():
        worker["process"].terminate()
    for worker in workers.values():
        try:
            worker["process"].wait(timeout=20)
        except Exception:
            worker["process"].kill()
    server.stop()
    smtp_log.setLevel(level)


@pytest.fixture
def outbox(smtp_workers, alice):
    """The module's server, running and empty, and the test process sending its tasks to
    the module's workers."""
    server = smtp_workers["server"]
    server.start()
    server.mailbox.reset()
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = smtp_workers["queue"]
    alice.email = "alice@example.invalid"
    alice.save()
    yield smtp_workers
    celery_app.conf.task_default_queue = default_queue
    server.start()


def _logs(outbox):
    return "".join(worker["log"].read_text() for worker in outbox["workers"].values())


def _finished(outbox, task_id):
    """The worker's line for a task that has finished ("succeeded in …s: <return value>"),
    or None while it has not."""
    return _end_of(_logs(outbox), task_id)


def _end_of(log_text, task_id):
    # Celery's "Task <name>[<id>] succeeded in …" or "… raised unexpected: …" (every line
    # the task logs carries its id as the request id, hence the words after it).
    for line in log_text.splitlines():
        if f"[{task_id}] succeeded" in line or f"[{task_id}] raised" in line:
            return line
    return None


def _wait_finished(outbox, task_id, timeout=30):
    assert wait_for(lambda: _finished(outbox, task_id), timeout=timeout), _logs(outbox)[-3000:]
    return _finished(outbox, task_id)


def _returned(line) -> int:
    """What a finished sweep or delivery returned: how many messages it sent."""
    found = re.search(r"succeeded in [0-9.]+s: (\d+)$", line)
    assert found, line
    return int(found.group(1))


def _date_back(ids):
    # As beat's sweep finds them five minutes on (it takes rows two minutes old).
    Notification.objects.filter(pk__in=ids).update(created_at=timezone.now() - timedelta(minutes=5))


def _row(pk):
    return Notification.objects.values("email_status", "attempts", "last_error").get(pk=pk)


def test_a_refusing_mail_server_delays_the_message_but_it_arrives_once(outbox, alice):
    server, mailbox = outbox["server"], outbox["server"].mailbox
    mailbox.refusing = True
    [note] = notifications.notify(
        recipients=[alice], event="test", subject="拒收后重试的消息", body="正文"
    )

    # 1. The task the commit queued: the server answers 451 at DATA.
    assert wait_for(
        lambda: _row(note.pk)["attempts"] == 1 and _row(note.pk)["email_status"] == "failed"
    ), _logs(outbox)[-3000:]
    assert "451" in _row(note.pk)["last_error"]
    assert mailbox.refused == 1 and mailbox.received == []

    # 2. The sweep, with the server not listening at all.
    server.stop()
    _date_back([note.pk])
    _wait_finished(outbox, sweep_outbox.delay().id)
    row = _row(note.pk)
    assert row["email_status"] == "failed" and row["attempts"] == 2
    assert "refused" in row["last_error"].lower(), row
    assert mailbox.received == []

    # 3. The next sweep: the server is back and accepts.
    server.start()
    mailbox.refusing = False
    assert _returned(_wait_finished(outbox, sweep_outbox.delay().id)) == 1
    assert _row(note.pk) == {"email_status": "sent", "attempts": 3, "last_error": ""}
    assert mailbox.subjects() == ["拒收后重试的消息"]
    assert mailbox.recipients() == ["alice@example.invalid"]

    # 4. Once sent, neither a sweep nor the row's own task sends it again.
    for task in (sweep_outbox.delay(), deliver_notifications.delay([note.pk])):
        assert _returned(_wait_finished(outbox, task.id)) == 0
    assert len(mailbox.received) == 1 and _row(note.pk)["attempts"] == 3


def test_two_workers_sweeping_at_once_send_each_message_once(outbox, alice, monkeypatch):
    mailbox = outbox["server"].mailbox
    # The rows' own tasks never reach the broker (as in an outage): only the sweeps send.
    monkeypatch.setattr(notifications, "_enqueue", lambda ids: None)
    subjects = [f"第{i}条消息" for i in range(MESSAGES_SWEPT_BY_TWO_WORKERS)]
    ids = [
        notifications.notify(recipients=[alice], event="test", subject=s, body="正文")[0].pk
        for s in subjects
    ]
    _date_back(ids)
    mailbox.delay = SERVER_DELAY
    a, b = outbox["workers"]["a"], outbox["workers"]["b"]
    sweeps = [
        sweep_outbox.apply_async(queue=a["queue"]).id,
        sweep_outbox.apply_async(queue=b["queue"]).id,
    ]
    sent = [_returned(_wait_finished(outbox, task_id, timeout=60)) for task_id in sweeps]

    assert Counter(mailbox.subjects()) == Counter(subjects)  # each exactly once
    assert sum(sent) == MESSAGES_SWEPT_BY_TWO_WORKERS
    # Both sweeps did send: they ran side by side over the same rows.
    assert min(sent) > 0, sent
    rows = Notification.objects.filter(pk__in=ids)
    assert set(rows.values_list("email_status", "attempts")) == {("sent", 1)}


def test_after_a_redis_outage_the_worker_delivers_what_waited(
    outbox, redis_outage, client, alice, bob
):
    mailbox = outbox["server"].mailbox
    application = make_complete_application(lead=alice.profile.organization, creator=alice)
    services.submit(actor=alice, application_id=application.pk)
    client.force_login(bob)
    started = time.monotonic()
    response = client.post(
        f"/applications/{application.pk}/transitions/county_return/",
        {"county_return-comment": "请补充签章"},
    )
    assert response.status_code == 302
    assert time.monotonic() - started < 10  # the broker is refused fast
    assert Application.objects.get(pk=application.pk).state == State.RETURNED
    waiting = list(Notification.objects.filter(email_status="pending").values_list("pk", flat=True))
    # The submission's message to bob and the return's to alice, both kept.
    assert len(waiting) == 2
    assert mailbox.received == []

    redis_outage()  # Redis is back, empty: the outage's tasks were never queued
    _date_back(waiting)
    # Published as beat would; retried while the test process's pool reconnects.
    sweep = sweep_outbox.apply_async(
        retry=True, retry_policy={"max_retries": 20, "interval_start": 0.5, "interval_step": 0.5}
    )
    # The workers reconnect on their own (kombu's back-off), then one of them sweeps.
    assert wait_for(lambda: len(mailbox.received) == 2, timeout=40), _logs(outbox)[-3000:]
    assert sorted(mailbox.recipients()) == sorted([bob.email, "alice@example.invalid"])
    assert _returned(_wait_finished(outbox, sweep.id)) == 2
    rows = Notification.objects.filter(pk__in=waiting)
    assert set(rows.values_list("email_status", "attempts")) == {("sent", 1)}


def test_the_worker_fails_a_task_that_reads_row_by_row(
    celery_worker_process, expect_worker_n_plus_one, alice, bob, charlie, monkeypatch
):
    # The session's worker (the one every integration test uses) runs the probe.
    monkeypatch.setattr(notifications, "_enqueue", lambda ids: None)
    ids = [
        note.pk
        for note in notifications.notify(
            recipients=[alice, bob, charlie], event="test", subject="探针", body="正文"
        )
    ]
    log = celery_worker_process["log"]
    joined = celery_app.send_task(PROBE, args=[ids], kwargs={"joined": True}).id
    row_by_row = celery_app.send_task(PROBE, args=[ids], kwargs={"joined": False}).id

    def line(task_id):
        return _end_of(log.read_text(), task_id)

    assert wait_for(lambda: line(joined) and line(row_by_row)), log.read_text()[-3000:]
    assert "succeeded" in line(joined)
    assert "raised unexpected: NPlusOneError" in line(row_by_row), line(row_by_row)
    assert "Notification.recipient" in line(row_by_row)

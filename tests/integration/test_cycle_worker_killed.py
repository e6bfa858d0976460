"""The Celery worker killed (SIGKILL) in the middle of the reporting cycle: what committed
stays, the interrupted stage leaves nothing, and the next run completes the cycle without
sending anything twice, whatever runs it, the killed task's message redelivered included
(DESIGN.md §6, "the Celery worker killed during the reporting cycle").

How the kill lands in the middle of a stage, deterministically: before the run, the test
inserts, in a transaction of its own that it keeps open, the ReminderLog row the
"reminder-15" stage is about to write for one report. The stage's bulk insert of its log
then waits on the unique index (report, kind) for that transaction, after the stage has
locked its reports and written its Notification rows, before its COMMIT. The test sees the
wait in pg_stat_activity / pg_blocking_pids (polled, no sleeping as synchronisation), kills
the worker, and only then rolls its own transaction back."""

import email
import email.policy
import json
import re
import signal
import uuid
from collections import Counter
from datetime import date

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from liaoyang_consortia.celery import app as celery_app
from liaoyang_consortia.models import Notification
from members.roles import Role
from reporting.cycle import run_reporting_cycle
from reporting.models import AnnualReport, ReminderLog
from reporting.tasks import run_reporting_cycle_task
from tests.factories import make_user
from tests.integration.conftest import start_worker, wait_for
from tests.reporting import make_consortium

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

TASK = "reporting.tasks.run_reporting_cycle_task"
KILLED_DB_NAME = "cycle-worker-killed"  # application_name of the killed worker's connection
RESTARTED_DB_NAME = "cycle-worker-restarted"


@pytest.fixture
def own_workers(celery_worker_process, tmp_path):
    """Start Celery workers of the test's own, on a queue of their own (the session's
    worker, which the test must not kill, never takes their tasks); they all mail into the
    session worker's folder, so that every e-mail of the test is counted in one place.
    Teardown kills what is left and ends their database sessions, so that no lock outlives
    the test (the flush that follows would wait on it)."""
    queue = f"cycle-kill-{uuid.uuid4().hex[:8]}"
    started = []

    def start(label, application_name):
        log = tmp_path / f"{label}.log"
        worker = start_worker(
            mail_dir=celery_worker_process["mail_dir"],
            log=log,
            queues=[queue],
            name=f"{label}-{queue}@%h",
            application_name=application_name,
        )
        started.append(worker)
        return {"process": worker, "log": log}

    yield {"queue": queue, "start": start}
    for worker in started:
        if worker.poll() is None:
            worker.kill()  # SIGKILL: it cannot linger
        worker.wait(timeout=20)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name IN "
            "(%s, %s)",
            [KILLED_DB_NAME, RESTARTED_DB_NAME],
        )


@pytest.fixture
def lock_holder():
    """A connection of the test's own, outside Django, whose transaction it keeps open."""
    db = settings.DATABASES["default"]
    holder = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"],
        application_name="cycle-lock-holder",
    )
    yield holder
    holder.rollback()
    holder.close()


def _sql(query, params=()):
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _success_line(log, task_id):
    for line in log.read_text().splitlines():
        if task_id in line and "succeeded" in line:
            return line
    return None


def _unacked(queue):
    """{delivery tag: payload} of the messages Redis holds delivered but not acknowledged
    (acks_late: a task's message is acknowledged only once the task has finished)."""
    with celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        raw = channel.client.hgetall(channel.qos.unacked_key)
    found = {}
    for tag, value in raw.items():
        payload, _exchange, routing_key = json.loads(value)
        if routing_key == queue:
            found[tag.decode() if isinstance(tag, bytes) else tag] = payload
    return found


def _mails(mail_dir, report_pks):
    """Counter of (to, report, subject) over every e-mail the workers wrote that is about
    one of `report_pks` (the folder is the session's: other tests' mail is in it too)."""
    found = Counter()
    for path in mail_dir.iterdir():
        for chunk in path.read_text().split("\n" + "-" * 79 + "\n"):
            if not chunk.strip():
                continue
            message = email.message_from_string(chunk, policy=email.policy.default)
            match = re.search(r"/reports/(\d+)/edit/", message.get_body().get_content())
            if match and int(match.group(1)) in report_pks:
                # strip(): a long encoded subject is folded onto the header's next line.
                subject = str(message["Subject"]).strip()
                found[(str(message["To"]), int(match.group(1)), subject)] += 1
    return found


def test_a_worker_killed_mid_stage_leaves_it_undone_and_the_next_run_completes_it_once(
    celery_worker_process, lock_holder, own_workers, alice
):
    # lock_holder before own_workers: on a failure, the workers are killed (and their
    # sessions ended) before the lock is let go, so a half-done stage never commits.
    session_worker = celery_worker_process
    dave = make_user("dave", Role.APPLICANT, county_code="211002")
    c1 = make_consortium(lead=alice.profile.organization, named_on=date(2026, 5, 20))
    c2 = make_consortium(lead=dave.profile.organization, named_on=date(2026, 6, 1))

    # An earlier, complete run (1 March): both reports, their opening and day-1 reminder.
    assert run_reporting_cycle(today=date(2027, 3, 1))["reminded"] == 2
    r1 = AnnualReport.objects.get(consortium=c1, year=2026)
    r2 = AnnualReport.objects.get(consortium=c2, year=2026)
    # A third consortium entered after that run: on 15 March its report is created and gets
    # its opening notice, so the run being killed has a stage that commits before the one
    # interrupted.
    c3 = make_consortium(lead=alice.profile.organization, named_on=date(2026, 11, 30))

    killed = own_workers["start"]("killed", KILLED_DB_NAME)
    # The pause: reminder-15 of r2, inserted and left uncommitted. The opening stage of 15
    # March does not touch it (r2 had its opening on 1 March).
    lock_holder.execute(
        f'INSERT INTO "{ReminderLog._meta.db_table}" (report_id, kind, on_date, sent_at) '
        "VALUES (%s, 'reminder-15', '2027-03-15', now())",
        [r2.pk],
    )
    holder_pid = lock_holder.info.backend_pid
    task_id = run_reporting_cycle_task.apply_async(("2027-03-15",), queue=own_workers["queue"]).id

    waiting = []

    def blocked_by_the_holder():
        waiting[:] = _sql(
            "SELECT pid, wait_event_type, query FROM pg_stat_activity "
            "WHERE application_name = %s AND %s = ANY(pg_blocking_pids(pid))",
            [KILLED_DB_NAME, holder_pid],
        )
        return bool(waiting)

    assert wait_for(blocked_by_the_holder, timeout=60), killed["log"].read_text()[-3000:]
    [(pid, wait_event_type, query)] = waiting
    assert wait_event_type == "Lock"
    assert query.startswith(f'INSERT INTO "{ReminderLog._meta.db_table}"'), query
    # Its open transaction has locked the reports (FOR UPDATE takes RowShareLock on the
    # table) and written Notification rows (RowExclusiveLock): the stage is half done. The
    # committed stages released theirs, so these are the reminder stage's.
    held = set(
        _sql(
            "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = %s AND l.granted",
            [pid],
        )
    )
    assert (AnnualReport._meta.db_table, "RowShareLock") in held, held
    assert (Notification._meta.db_table, "RowExclusiveLock") in held, held

    # Kill the worker and wait until the process is gone; only then let the transaction it
    # left go on. Released first, the stage would finish and commit: no kill at all.
    killed["process"].send_signal(signal.SIGKILL)
    assert killed["process"].wait(timeout=20) == -signal.SIGKILL
    lock_holder.rollback()
    # The backend of the killed worker only notices its client is gone when it next talks
    # to the socket: freed from the lock, its INSERT completes, it writes the result, reads
    # the next command, gets end-of-file and aborts the transaction (no COMMIT was ever
    # sent). No pg_terminate_backend: that PostgreSQL rolls it back by itself is the point.
    assert wait_for(lambda: not _sql("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]))
    assert _success_line(killed["log"], task_id) is None
    assert task_id in killed["log"].read_text()  # it had received the task

    # What committed before the kill is there: r3 and its opening notice...
    r3 = AnnualReport.objects.get(consortium=c3, year=2026)
    logs = Counter(ReminderLog.objects.values_list("report_id", "kind"))
    assert logs == {
        (r1.pk, "opening"): 1,
        (r1.pk, "reminder-1"): 1,
        (r2.pk, "opening"): 1,
        (r2.pk, "reminder-1"): 1,
        (r3.pk, "opening"): 1,
    }
    # ...and the reminder-15 stage left nothing: no log, no message, to anyone.
    notes = Counter(Notification.objects.values_list("recipient__username", "event", "url"))
    before = {
        ("alice", "report_opening", f"/reports/{r1.pk}/edit/"): 1,
        ("alice", "report_reminder-1", f"/reports/{r1.pk}/edit/"): 1,
        ("dave", "report_opening", f"/reports/{r2.pk}/edit/"): 1,
        ("dave", "report_reminder-1", f"/reports/{r2.pk}/edit/"): 1,
        ("alice", "report_opening", f"/reports/{r3.pk}/edit/"): 1,
    }
    assert notes == before
    # acks_late: Redis still holds the killed task's message, delivered but unacknowledged;
    # after the visibility timeout (an hour) it would be delivered again.
    unacked = _unacked(own_workers["queue"])
    assert [(p["headers"]["task"], p["headers"]["id"]) for p in unacked.values()] == [
        (TASK, task_id)
    ]
    [tag] = unacked

    # The next run (on the session's worker) completes the cycle: the three reminders.
    next_id = run_reporting_cycle_task.delay("2027-03-15").id
    log = session_worker["log"]
    assert wait_for(lambda: _success_line(log, next_id), timeout=60), log.read_text()[-3000:]
    assert "'opening': 0" in _success_line(log, next_id)
    assert "'reminded': 3" in _success_line(log, next_id)

    # Then the killed task's own message comes back, as Redis gives it back after the
    # visibility timeout (kombu's restore_by_tag, which restore_visible calls then), to a
    # restarted worker: it finds everything done and sends nothing.
    restarted = own_workers["start"]("restarted", RESTARTED_DB_NAME)
    with celery_app.connection_for_write() as conn:
        conn.default_channel.qos.restore_by_tag(tag)
    log = restarted["log"]
    assert wait_for(lambda: _success_line(log, task_id), timeout=60), log.read_text()[-3000:]
    redelivered = _success_line(log, task_id)
    assert "'created': 0" in redelivered and "'opening': 0" in redelivered
    assert "'reminded': 0" in redelivered
    # Acknowledged at last (acks_late: just after the success is logged, hence the poll).
    assert wait_for(lambda: _unacked(own_workers["queue"]) == {})

    # Exactly once: one log per report and kind due, one message per recipient, kind and
    # report...
    assert Counter(ReminderLog.objects.values_list("report_id", "kind")) == {
        **logs,
        (r1.pk, "reminder-15"): 1,
        (r2.pk, "reminder-15"): 1,
        (r3.pk, "reminder-15"): 1,
    }
    assert Counter(Notification.objects.values_list("recipient__username", "event", "url")) == {
        **before,
        ("alice", "report_reminder-15", f"/reports/{r1.pk}/edit/"): 1,
        ("dave", "report_reminder-15", f"/reports/{r2.pk}/edit/"): 1,
        ("alice", "report_reminder-15", f"/reports/{r3.pk}/edit/"): 1,
    }

    # ...and e-mailed once each: every row sent on its first attempt, and the mail folder
    # holds one e-mail per row (the reminder subject is the same on the 1st and the 15th).
    def all_sent():
        return not Notification.objects.exclude(email_status="sent").exists()

    assert wait_for(all_sent, timeout=60), session_worker["log"].read_text()[-3000:]
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}
    assert _mails(session_worker["mail_dir"], {r1.pk, r2.pk, r3.pk}) == {
        ("alice@example.invalid", r1.pk, f"【年度报告】请报送{c1.name}2026年度建设运行情况报告"): 1,
        ("alice@example.invalid", r1.pk, f"【年度报告提醒】{r1.title}尚未报送"): 2,
        ("dave@example.invalid", r2.pk, f"【年度报告】请报送{c2.name}2026年度建设运行情况报告"): 1,
        ("dave@example.invalid", r2.pk, f"【年度报告提醒】{r2.title}尚未报送"): 2,
        ("alice@example.invalid", r3.pk, f"【年度报告】请报送{c3.name}2026年度建设运行情况报告"): 1,
        ("alice@example.invalid", r3.pk, f"【年度报告提醒】{r3.title}尚未报送"): 1,
    }

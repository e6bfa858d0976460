"""A real Celery worker on Redis runs the reporting cycle and delivers its messages by
e-mail, each exactly once, however often the task runs (DESIGN.md §6)."""

from collections import Counter
from datetime import date

import pytest

from liaoyang_consortia.models import Notification
from reporting.models import AnnualReport, ReminderLog
from reporting.tasks import run_reporting_cycle_task
from tests.integration.conftest import wait_for
from tests.reporting import make_consortium

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _succeeded(worker, n):
    """Has the worker finished the reporting task n times?"""

    def check():
        log = worker["log"].read_text()
        return (
            sum(
                1
                for line in log.splitlines()
                if "run_reporting_cycle_task" in line and "succeeded" in line
            )
            >= n
        )

    return check


def _all_sent(**filters):
    def check():
        notes = Notification.objects.filter(**filters)
        return notes.exists() and not notes.exclude(email_status="sent").exists()

    return check


def test_it_runs_the_cycle_on_the_worker_and_mails_each_message_once(
    celery_worker_process, alice, charlie
):
    worker = celery_worker_process
    log = worker["log"]
    done = sum(
        1
        for line in log.read_text().splitlines()
        if "run_reporting_cycle_task" in line and "succeeded" in line
    )
    consortium = make_consortium(lead=alice.profile.organization, named_on=date(2026, 5, 20))

    # 1 March, twice: the report, the opening notice and the day-1 reminder, once each.
    run_reporting_cycle_task.delay("2027-03-01")
    run_reporting_cycle_task.delay("2027-03-01")
    assert wait_for(_succeeded(worker, done + 2), timeout=60), log.read_text()[-3000:]
    assert wait_for(_all_sent(recipient=alice, event__startswith="report_")), log.read_text()[
        -3000:
    ]
    report = AnnualReport.objects.get(consortium=consortium, year=2026)
    assert Counter(
        Notification.objects.filter(recipient=alice).values_list("event", flat=True)
    ) == {"report_opening": 1, "report_reminder-1": 1}
    assert set(ReminderLog.objects.filter(report=report).values_list("kind", flat=True)) == {
        "opening",
        "reminder-1",
    }

    # 1 April: overdue, the lead and the city staff told, by e-mail.
    run_reporting_cycle_task.delay("2027-04-01")
    assert wait_for(_succeeded(worker, done + 3), timeout=60), log.read_text()[-3000:]
    assert wait_for(_all_sent(event="report_overdue")), log.read_text()[-3000:]
    assert Counter(
        Notification.objects.filter(event="report_overdue").values_list(
            "recipient__username", flat=True
        )
    ) == {"alice": 1, "charlie": 1}
    report.refresh_from_db()
    assert report.is_overdue

    mails = "".join(p.read_text() for p in worker["mail_dir"].iterdir())
    assert "alice@example.invalid" in mails and "charlie@example.invalid" in mails
    assert "2027年3月31日" in mails
    assert mails.count(f"/reports/{report.pk}/edit/") == 3  # opening, reminder, overdue

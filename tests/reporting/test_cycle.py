"""The reporting cycle (DESIGN.md §6): reports from 1 March, reminders on the configured
days of March, overdue from 1 April; every message exactly once, however often the cycle
runs and whichever days it misses."""

from collections import Counter
from datetime import date

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from applications.models import Consortium
from liaoyang_consortia.models import Notification
from members.roles import Role
from members.services import attach_user_to_unit
from reporting import cycle, rules, services
from reporting.cycle import run_reporting_cycle
from reporting.models import AnnualReport, ReminderLog, ReportStatus
from tests.factories import OrganizationFactory, make_user
from tests.reporting import COMPLETE, make_consortium

# --- The calendar (pure) ----------------------------------------------------------------


def test_it_reports_on_last_year_from_the_first_of_march():
    assert rules.reporting_year(date(2027, 3, 1)) == 2026
    assert not rules.is_open_season(date(2027, 2, 28))
    assert rules.is_open_season(date(2027, 3, 1))
    assert rules.is_open_season(date(2027, 12, 31))
    assert rules.due_date(2026) == date(2027, 3, 31)


def test_it_makes_a_consortium_named_during_the_year_report_on_that_year():
    assert rules.reports_on(date(2026, 12, 31), 2026)
    assert rules.reports_on(date(2026, 1, 1), 2026)
    assert not rules.reports_on(date(2027, 1, 15), 2026)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2027, 2, 28), None),
        (date(2027, 3, 1), "reminder-1"),
        (date(2027, 3, 14), "reminder-1"),
        (date(2027, 3, 15), "reminder-15"),
        (date(2027, 3, 20), "reminder-15"),
        (date(2027, 3, 25), "reminder-25"),
        (date(2027, 3, 31), "reminder-25"),
        (date(2027, 4, 1), None),
        (date(2027, 11, 1), None),
    ],
)
def test_it_picks_only_the_latest_reminder_due(today, expected):
    assert rules.latest_reminder(today, [1, 15, 25]) == expected


def test_it_ignores_impossible_reminder_days():
    assert rules.clean_reminder_days([25, "15", 15, 0, 40, "x", None]) == [15, 25]
    assert rules.latest_reminder(date(2027, 3, 2), [10, 20]) is None


def test_it_counts_a_report_overdue_from_the_first_of_april():
    assert rules.overdue_years_up_to(date(2027, 3, 31)) == 2025
    assert rules.overdue_years_up_to(date(2027, 4, 1)) == 2026


# --- The cycle ----------------------------------------------------------------------------


@pytest.fixture
def world(db, alice, charlie, erin):
    """Two consortia that owe a report on 2026 and three that do not.

    - alice's unit leads one (one user);
    - ben's unit leads one (two users: ben and his colleague bea);
    - one disqualified and one dissolved consortium (their units have users);
    - one named in January 2027 (reports on 2027 only).
    charlie is the city staff; erin, the admin, is not told."""
    ben = make_user("ben", Role.APPLICANT, county_code="211002")
    bea = make_user("bea", Role.APPLICANT, county_code="211002")
    attach_user_to_unit(user=bea, organization=ben.profile.organization)
    others = [make_user(f"lead{i}", Role.APPLICANT, county_code="211002") for i in range(3)]
    return {
        "alice": make_consortium(lead=alice.profile.organization, named_on=date(2026, 5, 20)),
        "ben": make_consortium(lead=ben.profile.organization, named_on=date(2026, 12, 31)),
        "disqualified": make_consortium(
            lead=others[0].profile.organization, status=Consortium.Status.DISQUALIFIED
        ),
        "dissolved": make_consortium(
            lead=others[1].profile.organization, status=Consortium.Status.DISSOLVED
        ),
        "new": make_consortium(lead=others[2].profile.organization, named_on=date(2027, 1, 15)),
        "users": {"ben": ben, "bea": bea, "others": others},
    }


def _notes():
    return Counter(
        (n.event, n.recipient.username)
        for n in Notification.objects.filter(event__startswith="report_").select_related(
            "recipient"
        )
    )


def _events():
    return Counter(
        Notification.objects.filter(event__startswith="report_").values_list("event", flat=True)
    )


def _logs():
    return Counter(ReminderLog.objects.values_list("report__consortium__name", "kind"))


def _run_twice(today):
    first = run_reporting_cycle(today=today)
    second = run_reporting_cycle(today=today)
    return first, second


def _submit(user, consortium, year=2026):
    report = AnnualReport.objects.get(consortium=consortium, year=year)
    services.save_report(actor=user, report_id=report.pk, values=COMPLETE)
    services.submit_report(actor=user, report_id=report.pk)
    return report


@pytest.mark.django_db
def test_it_runs_the_march_cycle_with_exact_message_counts(world, alice, charlie):
    a, b = world["alice"].name, world["ben"].name

    # 28 February: nothing yet.
    first, second = _run_twice(date(2027, 2, 28))
    assert first["created"] == second["created"] == 0
    assert AnnualReport.objects.count() == 0
    assert not _events() and not _logs()

    # 1 March: a report for each active consortium named by 31 December 2026; the opening
    # notice and the day-1 reminder to every lead user.
    first, second = _run_twice(date(2027, 3, 1))
    assert (first["created"], first["opening"], first["reminder"], first["reminded"]) == (
        2,
        2,
        "reminder-1",
        2,
    )
    assert (second["created"], second["opening"], second["reminded"]) == (0, 0, 0)
    reports = AnnualReport.objects.select_related("consortium").order_by("consortium__number")
    assert [(r.consortium.name, r.year, r.status) for r in reports] == [
        (a, 2026, "pending"),
        (b, 2026, "pending"),
    ]
    assert _events() == {"report_opening": 3, "report_reminder-1": 3}
    assert _notes() == {
        ("report_opening", "alice"): 1,
        ("report_opening", "ben"): 1,
        ("report_opening", "bea"): 1,
        ("report_reminder-1", "alice"): 1,
        ("report_reminder-1", "ben"): 1,
        ("report_reminder-1", "bea"): 1,
    }
    assert _logs() == {
        (a, "opening"): 1,
        (b, "opening"): 1,
        (a, "reminder-1"): 1,
        (b, "reminder-1"): 1,
    }
    opening = Notification.objects.get(event="report_opening", recipient=alice)
    assert a in opening.subject and "2026年度" in opening.subject
    assert "2027年3月31日" in opening.body
    assert opening.url == f"/reports/{reports[0].pk}/edit/"

    # alice's unit submits before the 15th: it gets no more reminders.
    _submit(alice, world["alice"])
    assert Notification.objects.filter(event="report_submitted", recipient=charlie).count() == 1

    # 15 March, 25 March: only ben's unit is reminded.
    first, second = _run_twice(date(2027, 3, 15))
    assert (first["reminder"], first["reminded"], second["reminded"]) == ("reminder-15", 1, 0)
    first, second = _run_twice(date(2027, 3, 25))
    assert (first["reminder"], first["reminded"], second["reminded"]) == ("reminder-25", 1, 0)
    assert _events() == {
        "report_opening": 3,
        "report_reminder-1": 3,
        "report_reminder-15": 2,
        "report_reminder-25": 2,
        "report_submitted": 1,
    }
    assert not Notification.objects.filter(recipient=alice, event="report_reminder-15").exists()
    assert _logs()[(b, "reminder-15")] == 1 and _logs()[(b, "reminder-25")] == 1
    assert (a, "reminder-15") not in _logs()

    # 1 April: ben's report is overdue; ben, bea and the city staff are told once.
    first, second = _run_twice(date(2027, 4, 1))
    assert (first["overdue"], first["overdue_notified"]) == (1, 1)
    assert (second["overdue"], second["overdue_notified"]) == (0, 0)
    assert first["reminder"] is None
    late = AnnualReport.objects.get(consortium=world["ben"])
    assert late.is_overdue and late.overdue_since == date(2027, 4, 1)
    assert not AnnualReport.objects.get(consortium=world["alice"]).is_overdue
    assert Counter(
        Notification.objects.filter(event="report_overdue").values_list(
            "recipient__username", flat=True
        )
    ) == {"ben": 1, "bea": 1, "charlie": 1}
    city = Notification.objects.get(event="report_overdue", recipient=charlie)
    assert b in city.body and a not in city.body and city.url == "/reports/?overdue=1"
    assert ReminderLog.objects.count() == 2 + 2 + 1 + 1 + 1

    # Nothing for the disqualified, the dissolved, or the consortium named in 2027; nothing
    # for the admin; nothing to the units of those consortia.
    assert not AnnualReport.objects.filter(
        consortium__in=[world["disqualified"], world["dissolved"], world["new"]]
    ).exists()
    others = [u.username for u in world["users"]["others"]]
    assert not Notification.objects.filter(recipient__username__in=[*others, "erin"]).exists()

    # A later day changes nothing.
    first, second = _run_twice(date(2027, 4, 2))
    for result in (first, second):
        assert (result["created"], result["opening"], result["reminded"]) == (0, 0, 0)
        assert (result["overdue"], result["overdue_notified"]) == (0, 0)
    assert ReminderLog.objects.count() == 7


@pytest.mark.django_db
def test_it_sends_only_the_latest_reminder_after_missed_days(world):
    b = world["ben"].name
    result = run_reporting_cycle(today=date(2027, 3, 20))
    assert (result["created"], result["opening"], result["reminder"]) == (2, 2, "reminder-15")
    assert _events() == {"report_opening": 3, "report_reminder-15": 3}
    assert {kind for (_name, kind) in _logs()} == {"opening", "reminder-15"}

    # Next run after more missed days: the 25th's reminder only, never the 1st's.
    run_reporting_cycle(today=date(2027, 3, 28))
    assert _events() == {"report_opening": 3, "report_reminder-15": 3, "report_reminder-25": 3}
    assert (b, "reminder-1") not in _logs()


@pytest.mark.django_db
def test_it_sends_the_opening_and_the_overdue_notice_when_it_first_runs_after_march(world):
    result = run_reporting_cycle(today=date(2027, 4, 5))
    assert (result["created"], result["opening"], result["reminder"]) == (2, 2, None)
    assert (result["overdue"], result["overdue_notified"]) == (2, 2)
    assert _events() == {"report_opening": 3, "report_overdue": 3 + 1}
    assert set(AnnualReport.objects.values_list("overdue_since", flat=True)) == {date(2027, 4, 5)}
    assert run_reporting_cycle(today=date(2027, 4, 5))["overdue_notified"] == 0


@pytest.mark.django_db
def test_it_reads_the_reminder_days_from_the_settings(world, settings):
    settings.REPORT_REMINDER_DAYS = [10, 20]
    assert run_reporting_cycle(today=date(2027, 3, 1))["reminder"] is None
    assert run_reporting_cycle(today=date(2027, 3, 12))["reminder"] == "reminder-10"
    assert _events() == {"report_opening": 3, "report_reminder-10": 3}


@pytest.mark.django_db
def test_it_clears_the_overdue_mark_on_submission_and_keeps_when_it_was_late(world):
    run_reporting_cycle(today=date(2027, 4, 1))
    ben = world["users"]["ben"]
    report = _submit(ben, world["ben"])
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert not report.is_overdue and report.overdue_since == date(2027, 4, 1)


@pytest.mark.django_db
def test_it_marks_a_report_returned_after_the_deadline_overdue_and_tells_once(
    world, alice, charlie
):
    run_reporting_cycle(today=date(2027, 3, 1))
    report = _submit(alice, world["alice"])
    run_reporting_cycle(today=date(2027, 4, 1))
    report.refresh_from_db()
    assert not report.is_overdue
    services.return_report(actor=charlie, report_id=report.pk, reason="请补充资金投入明细。")
    assert run_reporting_cycle(today=date(2027, 4, 8))["overdue"] == 1
    report.refresh_from_db()
    assert report.is_overdue and report.overdue_since == date(2027, 4, 8)
    assert Notification.objects.filter(event="report_overdue", recipient=alice).count() == 1
    # Submitted again, returned again: marked again, but told only the first time.
    services.save_report(actor=alice, report_id=report.pk, values={"problems": "无。"})
    services.submit_report(actor=alice, report_id=report.pk)
    services.return_report(actor=charlie, report_id=report.pk, reason="仍不完整。")
    assert run_reporting_cycle(today=date(2027, 5, 2))["overdue_notified"] == 0
    report.refresh_from_db()
    assert report.is_overdue
    assert Notification.objects.filter(event="report_overdue", recipient=alice).count() == 1


@pytest.mark.django_db
def test_it_stops_reminding_a_consortium_disqualified_during_march(world):
    run_reporting_cycle(today=date(2027, 3, 1))
    Consortium.objects.filter(pk=world["ben"].pk).update(status=Consortium.Status.DISQUALIFIED)
    assert run_reporting_cycle(today=date(2027, 3, 15))["reminded"] == 1
    assert run_reporting_cycle(today=date(2027, 4, 1))["overdue"] == 1  # alice's only
    assert not AnnualReport.objects.get(consortium=world["ben"]).is_overdue


@pytest.mark.django_db
def test_it_tells_a_lead_unit_without_users_once_it_has_one(charlie):
    unit = OrganizationFactory()
    consortium = make_consortium(lead=unit)
    result = run_reporting_cycle(today=date(2027, 3, 1))
    assert (result["created"], result["opening"]) == (1, 0)
    assert not ReminderLog.objects.exists()
    newcomer = make_user("newcomer", Role.APPLICANT)
    attach_user_to_unit(user=newcomer, organization=unit)
    result = run_reporting_cycle(today=date(2027, 3, 2))
    assert (result["opening"], result["reminded"]) == (1, 1)
    assert _notes() == {("report_opening", "newcomer"): 1, ("report_reminder-1", "newcomer"): 1}
    assert _logs() == {(consortium.name, "opening"): 1, (consortium.name, "reminder-1"): 1}


@pytest.mark.django_db
def test_it_sends_nothing_when_a_duplicate_slips_past_the_lock(world, monkeypatch):
    """The unique log row is the backstop: if two runs ever both tried to send, the second
    rolls back, its messages with it."""
    run_reporting_cycle(today=date(2027, 3, 1))
    before = Notification.objects.count()
    reports = list(AnnualReport.objects.select_related("consortium__lead"))
    monkeypatch.setattr(cycle, "_outstanding", lambda **kwargs: reports)
    with pytest.raises(IntegrityError):
        cycle._send(kind="opening", year=2026, today=date(2027, 3, 2))
    assert Notification.objects.count() == before
    assert ReminderLog.objects.filter(kind="opening").count() == 2


@pytest.mark.django_db
def test_it_says_what_it_did_in_chinese(world):
    lines = cycle.describe(run_reporting_cycle(today=date(2027, 3, 1)))
    assert lines == [
        "年度报告（2026年度）：新建2份，开始填报通知2份",
        "年度报告3月1日填报提醒：2份",
        "年度报告逾期：新标记0份，逾期通知0份",
    ]


@pytest.mark.django_db
def test_it_runs_as_a_celery_task_with_a_date(world):
    from reporting.tasks import run_reporting_cycle_task

    run_reporting_cycle_task.apply(args=["2027-03-01"])  # in-process
    assert ReminderLog.objects.count() == 4


@pytest.mark.django_db
def test_its_queries_do_not_grow_per_consortium_except_one_insert_per_message(charlie):
    def run_with(n, day):
        for _ in range(n):
            lead = make_user(f"u{n}-{_}", Role.APPLICANT)
            make_consortium(lead=lead.profile.organization)
        with CaptureQueriesContext(connection) as queries:
            run_reporting_cycle(today=day)
        return len(queries)

    small = run_with(2, date(2027, 3, 1))
    AnnualReport.objects.all().delete()
    Consortium.objects.all().delete()
    large = run_with(12, date(2028, 3, 1))
    # Each report costs one Notification insert per message it gets (opening, reminder),
    # through the single notification entry point; everything else is per stage.
    assert large - small <= 2 * (12 - 2)

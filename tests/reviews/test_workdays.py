"""Statutory working days (DESIGN.md §8).

Vectors checked against chinesecalendar 1.11's data: 春节 2025 is 01-28..02-04 with make-up
days 01-26 (Sun) and 02-08 (Sat); 国庆 2025 is 10-01..10-08 with 09-28 (Sun) and 10-11 (Sat);
春节 2026 is 02-15..02-23 with 02-14 (Sat) and 02-28 (Sat). The package knows no year after
2026, so 2027 falls back to Monday-Friday unless admins enter it.

Tests passing `overrides` need no database; those marked django_db use CalendarDay rows.
"""

from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest

from reviews.models import CalendarDay
from reviews.workdays import (
    STATUTORY_YEARS,
    add_working_days,
    calendar_known,
    calendar_warning,
    is_working_day,
    known_years,
    unknown_years,
    working_days_between,
)

NONE = {}  # no admin overrides: pure, no database


# --- is_working_day ----------------------------------------------------------------------


def test_it_reads_a_moment_as_the_day_in_liaoyang():
    # 2025-10-08 20:00 UTC is 9 October 04:00 in Liaoyang: a working day, not the holiday.
    moment = datetime(2025, 10, 8, 20, 0, tzinfo=UTC)
    assert is_working_day(moment, NONE) is True
    assert is_working_day(date(2025, 10, 8), NONE) is False


def test_it_agrees_with_chinesecalendar_on_every_day_the_package_knows():
    # workdays.py reads the package's tables directly (for speed); this keeps it honest.
    day, last = date(min(STATUTORY_YEARS), 1, 1), date(max(STATUTORY_YEARS), 12, 31)
    disagreements = []
    while day <= last:
        if is_working_day(day, NONE) != chinese_calendar.is_workday(day):
            disagreements.append(day)
        day += timedelta(days=1)
    assert disagreements == []
    assert day.year - min(STATUTORY_YEARS) >= 20  # it really walked the package's years


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 1, 26), True),  # Sunday, make-up day for 春节
        (date(2025, 1, 28), False),  # 除夕, Tuesday
        (date(2025, 2, 4), False),  # last day of 春节
        (date(2025, 2, 5), True),
        (date(2025, 2, 8), True),  # Saturday, make-up day
        (date(2025, 9, 28), True),  # Sunday, make-up day for 国庆
        (date(2025, 10, 6), False),  # 中秋 inside the National Day week
        (date(2025, 10, 8), False),
        (date(2025, 10, 11), True),  # Saturday, make-up day
        (date(2025, 10, 12), False),  # plain Sunday
        (date(2026, 2, 14), True),  # Saturday, make-up day for 春节 2026
        (date(2026, 2, 23), False),  # Monday, last day of 春节 2026
        (date(2026, 2, 28), True),  # Saturday, make-up day
        (date(2027, 1, 1), True),  # unknown year: a Friday is a working day
        (date(2027, 1, 2), False),
    ],
)
def test_it_follows_the_statutory_calendar(day, expected):
    assert is_working_day(day, NONE) is expected


def test_it_accepts_a_datetime():
    assert is_working_day(datetime(2025, 10, 1, 9, 30), NONE) is False


def test_it_lets_overrides_beat_chinesecalendar():
    monday, saturday = date(2025, 3, 3), date(2025, 3, 8)
    overrides = {monday: "holiday", saturday: "workday"}
    assert is_working_day(monday, NONE) is True
    assert is_working_day(monday, overrides) is False
    assert is_working_day(saturday, overrides) is True
    assert add_working_days(monday, 1, overrides=overrides) == date(2025, 3, 4)
    assert add_working_days(date(2025, 3, 7), 2, overrides=overrides) == saturday


# --- add_working_days --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # 国庆 2025: Mon 29, Tue 30, then 10-09, 10-10 and the make-up Saturday 10-11.
        (date(2025, 9, 29), 5, date(2025, 10, 11)),
        (date(2025, 9, 29), 6, date(2025, 10, 13)),
        # A notice published on the make-up Sunday counts it.
        (date(2025, 9, 28), 3, date(2025, 9, 30)),
        (date(2025, 9, 28), 4, date(2025, 10, 9)),
        # 春节 2025: Fri 24, make-up Sun 26, Mon 27, then 02-05, 02-06.
        (date(2025, 1, 24), 5, date(2025, 2, 6)),
        # Starting on a holiday: 02-05, 02-06, 02-07, make-up Saturday 02-08.
        (date(2025, 2, 1), 4, date(2025, 2, 8)),
        (date(2025, 10, 1), 5, date(2025, 10, 14)),
        # 春节 2026: Thu 12, Fri 13, make-up Sat 14, then Tue 24, Wed 25.
        (date(2026, 2, 12), 5, date(2026, 2, 25)),
        # The usual 20-working-day time limit across 春节 2026.
        (date(2026, 2, 2), 20, date(2026, 3, 5)),
        # Into an unknown year: Wed 30, Thu 31, Fri 2027-01-01, Mon 4, Tue 5.
        (date(2026, 12, 30), 5, date(2027, 1, 5)),
    ],
)
def test_it_adds_working_days(start, n, expected):
    assert add_working_days(start, n, overrides=NONE) == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (date(2025, 10, 9), date(2025, 10, 9)),  # a working day is its own first day
        (date(2025, 10, 11), date(2025, 10, 11)),  # so is a make-up Saturday
        (date(2025, 10, 1), date(2025, 10, 9)),  # a holiday: the next working day
        (date(2025, 3, 1), date(2025, 3, 3)),  # a plain Saturday: Monday
        (date(2025, 1, 25), date(2025, 1, 26)),  # Saturday before a make-up Sunday
    ],
)
def test_it_handles_n_equal_to_one(start, expected):
    assert add_working_days(start, 1, overrides=NONE) == expected


def test_it_falls_back_to_weekdays_in_an_unknown_year():
    # 2027-01-01 is a Friday; without a schedule it counts, then Mon 4 .. Thu 7.
    assert add_working_days(date(2027, 1, 1), 5, overrides=NONE) == date(2027, 1, 7)


def test_it_uses_an_override_in_an_unknown_year():
    overrides = {date(2027, 1, 1): "holiday"}
    assert add_working_days(date(2027, 1, 1), 5, overrides=overrides) == date(2027, 1, 8)


@pytest.mark.parametrize("n", [0, -1])
def test_it_refuses_fewer_than_one_day(n):
    with pytest.raises(ValueError):
        add_working_days(date(2025, 10, 9), n, overrides=NONE)


# --- working_days_between ----------------------------------------------------------------


def test_it_counts_working_days_inclusively():
    # 09-28 (make-up Sun), 29, 30, 10-09, 10-10, 10-11 (make-up Sat); 10-12 is a Sunday.
    assert working_days_between(date(2025, 9, 28), date(2025, 10, 12), overrides=NONE) == 6
    assert working_days_between(date(2025, 10, 1), date(2025, 10, 8), overrides=NONE) == 0
    assert working_days_between(date(2025, 10, 9), date(2025, 10, 9), overrides=NONE) == 1
    # 2026: Tue 24 .. Fri 27 and the make-up Saturday 28; 03-01 is a Sunday.
    assert working_days_between(date(2026, 2, 23), date(2026, 3, 1), overrides=NONE) == 5


def test_it_counts_nothing_when_end_is_before_start():
    assert working_days_between(date(2025, 10, 9), date(2025, 10, 8), overrides=NONE) == 0


def test_it_agrees_with_add_working_days():
    start = date(2024, 12, 1)
    for offset in range(0, 800, 7):
        day = start + timedelta(days=offset)
        for n in (1, 5, 20):
            end = add_working_days(day, n, overrides=NONE)
            assert working_days_between(day, end, overrides=NONE) == n
            assert is_working_day(end, NONE)


# --- known and unknown years -------------------------------------------------------------


def test_it_knows_the_years_chinesecalendar_knows():
    assert {2004, 2025, 2026} <= known_years(NONE)
    assert 2027 not in known_years(NONE)
    assert calendar_known(2026, NONE) is True
    assert calendar_known(2027, NONE) is False
    assert calendar_known(2003, NONE) is False


def test_it_treats_a_year_with_any_override_as_known():
    overrides = {date(2027, 1, 1): "holiday"}
    assert calendar_known(2027, overrides) is True
    assert 2027 in known_years(overrides)


def test_it_lists_unknown_years():
    assert unknown_years(date(2025, 6, 1), date(2026, 12, 31), overrides=NONE) == []
    assert unknown_years(date(2026, 12, 1), date(2028, 1, 5), overrides=NONE) == [2027, 2028]
    overrides = {date(2027, 10, 1): "holiday"}
    assert unknown_years(date(2026, 12, 1), date(2028, 1, 5), overrides=overrides) == [2028]


# --- calendar_warning --------------------------------------------------------------------


def test_it_warns_when_next_year_is_unknown():
    warning = calendar_warning(date(2026, 11, 20), overrides=NONE)
    assert warning == (
        "2027年的法定节假日安排尚未录入，工作日暂按周一至周五计算，"
        "请系统管理员在“节假日与调休”中录入。"
    )


def test_it_names_both_years_when_this_year_is_unknown_too():
    warning = calendar_warning(date(2027, 3, 1), overrides=NONE)
    assert warning.startswith("2027年、2028年的法定节假日安排尚未录入")


def test_it_does_not_warn_when_both_years_are_known():
    assert calendar_warning(date(2025, 6, 1), overrides=NONE) is None


def test_it_stops_warning_once_an_override_covers_the_year():
    assert calendar_warning(date(2026, 11, 20), overrides={date(2027, 1, 1): "holiday"}) is None


# --- with CalendarDay rows ---------------------------------------------------------------


@pytest.mark.django_db
def test_it_reads_calendar_days_from_the_database():
    assert add_working_days(date(2027, 1, 1), 5) == date(2027, 1, 7)
    assert calendar_warning(date(2026, 11, 20)) is not None

    CalendarDay.objects.create(date=date(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY, note="元旦")

    assert add_working_days(date(2027, 1, 1), 5) == date(2027, 1, 8)
    assert calendar_warning(date(2026, 11, 20)) is None
    assert calendar_known(2027) is True


@pytest.mark.django_db
def test_it_lets_calendar_days_beat_chinesecalendar():
    CalendarDay.objects.create(date=date(2025, 3, 3), kind=CalendarDay.Kind.HOLIDAY)
    CalendarDay.objects.create(date=date(2025, 3, 8), kind=CalendarDay.Kind.WORKDAY)

    assert is_working_day(date(2025, 3, 3)) is False
    assert is_working_day(date(2025, 3, 8)) is True
    assert working_days_between(date(2025, 3, 3), date(2025, 3, 9)) == 5


@pytest.mark.django_db
def test_it_loads_the_calendar_days_in_one_query(django_assert_num_queries):
    CalendarDay.objects.create(date=date(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY)
    with django_assert_num_queries(1):
        add_working_days(date(2026, 12, 1), 60)


def test_it_does_not_query_before_apps_are_ready(monkeypatch):
    from django.apps import apps

    monkeypatch.setattr(apps, "ready", False)
    assert add_working_days(date(2027, 1, 1), 5) == date(2027, 1, 7)


@pytest.mark.django_db
def test_it_shows_the_warning_on_the_calendar_admin(admin_client, time_machine):
    time_machine.move_to(datetime(2026, 11, 20, 10, 0))

    response = admin_client.get("/admin/reviews/calendarday/")
    assert "2027年的法定节假日安排尚未录入" in response.content.decode()

    CalendarDay.objects.create(date=date(2027, 1, 1), kind=CalendarDay.Kind.HOLIDAY)
    response = admin_client.get("/admin/reviews/calendarday/")
    assert "尚未录入" not in response.content.decode()

"""Working days of the Chinese statutory calendar (DESIGN.md §8).

Time limits in the Measures ("N个工作日") count statutory working days, not Monday to
Friday: the State Council's yearly schedule turns weekdays into holidays (春节, 国庆节 …) and
weekends into make-up working days (调休上班). A notice published on a make-up Sunday starts
counting that Sunday; a time limit running into the National Day week stops for eight days.

Sources, strongest first:
1. the admins' table `reviews.CalendarDay` ("节假日与调休"): corrections, and the schedule of
   years nobody else knows yet;
2. the `chinesecalendar` package, which here knows 2004-2026 (its data ends with the last
   schedule published when it was released; it raises NotImplementedError beyond);
3. for a year neither knows, Monday to Friday. That is wrong around the holidays, so
   `calendar_warning` tells admins to enter the schedule as soon as it is published
   (usually in November for the next year).

The functions are pure given `overrides`, a mapping {date: "holiday" | "workday"}. Passing
`overrides={}` never touches the database. With `overrides=None` each call loads every
CalendarDay row in one query (a few dozen rows a year); a caller looping over many
applications should call `load_overrides()` once and pass the result.
"""

from collections.abc import Mapping
from datetime import date, datetime, timedelta

import chinese_calendar
from django.utils.translation import gettext as _

HOLIDAY = "holiday"
WORKDAY = "workday"

# Derived from the package's own data rather than hard-coded, so an upgrade extends it.
STATUTORY_YEARS = frozenset(d.year for d in chinese_calendar.holidays)
# chinese_calendar.is_workday validates its argument against min()/max() of all its dates
# on every call; the work list asks about thousands of days per page, so the same rule is
# read straight from the package's own tables (its holidays and its make-up working days).
_STATUTORY_HOLIDAYS = frozenset(chinese_calendar.holidays)
_STATUTORY_WORKDAYS = frozenset(chinese_calendar.workdays)

Overrides = Mapping[date, str]


def load_overrides() -> dict[date, str]:
    """Every admin CalendarDay as {date: kind}, in one query; {} before Django apps are
    ready (e.g. at import time or in a script without django.setup())."""
    from django.apps import apps

    if not apps.ready:
        return {}
    from reviews.models import CalendarDay

    return dict(CalendarDay.objects.values_list("date", "kind"))


def _resolve(overrides: Overrides | None) -> Overrides:
    return load_overrides() if overrides is None else overrides


def _as_date(day: date) -> date:
    if isinstance(day, datetime):
        # A moment is a day in Liaoyang: an aware UTC time before 08:00 Beijing time would
        # otherwise fall on the day before.
        from django.utils import timezone

        return timezone.localdate(day) if timezone.is_aware(day) else day.date()
    return day


def _is_working_day(day: date, overrides: Overrides) -> bool:
    kind = overrides.get(day)
    if kind == HOLIDAY:
        return False
    if kind == WORKDAY:
        return True
    if day.year in STATUTORY_YEARS:
        # = chinese_calendar.is_workday(day), without its per-call validation.
        return day in _STATUTORY_WORKDAYS or (day.weekday() < 5 and day not in _STATUTORY_HOLIDAYS)
    return day.weekday() < 5


def is_working_day(day: date, overrides: Overrides | None = None) -> bool:
    """Whether people work on `day`: an admin override wins, then chinesecalendar, then
    Monday to Friday."""
    return _is_working_day(_as_date(day), _resolve(overrides))


def known_years(overrides: Overrides | None = None) -> set[int]:
    """Years whose statutory schedule is known: chinesecalendar's, and any year in which
    admins entered at least one holiday or make-up day."""
    return set(STATUTORY_YEARS) | {d.year for d in _resolve(overrides)}


def calendar_known(year: int, overrides: Overrides | None = None) -> bool:
    if year in STATUTORY_YEARS:
        return True
    return any(d.year == year for d in _resolve(overrides))


def add_working_days(start: date, n: int, *, overrides: Overrides | None = None) -> date:
    """The last day of a period of `n` working days that begins on `start`.

    `start` counts as day 1 if it is a working day; otherwise the first working day after
    it does. So n=1 on a working day gives `start` itself.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    overrides = _resolve(overrides)
    day = _as_date(start)
    counted = 0
    while True:
        if _is_working_day(day, overrides):
            counted += 1
            if counted == n:
                return day
        day += timedelta(days=1)


def working_days_between(start: date, end: date, *, overrides: Overrides | None = None) -> int:
    """How many working days lie between `start` and `end`, both included (0 if end is
    before start). For any n >= 1, working_days_between(s, add_working_days(s, n)) == n."""
    overrides = _resolve(overrides)
    day, end = _as_date(start), _as_date(end)
    count = 0
    while day <= end:
        count += _is_working_day(day, overrides)
        day += timedelta(days=1)
    return count


def unknown_years(start: date, end: date, *, overrides: Overrides | None = None) -> list[int]:
    """The years from `start` to `end` (inclusive) whose schedule nobody knows, in order;
    working days in them are counted Monday to Friday."""
    known = known_years(overrides)
    return [y for y in range(_as_date(start).year, _as_date(end).year + 1) if y not in known]


def calendar_warning(
    today: date | None = None, *, overrides: Overrides | None = None
) -> str | None:
    """A warning for admins when this year's or next year's schedule is unknown; None when
    both are known."""
    if today is None:
        from django.utils import timezone

        today = timezone.localdate()
    today = _as_date(today)
    years = unknown_years(date(today.year, 1, 1), date(today.year + 1, 1, 1), overrides=overrides)
    if not years:
        return None
    return _(
        "%(years)s的法定节假日安排尚未录入，工作日暂按周一至周五计算，"
        "请系统管理员在“节假日与调休”中录入。"
    ) % {"years": "、".join(f"{y}年" for y in years)}

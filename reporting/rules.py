"""The annual report's rules, as pure functions (no ORM, no HTTP): what a report must say
before it can be submitted, and the calendar of the reporting cycle (DESIGN.md §2 article
22, §6).

The calendar, decided here once:
- The cycle of year Y reports on year Y-1. It opens on 1 March of Y; reports are due by
  31 March; from 1 April an outstanding report is overdue.
- A consortium reports on Y-1 if it was named on or before 31 December of Y-1 (however
  late that year) and is still active when the report is created. One named in January
  or February of Y reports for the first time in the cycle of Y+1.
- Reminders go out on the configured days of March (default 1, 15, 25). After days on
  which the cycle did not run, only the LATEST reminder already due is sent, never a burst
  of the missed ones; the opening notice is always sent, whenever the report first exists.
  On 1 March itself both the opening notice and the day-1 reminder go out (the bureau
  configured a reminder that day). From 1 April no reminder is sent any more: the overdue
  notice takes their place.
"""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

OPENING = "opening"
OVERDUE = "overdue"
DEFAULT_REMINDER_DAYS = (1, 15, 25)

# A report's content: (field, label) of what must be filled in before submitting.
REQUIRED_TEXT = [
    ("rd_progress", gettext_lazy("研发进展")),
    ("team", gettext_lazy("团队建设")),
    ("funds", gettext_lazy("资金投入情况")),
    ("plan_this_year", gettext_lazy("本年度工作计划")),
    ("problems", gettext_lazy("存在的问题")),
    ("coordination_needed", gettext_lazy("需政府协调解决的事项")),
]
# (count field, text field, label): a count above zero needs its list.
RESULTS = [
    ("results_projects", "results_projects_text", gettext_lazy("科技项目")),
    ("results_patents", "results_patents_text", gettext_lazy("专利")),
    ("results_standards", "results_standards_text", gettext_lazy("标准")),
    ("results_transfers", "results_transfers_text", gettext_lazy("成果转化")),
]


def reporting_year(today: date) -> int:
    """The year the cycle running on `today` reports on."""
    return today.year - 1


def opening_date(year: int) -> date:
    """When reports on `year` open: 1 March of the next year."""
    return date(year + 1, 3, 1)


def due_date(year: int) -> date:
    """The last day to submit the report on `year`."""
    return date(year + 1, 3, 31)


def overdue_from(year: int) -> date:
    return date(year + 1, 4, 1)


def is_open_season(today: date) -> bool:
    """Has the cycle of today's year opened (reports on last year exist from today)?"""
    return today >= opening_date(reporting_year(today))


def reports_on(named_on: date, year: int) -> bool:
    """Does a consortium named on `named_on` report on `year`?"""
    return named_on <= date(year, 12, 31)


def reminder_kind(day: int) -> str:
    return f"reminder-{day}"


def clean_reminder_days(days) -> list[int]:
    """The configured days of March, sorted, without duplicates or impossible days."""
    cleaned = set()
    for day in days or ():
        try:
            day = int(day)
        except (TypeError, ValueError):
            continue
        if 1 <= day <= 31:
            cleaned.add(day)
    return sorted(cleaned)


def latest_reminder(today: date, days) -> str | None:
    """The reminder due on `today` (the latest configured day of March already reached), or
    None before the first one and from 1 April on."""
    year = reporting_year(today)
    if not (opening_date(year) <= today < overdue_from(year)):
        return None
    reached = [d for d in clean_reminder_days(days) if date(today.year, 3, d) <= today]
    return reminder_kind(reached[-1]) if reached else None


def overdue_years_up_to(today: date) -> int:
    """Reports on this year and earlier are overdue on `today` if still outstanding."""
    year = reporting_year(today)
    return year if today >= overdue_from(year) else year - 1


def kind_label(kind: str) -> str:
    if kind == OPENING:
        return _("开始填报通知")
    if kind == OVERDUE:
        return _("逾期通知")
    if kind.startswith("reminder-"):
        return _("3月%(day)s日填报提醒") % {"day": kind.removeprefix("reminder-")}
    return kind


@dataclass(frozen=True)
class Problem:
    field: str
    message: str


def check(content: dict) -> list[Problem]:
    """What stops a report with this content from being submitted (empty when nothing).
    `content` maps the report's field names to their values."""
    problems = []
    for field, label in REQUIRED_TEXT:
        if not str(content.get(field) or "").strip():
            problems.append(Problem(field, _("请填写“%(label)s”。") % {"label": label}))
    if content.get("funds_amount") is None:
        problems.append(Problem("funds_amount", _("请填写资金投入总额（万元），没有投入请填 0。")))
    elif content["funds_amount"] < 0:
        problems.append(Problem("funds_amount", _("资金投入总额不能为负数。")))
    for count_field, text_field, label in RESULTS:
        count = content.get(count_field) or 0
        if count > 0 and not str(content.get(text_field) or "").strip():
            problems.append(
                Problem(
                    text_field,
                    _("已填写%(label)s%(count)s项，请逐项列出。")
                    % {"label": label, "count": count},
                )
            )
    return problems

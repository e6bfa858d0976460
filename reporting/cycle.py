"""The reporting cycle (DESIGN.md §6), run once a day by liaoyang_consortia.daily (the
beat task and `manage.py run_daily_jobs --date`) or by reporting.tasks.

As of `today`, in year Y (the calendar is decided in reporting/rules.py):
1. from 1 March: every active consortium named on or before 31 December of Y-1 has an
   AnnualReport(year=Y-1), created pending;
2. its lead unit's users are told once ("opening");
3. in March, the latest reminder day reached ("reminder-<day>") goes to the lead users of
   every report of Y-1 not yet submitted (pending, draft or returned), once per report;
4. from 1 April (of the year after the report's year): outstanding reports are marked
   overdue, and the lead users and the city staff are told once ("overdue"; city staff
   get one message per run listing the reports, not one per report).

Exactly once: each message is queued (a Notification row, e-mailed after commit) in the same
transaction as its ReminderLog row, whose (report, kind) is unique. A run that crashes
leaves neither; a second run, or a run after missed days, finds the log and sends nothing
twice. Two runs at once: the second waits on the row locks, then re-reads the log.

Speed: each stage is a fixed number of queries (a bulk insert, one locking read, one read
of the recipients, one bulk insert of the log) plus one insert of Notification rows per
report, through the single notification entry point.
"""

import logging
from datetime import date

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.translation import gettext as _

from applications.models import Consortium
from liaoyang_consortia.notifications import notify
from members.roles import UNIT_GROUP_PREFIX, Role
from reporting import rules
from reporting.models import OPEN_STATUSES, AnnualReport, ReminderLog

logger = logging.getLogger(__name__)

ACTIVE = Consortium.Status.ACTIVE
# How many consortia the city staff's overdue message names before "and N more".
CITY_LIST_LIMIT = 30


def reminder_days() -> list[int]:
    return rules.clean_reminder_days(
        getattr(settings, "REPORT_REMINDER_DAYS", list(rules.DEFAULT_REMINDER_DAYS))
    )


def run_reporting_cycle(*, today: date) -> dict:
    """Bring the reports up to date as of `today`; returns what was done (counts)."""
    year = rules.reporting_year(today)
    result = {
        "date": today.isoformat(),
        "year": year,
        "created": 0,
        "opening": 0,
        "reminder": None,
        "reminded": 0,
        "overdue": 0,
        "overdue_notified": 0,
    }
    if rules.is_open_season(today):
        result["created"] = create_reports(year=year)
        result["opening"] = _send(kind=rules.OPENING, year=year, today=today)
        kind = rules.latest_reminder(today, reminder_days())
        if kind:
            result["reminder"] = kind
            result["reminded"] = _send(kind=kind, year=year, today=today)
    result["overdue"], result["overdue_notified"] = mark_overdue(today=today)
    logger.info("reporting cycle %s", result)
    return result


def describe(result: dict) -> list[str]:
    """The cycle's result as lines for run_daily_jobs' output, in Chinese."""
    lines = [
        _("年度报告（%(year)s年度）：新建%(created)d份，开始填报通知%(opening)d份")
        % {"year": result["year"], "created": result["created"], "opening": result["opening"]}
    ]
    if result["reminder"]:
        lines.append(
            _("年度报告%(kind)s：%(n)d份")
            % {"kind": rules.kind_label(result["reminder"]), "n": result["reminded"]}
        )
    lines.append(
        _("年度报告逾期：新标记%(marked)d份，逾期通知%(told)d份")
        % {"marked": result["overdue"], "told": result["overdue_notified"]}
    )
    return lines


def create_reports(*, year: int) -> int:
    """Create the missing reports on `year` (pending) for the consortia that owe one."""
    owing = (
        Consortium.objects.filter(status=ACTIVE, named_on__lte=date(year, 12, 31))
        .exclude(annual_reports__year=year)
        .values_list("pk", flat=True)
    )
    ids = list(owing)
    if ids:
        # ignore_conflicts: a run at the same moment may have created some of them.
        AnnualReport.objects.bulk_create(
            [AnnualReport(consortium_id=pk, year=year) for pk in ids],
            batch_size=500,
            ignore_conflicts=True,
        )
    return len(ids)


def _lead_users(reports) -> dict[str, list]:
    """{unit group name: its active users}, for the lead units of `reports`, in one query."""
    names = {f"{UNIT_GROUP_PREFIX}{r.consortium.lead.uscc}" for r in reports}
    users: dict[str, list] = {name: [] for name in names}
    if not names:
        return users
    rows = (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=names)
        .annotate(unit_group=F("groups__name"))
        .order_by("pk")
    )
    for user in rows:
        users[user.unit_group].append(user)
    return users


def _outstanding(*, kind: str, **filters) -> list[AnnualReport]:
    """Lock the open reports of active consortia matching `filters` that have no `kind`
    message yet; re-read the log after the lock, in case a run at the same moment has just
    sent some of them."""
    candidates = list(
        AnnualReport.objects.select_for_update(of=("self",))
        .filter(status__in=OPEN_STATUSES, consortium__status=ACTIVE, **filters)
        .exclude(reminders__kind=kind)
        .select_related("consortium", "consortium__lead")
        .order_by("pk")
    )
    if not candidates:
        return []
    done = set(
        ReminderLog.objects.filter(kind=kind, report_id__in=[r.pk for r in candidates]).values_list(
            "report_id", flat=True
        )
    )
    return [r for r in candidates if r.pk not in done]


def _message(kind: str, report: AnnualReport, today: date) -> tuple[str, str]:
    due = rules.due_date(report.year)
    values = {
        "title": report.title,
        "name": report.consortium.name,
        "year": report.year,
        "due": f"{due.year}年{due.month}月{due.day}日",
    }
    if kind == rules.OPENING:
        return (
            _("【年度报告】请报送%(name)s%(year)s年度建设运行情况报告") % values,
            _(
                "根据《辽阳市创新联合体建设管理办法》第二十二条，请于%(due)s前报送"
                "%(name)s%(year)s年度建设运行情况报告（上年度运行情况、成果、团队、资金投入，"
                "本年度计划、存在的问题及需政府协调解决的事项）。"
            )
            % values,
        )
    if kind == rules.OVERDUE:
        return (
            _("【年度报告逾期】%(title)s尚未报送") % values,
            _("%(title)s已超过报送期限（%(due)s），请尽快填报并报送。") % values,
        )
    return (
        _("【年度报告提醒】%(title)s尚未报送") % values,
        _("%(title)s尚未报送，报送截止日期为%(due)s，请及时填报。") % values,
    )


def _send(*, kind: str, year: int, today: date) -> int:
    """Tell the lead users of every open report on `year` that has not had `kind` yet."""
    with transaction.atomic():
        reports = _outstanding(kind=kind, year=year)
        users = _lead_users(reports)
        logs = []
        for report in reports:
            recipients = users[f"{UNIT_GROUP_PREFIX}{report.consortium.lead.uscc}"]
            if not recipients:
                # Nobody to tell yet: no log, so the unit's first user is told next run.
                continue
            subject, body = _message(kind, report, today)
            notify(
                recipients=recipients,
                event=f"report_{kind}",
                subject=subject,
                body=body,
                url=reverse("reporting:edit", args=[report.pk]),
            )
            logs.append(ReminderLog(report=report, kind=kind, on_date=today))
        # No ignore_conflicts: should a duplicate slip past the lock, the whole stage rolls
        # back, its messages with it, and nothing is sent twice.
        ReminderLog.objects.bulk_create(logs, batch_size=500)
    return len(logs)


def mark_overdue(*, today: date) -> tuple[int, int]:
    """Mark the outstanding reports past their deadline; tell the lead users of each and
    the city staff, once per report. Returns (marked, told)."""
    last_year = rules.overdue_years_up_to(today)
    with transaction.atomic():
        late = list(
            AnnualReport.objects.select_for_update(of=("self",))
            .filter(
                status__in=OPEN_STATUSES,
                consortium__status=ACTIVE,
                year__lte=last_year,
                is_overdue=False,
            )
            .values_list("pk", flat=True)
            .order_by("pk")
        )
        if late:
            AnnualReport.objects.filter(pk__in=late).update(
                is_overdue=True, overdue_since=Coalesce("overdue_since", Value(today))
            )
        # Also those marked before but never told (a report returned after the deadline is
        # marked again, but its lead was told the first time).
        reports = _outstanding(kind=rules.OVERDUE, year__lte=last_year, is_overdue=True)
        users = _lead_users(reports)
        for report in reports:
            recipients = users[f"{UNIT_GROUP_PREFIX}{report.consortium.lead.uscc}"]
            subject, body = _message(rules.OVERDUE, report, today)
            notify(
                recipients=recipients,
                event=f"report_{rules.OVERDUE}",
                subject=subject,
                body=body,
                url=reverse("reporting:edit", args=[report.pk]),
            )
        if reports:
            _tell_city(reports)
        ReminderLog.objects.bulk_create(
            [ReminderLog(report=r, kind=rules.OVERDUE, on_date=today) for r in reports],
            batch_size=500,
        )
    return len(late), len(reports)


def _tell_city(reports) -> None:
    city = list(get_user_model().objects.filter(is_active=True, groups__name=Role.CITY_STAFF.value))
    names = [f"{r.consortium.name}（{r.year}年度）" for r in reports[:CITY_LIST_LIMIT]]
    listing = "\n".join(names)
    if len(reports) > CITY_LIST_LIMIT:
        listing += "\n" + _("等，共%(n)d份。") % {"n": len(reports)}
    notify(
        recipients=city,
        event=f"report_{rules.OVERDUE}",
        subject=_("【年度报告逾期】%(n)d份年度报告逾期未报送") % {"n": len(reports)},
        body=_("以下创新联合体的年度报告已超过报送期限，尚未报送：\n%(list)s") % {"list": listing},
        url=reverse("reporting:list") + "?overdue=1",
    )

"""Statistics for city staff (issue 5 §6): the tables of the statistics page and of its
Excel export.

Each table is a fixed number of aggregate queries (values().annotate(Count)) whatever the
number of rows behind it (DESIGN.md §11); the pipeline is the one exception, see
`pipeline_table`. The four application tables and the year filter are sums of one grouped
query (`application_counts`), which the page runs once for all of them. The pure helpers
(`pipeline_from_logs`, `mean_median`, `days`, `sum_counts`) take no ORM and are tested
without a database.

What the tables count:
- Applications: only those that have been submitted (submitted_at set). A draft that was
  never submitted is the applicant's own work, which city staff do not see either
  (applications.policy.visible_q), so it is excluded, not counted under 未提交.
  Their year is the year of submitted_at (the latest submission), in the portal's time zone.
- Consortia: by status; the year filter takes those named in that year.
- Annual reports: by report year (the year reported on, filed the following March).
"""

import io
import statistics
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, FloatField, Func, Q
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.models import Application, Consortium, State
from members.models import County, IndustryField
from reporting.charts import Series, bar_chart

# The states an application waits in between submission and naming, in the order of
# DESIGN.md §4 (returned: the applicant revises; the rest: the reviewers act).
PIPELINE_STATES = [
    State.COUNTY_REVIEW,
    State.RETURNED,
    State.CITY_INTAKE,
    State.EXPERT_REVIEW,
    State.REVIEW_PASSED,
    State.PUBLIC_NOTICE,
    State.OBJECTION_REVIEW,
    State.PARTY_GROUP_REVIEW,
]


@dataclass
class Table:
    """One statistics table: the page shows it beside its chart, the export writes it as a
    sheet. Cells are str (labels), int (counts), float (days, one decimal) or None."""

    key: str
    title: str
    sheet: str
    headers: list[str]
    rows: list[list]
    footer: list[list] = field(default_factory=list)
    # Which columns the chart draws (one bar series each) and the unit of their values.
    chart_columns: list[int] = field(default_factory=lambda: [1])
    chart_unit: str = ""
    # The chart's labels when the first column is not text (years).
    chart_labels: list[str] | None = None
    note: str = ""

    def chart(self):
        labels = self.chart_labels or [str(row[0]) for row in self.rows]
        series = [
            Series(self.headers[c], [row[c] for row in self.rows], self.chart_unit)
            for c in self.chart_columns
        ]
        return bar_chart(chart_id=self.key, title=self.title, labels=labels, series=series)

    def display_rows(self):
        return [[_display(cell) for cell in row] for row in self.rows]

    def display_footer(self):
        return [[_display(cell) for cell in row] for row in self.footer]


def _display(cell) -> dict:
    if cell is None:
        return {"text": "—", "number": True}
    if isinstance(cell, float):
        return {"text": f"{cell:.1f}", "number": True}
    if isinstance(cell, Decimal):  # an amount (万元)
        return {"text": f"{cell:,.2f}", "number": True}
    return {"text": str(cell), "number": isinstance(cell, int)}


# --- Pure helpers ----------------------------------------------------------------------


def days(delta: timedelta | float) -> float:
    """Days in a timedelta, or in a number of seconds."""
    seconds = delta.total_seconds() if isinstance(delta, timedelta) else delta
    return seconds / 86400


class EpochSeconds(Func):
    """A timestamp as seconds since 1970 (a float). The pipeline reads ten thousand log
    rows, and Django's time-zone-aware loading of each timestamp costs more than the rest
    of the page together; differences of these numbers are the same durations."""

    output_field = FloatField()
    # date_part, not EXTRACT: since PostgreSQL 14 EXTRACT answers a numeric, which the
    # driver reads as a Decimal, row by row (a quarter of the pipeline's time). date_part
    # gives the same number as a float8 (the microseconds divided by a million, rounded
    # once, as float(Decimal) rounds it).
    template = "date_part('epoch', %(expressions)s)"

    def as_sqlite(self, compiler, connection, **extra_context):
        # The demo database (make run).
        return self.as_sql(
            compiler,
            connection,
            template="(julianday(%(expressions)s) - 2440587.5) * 86400.0",
            **extra_context,
        )


def mean_median(values: list[float]) -> tuple[float | None, float | None]:
    """Mean and median rounded to one decimal, or (None, None) for no values."""
    if not values:
        return None, None
    return round(statistics.fmean(values), 1), round(statistics.median(values), 1)


@dataclass
class Pipeline:
    # state → the applications that entered it
    entered: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    # state → the length in days of each finished stay in it (entered, then left)
    stays: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # days from the first submission to the approval, one per approved application
    totals: list[float] = field(default_factory=list)


def pipeline_from_logs(
    rows: Iterable[tuple[int, str | None, str, datetime | float]],
) -> Pipeline:
    """The time spent in each state, from the transition log.

    rows: (object_id, source_state, state, timestamp), ordered by object and time; the
    timestamps are datetimes or seconds since 1970 (pipeline_table reads the latter). A stay
    runs from the log row that entered a state to the row that left it; a stay still going
    on is not a duration yet, and one whose entry is missing from the log (its source is not
    the state the log last entered) is skipped rather than guessed. Time as a draft is not
    counted: the pipeline starts at the first submission.
    """
    result = Pipeline()
    current = object()
    state = since = first_submitted = None
    for object_id, source, target, at in rows:
        if object_id != current:
            current, state, since, first_submitted = object_id, None, None, None
        if since is not None and state == source:
            result.stays[state].append(days(at - since))
        if target == State.COUNTY_REVIEW and first_submitted is None:
            first_submitted = at
        if target == State.APPROVED and first_submitted is not None:
            result.totals.append(days(at - first_submitted))
        result.entered[target].add(object_id)
        state, since = target, at
    return result


# --- Selectors -------------------------------------------------------------------------


def parse_year(value) -> int | None:
    """A year from the query string, or None: a bad filter is ignored, not an error."""
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return year if 2000 <= year <= 2100 else None


def submitted_applications(year: int | None = None):
    qs = Application.objects.filter(submitted_at__isnull=False)
    if year:
        qs = qs.filter(submitted_at__year=year)
    return qs.order_by()


# The columns of an application_counts row, and what each table sums.
YEAR, STATE, COUNTY, FIELD, COUNT = range(5)


def application_counts(year: int | None = None) -> list[tuple]:
    """The submitted applications counted by (year, state, the lead unit's county, industry
    field): one query, a row per combination that occurs (a few hundred at most: 12 states,
    the years, the counties and fields of Liaoyang), from which the states, counties, fields
    and years tables and the year filter are summed in Python. It replaces one scan of the
    applications per table; the `application_statistics` index holds every column it reads,
    so the wide rows are not read either (DESIGN.md §11).

    Their year is that of submitted_at in the portal's time zone, the same as the
    submitted_at__year filter of the other tables."""
    return list(
        submitted_applications(year)
        .annotate(y=ExtractYear("submitted_at"))
        .values("y", "state", "lead__county_id", "industry_field_id")
        # COUNT(*), not COUNT(id): the id is not in the index, and reading it would mean
        # reading the table.
        .annotate(n=Count("*"))
        .values_list("y", "state", "lead__county_id", "industry_field_id", "n")
    )


def sum_counts(counts: Iterable[tuple], column: int, year: int | None = None) -> dict:
    """column value → number of applications, over the application_counts rows of a year
    (all years if None). Values that do not occur are absent, as in a GROUP BY."""
    totals: dict = defaultdict(int)
    for row in counts:
        if year is None or row[YEAR] == year:
            totals[row[column]] += row[COUNT]
    return dict(totals)


def _counts(counts, year):
    # A table asked on its own (the Excel export of one sheet) runs its own query.
    return application_counts(year) if counts is None else counts


def available_years(today: date | None = None, *, counts: list[tuple] | None = None) -> list[int]:
    """The years the filter offers: those with submissions, and this year and the last
    (annual reports are filed for the year before). One query, or none given the
    application_counts of every year."""
    today = today or timezone.localdate()
    years = set(sum_counts(_counts(counts, None), YEAR))
    years |= {today.year, today.year - 1}
    return sorted((y for y in years if y), reverse=True)


def _applications_note(year):
    note = _("仅统计已提交的申请（从未提交的草稿不计入）。")
    if year:
        note += _("年度按最近一次提交时间计。")
    return note


def states_table(year: int | None = None, *, counts: list[tuple] | None = None) -> Table:
    counts = sum_counts(_counts(counts, year), STATE, year)
    # No draft row: a submitted application never goes back to draft (returned is its own
    # state).
    rows = [
        [str(label), counts.get(value, 0)] for value, label in State.choices if value != State.DRAFT
    ]
    return Table(
        key="states",
        title=_("申请按状态统计"),
        sheet=_("按状态"),
        headers=[_("状态"), _("申请数（件）")],
        rows=rows,
        footer=[[_("合计"), sum(counts.values())]],
        chart_unit=_("件"),
        note=_applications_note(year),
    )


def counties_table(year: int | None = None, *, counts: list[tuple] | None = None) -> Table:
    """By the county of the lead unit; a lead outside Liaoyang counts under 辽阳市外."""
    counts = sum_counts(_counts(counts, year), COUNTY, year)
    rows = [
        [county.name, counts.get(county.pk, 0)]
        for county in County.objects.all()
        if county.is_active or county.pk in counts
    ]
    rows.append([_("辽阳市外"), counts.get(None, 0)])
    return Table(
        key="counties",
        title=_("申请按县（市、区）统计"),
        sheet=_("按县区"),
        headers=[_("牵头单位所在地"), _("申请数（件）")],
        rows=rows,
        footer=[[_("合计"), sum(counts.values())]],
        chart_unit=_("件"),
        note=_applications_note(year),
    )


def fields_table(year: int | None = None, *, counts: list[tuple] | None = None) -> Table:
    counts = sum_counts(_counts(counts, year), FIELD, year)
    rows = [
        [f.name, counts.get(f.pk, 0)]
        for f in IndustryField.objects.all()
        if (f.is_active and f.in_scope) or f.pk in counts
    ]
    if counts.get(None):
        rows.append([_("未填写"), counts[None]])
    return Table(
        key="fields",
        title=_("申请按产业领域统计"),
        sheet=_("按产业领域"),
        headers=[_("产业领域"), _("申请数（件）")],
        rows=rows,
        footer=[[_("合计"), sum(counts.values())]],
        chart_unit=_("件"),
        note=_applications_note(year),
    )


def years_table(year: int | None = None, *, counts: list[tuple] | None = None) -> Table:
    finished = {State.APPROVED, State.REJECTED, State.WITHDRAWN}
    by_year: dict[int, dict] = defaultdict(lambda: dict.fromkeys(("n", *finished, "open"), 0))
    for row in _counts(counts, year):
        if year is None or row[YEAR] == year:
            found = by_year[row[YEAR]]
            found["n"] += row[COUNT]
            found[row[STATE] if row[STATE] in finished else "open"] += row[COUNT]
    columns = ("n", State.APPROVED, State.REJECTED, State.WITHDRAWN, "open")
    rows = [[y, *(by_year[y][c] for c in columns)] for y in sorted(by_year)]
    footer = [[_("合计"), *(sum(row[i] for row in rows) for i in range(1, 6))]] if rows else []
    return Table(
        key="years",
        title=_("申请按提交年度统计"),
        sheet=_("按年度"),
        headers=[
            _("提交年度"),
            _("申请数（件）"),
            _("已认定（件）"),
            _("未通过（件）"),
            _("已撤回（件）"),
            _("办理中（件）"),
        ],
        rows=rows,
        footer=footer,
        chart_columns=[1, 2],
        chart_unit=_("件"),
        chart_labels=[_("%(year)s年") % {"year": row[0]} for row in rows],
        note=_("仅统计已提交的申请；年度按最近一次提交时间计。"),
    )


def pipeline_table(year: int | None = None) -> Table:
    """From submission to naming: how many applications entered each state, and how long
    they stayed, from the django-fsm-log transition log.

    One query loads the log rows of the submitted applications and Python computes the
    durations. It is bounded: a few short rows per application (about 13,000 rows for the
    10,000 applications of DESIGN.md §11), read in one go (a server-side cursor cost more
    than the rows) and folded application by application.

    Folding in SQL instead (window functions for the stays, percentile_disc for the
    medians, PostgreSQL only) was measured at that size and was slower: 27 ms in the
    database against 15 ms to read the rows and 4 ms to fold them here.
    """
    from django.contrib.contenttypes.models import ContentType
    from django_fsm_log.models import StateLog

    logs = (
        StateLog.objects.filter(
            # The id itself (Django caches it), not a join on app label and model: with the
            # join PostgreSQL guesses a few hundred rows and looks each application up on
            # its own (DESIGN.md §11, 10,000 applications).
            content_type_id=ContentType.objects.get_for_model(Application).pk,
            object_id__in=submitted_applications(year).values("pk"),
        )
        .order_by("object_id", "timestamp", "pk")
        .values_list("object_id", "source_state", "state", EpochSeconds("timestamp"))
    )
    # The compiled query on a plain cursor: the rows come back as the driver's tuples in
    # one fetch, without the queryset's per-row conversion and 100-row chunks (a quarter
    # of the time at 13,000 rows). The SQL is still Django's, for either database.
    sql, params = logs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        result = pipeline_from_logs(cursor.fetchall())
    rows = []
    for state in PIPELINE_STATES:
        mean, median = mean_median(result.stays.get(state, []))
        rows.append(
            [
                str(state.label),
                len(result.entered.get(state, ())),
                len(result.stays.get(state, [])),
                mean,
                median,
            ]
        )
    rows.append(
        [str(State.APPROVED.label), len(result.entered.get(State.APPROVED, ())), 0, None, None]
    )
    mean, median = mean_median(result.totals)
    return Table(
        key="pipeline",
        title=_("从提交到认定的办理环节"),
        sheet=_("办理环节"),
        headers=[
            _("环节"),
            _("经过的申请（件）"),
            _("已结束的停留（次）"),
            _("平均停留（天）"),
            _("停留中位数（天）"),
        ],
        rows=rows,
        footer=[[_("从首次提交到认定（合计）"), len(result.totals), None, mean, median]],
        chart_columns=[3, 4],
        chart_unit=_("天"),
        note=_(
            "停留时间为进入该环节至离开该环节的时间（按状态变更记录计，尚未离开的不计）；"
            "退回修改后再次提交的，各次停留分别计入。"
        ),
    )


def consortia_table(year: int | None = None) -> Table:
    qs = Consortium.objects.order_by()
    if year:
        qs = qs.filter(named_on__year=year)
    counts = dict(qs.values("status").annotate(n=Count("id")).values_list("status", "n"))
    rows = [[str(label), counts.get(value, 0)] for value, label in Consortium.Status.choices]
    return Table(
        key="consortia",
        title=_("创新联合体按状态统计"),
        sheet=_("联合体状态"),
        headers=[_("状态"), _("联合体数（个）")],
        rows=rows,
        footer=[[_("合计"), sum(counts.values())]],
        chart_unit=_("个"),
        note=_("按年度筛选时，统计当年认定的联合体。"),
    )


def reports_table(year: int | None = None) -> Table:
    # Imported here: the annual reports arrive with their own part of issue 5, and the rest
    # of the statistics must not depend on the order in which the parts land.
    from reporting.models import AnnualReport, ReportStatus

    qs = AnnualReport.objects.order_by()
    if year:
        qs = qs.filter(year=year)
    in_hand = [ReportStatus.SUBMITTED, ReportStatus.ACCEPTED]
    data = (
        qs.values("year")
        .annotate(
            due=Count("id"),
            submitted=Count("id", filter=Q(status__in=in_hand)),
            accepted=Count("id", filter=Q(status=ReportStatus.ACCEPTED)),
            returned=Count("id", filter=Q(status=ReportStatus.RETURNED)),
            unsubmitted=Count(
                "id", filter=Q(status__in=[ReportStatus.PENDING, ReportStatus.DRAFT])
            ),
            overdue=Count("id", filter=Q(is_overdue=True)),
            late=Count("id", filter=Q(overdue_since__isnull=False, status__in=in_hand)),
        )
        .order_by("year")
    )
    columns = ("due", "submitted", "accepted", "returned", "unsubmitted", "overdue", "late")
    rows = [[d["year"], *(d[c] for c in columns)] for d in data]
    footer = (
        [[_("合计"), *(sum(row[i] for row in rows) for i in range(1, len(columns) + 1))]]
        if len(rows) > 1
        else []
    )
    return Table(
        key="reports",
        title=_("年度报告报送情况"),
        sheet=_("年度报告"),
        headers=[
            _("报告年度"),
            _("应报（份）"),
            _("已报送（份）"),
            _("其中已通过（份）"),
            _("已退回修改（份）"),
            _("未报送（份）"),
            _("逾期未报（份）"),
            _("逾期后报送（份）"),
        ],
        rows=rows,
        footer=footer,
        chart_columns=[1, 2, 6],
        chart_unit=_("份"),
        chart_labels=[_("%(year)s年度") % {"year": row[0]} for row in rows],
        note=_(
            "报告年度为报告所述的年度（次年3月报送）。已报送含待审核和已通过；"
            "逾期未报为截止日后仍未报送（含退回后未重报）的报告。"
        ),
    )


def grades_table(year: int | None = None) -> Table:
    """考核等次: per round, how many consortia were graded 优秀/良好/合格/不合格 (published
    results only: before publication a grade is the bureau's draft) and how many are in
    rectification (整改中, including those waiting for the re-check). One query."""
    from reporting.assessments.models import Assessment, AssessmentState, Grade, Rectification

    qs = Assessment.objects.order_by()
    if year:
        qs = qs.filter(round__year=year)
    published = Q(state=AssessmentState.PUBLISHED)
    rectifying = [Rectification.Status.OPEN, Rectification.Status.SUBMITTED]
    data = (
        qs.values("round_id", "round__title", "round__year", "round__kind")
        .annotate(
            scope=Count("id"),
            **{grade: Count("id", filter=published & Q(grade=grade)) for grade in Grade.values},
            rectifying=Count("id", filter=Q(rectification__status__in=rectifying)),
        )
        .order_by("round__year", "round__kind", "round_id")
    )
    columns = ("scope", *Grade.values, "rectifying")
    rows = [[d["round__title"], *(d[c] for c in columns)] for d in data]
    footer = (
        [[_("合计"), *(sum(row[i] for row in rows) for i in range(1, len(columns) + 1))]]
        if len(rows) > 1
        else []
    )
    return Table(
        key="grades",
        title=_("考核评估等次统计"),
        sheet=_("考核等次"),
        headers=[
            _("考核批次"),
            _("纳入考核（个）"),
            *(_("%(grade)s（个）") % {"grade": label} for label in Grade.labels),
            _("整改中（个）"),
        ],
        rows=rows,
        footer=footer,
        chart_columns=[2, 3, 4, 5],
        chart_unit=_("个"),
        note=_(
            "按考核年度筛选。等次仅统计已发布的考核结果（逾期未提交的按不合格计）；"
            "整改中含已报送整改情况、待复核的。"
        ),
    )


def support_table(year: int | None = None) -> Table:
    """支持情况台账 (article 18): per kind of support, the number of records and the total
    amount in 万元 (records without an amount count, but add nothing). One query."""
    from reporting.support.models import SupportKind, SupportRecord
    from reporting.support.selectors import totals_by_kind

    qs = SupportRecord.objects.all()
    if year:
        qs = qs.filter(date__year=year)
    totals = totals_by_kind(qs)
    rows = [
        [str(label), totals[kind][0], totals[kind][1] or Decimal("0.00")]
        for kind, label in SupportKind.choices
    ]
    return Table(
        key="support",
        title=_("支持情况台账"),
        sheet=_("支持情况"),
        headers=[_("支持类别"), _("记录数（条）"), _("金额合计（万元）")],
        rows=rows,
        footer=[
            [
                _("合计"),
                sum(row[1] for row in rows),
                sum((row[2] for row in rows), Decimal("0.00")),
            ]
        ],
        chart_unit=_("条"),
        note=_(
            "按《辽阳市创新联合体建设管理办法》第十八条的支持类别统计；按年度筛选时按支持日期计。"
        ),
    )


def coordination_table(year: int | None = None) -> Table:
    """协调事项 (article 22): per department, the items assigned to it and how they stand,
    and a last row for those not assigned yet (待分办). Two queries."""
    from reporting.coordination.models import CoordinationItem, Department
    from reporting.coordination.selectors import by_department

    qs = CoordinationItem.objects.all()
    if year:
        qs = qs.filter(report__year=year)
    counts = by_department(qs)
    empty = {"total": 0, "pending": 0, "in_progress": 0, "answered": 0, "overdue": 0}
    rows = []
    # Every active department, and an inactive one that still has items.
    for department in Department.objects.all():
        found = counts.get(department.pk, empty)
        if department.active or found["total"]:
            rows.append(
                [
                    department.name,
                    found["total"],
                    found["in_progress"],
                    found["answered"],
                    found["overdue"],
                    0,
                ]
            )
    pending = counts.get(None, empty)
    rows.append([str(_("（尚未分办）")), 0, 0, 0, pending["overdue"], pending["pending"]])
    return Table(
        key="coordination",
        title=_("协调事项办理情况"),
        sheet=_("协调事项"),
        headers=[
            _("承办部门"),
            _("分办事项（件）"),
            _("办理中（件）"),
            _("已答复（件）"),
            _("已超期（件）"),
            _("待分办（件）"),
        ],
        rows=rows,
        footer=[[_("合计"), *(sum(row[i] for row in rows) for i in range(1, 6))]],
        chart_columns=[2, 3, 4],
        chart_unit=_("件"),
        note=_(
            "年度报告中“需要政府部门协调解决的事项”，审核通过后逐项登记；已超期指超过办理期限仍未答复的。"
            "按年度筛选时按报告年度计。"
        ),
    )


# The fixed set of tables, in page order: the export URLs are made from these keys.
TABLES = {
    "states": states_table,
    "counties": counties_table,
    "fields": fields_table,
    "years": years_table,
    "pipeline": pipeline_table,
    "consortia": consortia_table,
    "reports": reports_table,
    "grades": grades_table,
    "support": support_table,
    "coordination": coordination_table,
}


# The tables summed from application_counts.
APPLICATION_TABLES = {"states", "counties", "fields", "years"}


def all_tables(year: int | None = None, *, counts: list[tuple] | None = None) -> list[Table]:
    """Every table; the application tables share one application_counts query."""
    counts = _counts(counts, year)
    return [
        build(year, counts=counts) if key in APPLICATION_TABLES else build(year)
        for key, build in TABLES.items()
    ]


# The statistics page reads every submitted application and the whole transition log
# (about 60 ms at 10,000 applications, DESIGN.md §11, which holds without this cache).
# Figures for the bureau need not be to the second: the page keeps its tables and charts
# for a few minutes and says as of when. The Excel export is always computed afresh.
PAGE_CACHE_SECONDS = 300


@dataclass
class Page:
    tables: list[tuple[Table, str]]  # (table, its chart's SVG)
    years: list[int]  # what the year filter offers
    computed_at: datetime


def page_tables(year: int | None = None) -> Page:
    """The page's tables with their charts, the years of the filter and when they were
    computed, from the cache when they are at most PAGE_CACHE_SECONDS old. The counts of
    every year serve both the tables (of the chosen year) and the filter."""
    key = f"stats:page:{year or 'all'}"
    page = cache.get(key)
    if page is None:
        counts = application_counts()
        page = Page(
            tables=[(table, table.chart()) for table in all_tables(year, counts=counts)],
            years=available_years(counts=counts),
            computed_at=timezone.now(),
        )
        cache.set(key, page, PAGE_CACHE_SECONDS)
    return page


# --- Excel -----------------------------------------------------------------------------

TITLE = "辽阳市创新联合体统计"


def _cell_width(value) -> int:
    if value is None:
        return 2
    if isinstance(value, float):
        value = f"{value:.1f}"
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def write_sheet(ws, table: Table, *, subtitle: str) -> None:
    """A title row, the Chinese headers, the rows (numbers as numbers), the footer in bold,
    the note, and column widths that fit the text."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    ws.title = table.sheet
    ncols = len(table.headers)
    ws.cell(row=1, column=1, value=f"{table.title}（{subtitle}）").font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.row_dimensions[1].height = 24
    thin = Side(style="thin", color="ADB5BD")
    border = Border(top=thin, bottom=thin, left=thin, right=thin)
    header_fill = PatternFill("solid", fgColor="DDE7F7")
    for c, header in enumerate(table.headers, start=1):
        cell = ws.cell(row=2, column=c, value=header)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.border = border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    r = 3
    for bold, rows in ((False, table.rows), (True, table.footer)):
        for row in rows:
            for c, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=c, value=value)
                cell.border = border
                if bold:
                    cell.font = Font(bold=True)
                if isinstance(value, float):
                    cell.number_format = "0.0"
                elif isinstance(value, Decimal):
                    cell.number_format = "#,##0.00"
                elif isinstance(value, int):
                    cell.number_format = "0"
            r += 1
    if table.note:
        ws.cell(row=r + 1, column=1, value=_("注：") + table.note).font = Font(
            italic=True, color="6C757D"
        )
    for c in range(1, ncols + 1):
        cells = [table.headers[c - 1]] + [row[c - 1] for row in table.rows + table.footer]
        width = max(_cell_width(v) for v in cells) + 4
        ws.column_dimensions[get_column_letter(c)].width = min(max(width, 10), 60)
    ws.freeze_panes = "A3"


def export_subtitle(*, year: int | None, today: date) -> str:
    when = _("%(y)s年%(m)s月%(d)s日导出") % {"y": today.year, "m": today.month, "d": today.day}
    if year:
        return _("%(year)s年，") % {"year": year} + when
    return when


def workbook_bytes(tables: list[Table], *, year: int | None, today: date) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    subtitle = export_subtitle(year=year, today=today)
    for table in tables:
        write_sheet(wb.create_sheet(), table, subtitle=subtitle)
    wb.properties.title = TITLE
    wb.properties.creator = _("辽阳市创新联合体管理平台")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_filename(*, table: Table | None, year: int | None, today: date) -> str:
    """E.g. 辽阳市创新联合体统计（2026年11月26日）.xlsx, or with the table and the year:
    辽阳市创新联合体统计-按状态-2025年（2026年11月26日）.xlsx."""
    name = TITLE
    if table is not None:
        name += f"-{table.sheet}"
    if year:
        name += f"-{year}年"
    return f"{name}（{today.year}年{today.month}月{today.day}日）.xlsx"

"""The assessment's rules as pure functions (no ORM, no HTTP), each tested without a
database (tests/reporting/test_assessment_rules.py): weight and score totals, grades by
bands, who is in scope, the computed indicators, reminders and the consequences."""

import calendar
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from reviews.experts.rules import mean, trimmed_mean

CENT = Decimal("0.01")
TOTAL_WEIGHT = 100


def _d(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def q(value) -> Decimal:
    return _d(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- templates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorFacts:
    id: int
    name: str
    category: str
    weight: int
    method: str  # "computed" | "expert"
    source: str = ""


def template_problems(indicators: Sequence[IndicatorFacts]) -> list[str]:
    """Why a template may not be put in force, in Chinese; [] when it may. The weights must
    total exactly 100 (a 100-point sheet)."""
    problems = []
    if not indicators:
        return [_("指标体系尚无指标。")]
    total = sum(i.weight for i in indicators)
    if total != TOTAL_WEIGHT:
        problems.append(
            _("各指标分值合计应为%(want)d分，当前为%(total)d分。")
            % {"want": TOTAL_WEIGHT, "total": total}
        )
    for i in indicators:
        if i.weight <= 0:
            problems.append(_("指标“%(name)s”的分值应大于0。") % {"name": i.name})
        if i.method == "computed" and not i.source:
            problems.append(_("系统计算的指标“%(name)s”须选择计算依据。") % {"name": i.name})
        if i.method == "expert" and i.source:
            problems.append(_("专家评分的指标“%(name)s”不应选择计算依据。") % {"name": i.name})
    return problems


# --- rounds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bands:
    excellent: Decimal = Decimal("85")
    good: Decimal = Decimal("75")
    passing: Decimal = Decimal("60")


def grade_for(score, bands: Bands = Bands()) -> str:
    """优秀 ≥ excellent, 良好 ≥ good, 合格 ≥ passing, else 不合格, compared exactly (84.99 is
    良好: no rounding before the comparison)."""
    score = _d(score)
    if score >= _d(bands.excellent):
        return "excellent"
    if score >= _d(bands.good):
        return "good"
    if score >= _d(bands.passing):
        return "pass"
    return "fail"


def bands_problems(bands: Bands) -> list[str]:
    if not (_d(bands.excellent) > _d(bands.good) > _d(bands.passing) > 0):
        return [_("分数线应满足：优秀 > 良好 > 合格 > 0。")]
    if _d(bands.excellent) > TOTAL_WEIGHT:
        return [_("优秀分数线不能高于100分。")]
    return []


def self_assessment_closed(*, today: date, closes_on: date) -> bool:
    """The self-assessment runs to the end of closes_on (Beijing time): from the next day
    nobody submits, and the round's missing submissions become 不合格."""
    return today > closes_on


def one_year_before(day: date) -> date:
    """The same day a year earlier (29 February → 28 February)."""
    year = day.year - 1
    return day.replace(year=year, day=min(day.day, calendar.monthrange(year, day.month)[1]))


def in_default_scope(*, status: str, named_on: date, opens_on: date) -> bool:
    """Active, and named at least one year before the round opens."""
    return status == "active" and named_on <= one_year_before(opens_on)


def parse_days(text: str) -> list[int]:
    """ "7,3,1" → [7, 3, 1] (descending, distinct). Raises ValueError on anything else."""
    parts = [p.strip() for p in (text or "").replace("，", ",").split(",") if p.strip()]
    days = sorted({int(p) for p in parts}, reverse=True)
    if any(d < 1 or d > 60 for d in days):
        raise ValueError(text)
    return days


def reminders_due(*, today: date, closes_on: date, days: Iterable[int], sent: set[str]):
    """The reminder due today and not yet sent, as ["before-<n>"] or []: the nearest n with
    closes_on − n days ≤ today. A reminder missed on a day the job did not run is replaced by
    the nearer one, never sent late on top of it."""
    if today > closes_on:
        return []
    left = (closes_on - today).days
    due = [n for n in sorted(days) if left <= n]
    if not due:
        return []
    nearest = f"before-{due[0]}"
    return [] if nearest in sent else [nearest]


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- computed indicators --------------------------------------------------------------------


@dataclass(frozen=True)
class Computed:
    points: Decimal
    basis: str


def report_on_time(
    *, weight: int, year: int, status: str | None, submitted_on: date | None, deadline: date
) -> Computed:
    """Full points for the year's annual report submitted by the deadline (and not left
    returned); nothing otherwise."""
    if status is None:
        return Computed(Decimal("0"), _("%(y)d年度报告未生成或未报送：0分。") % {"y": year})
    if submitted_on is None or status in ("pending", "draft", "returned"):
        return Computed(Decimal("0"), _("%(y)d年度报告尚未报送：0分。") % {"y": year})
    if submitted_on > deadline:
        return Computed(
            Decimal("0"),
            _("%(y)d年度报告于%(on)s报送，晚于截止日%(d)s：0分。")
            % {"y": year, "on": _cn(submitted_on), "d": _cn(deadline)},
        )
    return Computed(
        q(weight),
        _("%(y)d年度报告于%(on)s按期报送（截止日%(d)s）：%(p)s分。")
        % {"y": year, "on": _cn(submitted_on), "d": _cn(deadline), "p": q(weight)},
    )


# Points per confirmed project, as a share of the indicator's weight; capped at the weight.
PROJECT_SHARE = {"national": Decimal("1"), "province": Decimal("0.5"), "city": Decimal("0.25")}
PROJECT_LABEL = {"national": "国家级", "province": "省级", "city": "市级"}


def projects(*, weight: int, counts: Mapping[str, int]) -> Computed:
    """Confirmed city, provincial and national projects running in the year: a national
    project earns the full weight, a provincial one half, a city one a quarter, in total at
    most the weight."""
    raw = sum(_d(weight) * PROJECT_SHARE[level] * counts.get(level, 0) for level in PROJECT_SHARE)
    points = q(min(raw, _d(weight)))
    parts = "、".join(
        f"{PROJECT_LABEL[level]}{counts.get(level, 0)}项"
        for level in ("national", "province", "city")
    )
    return Computed(
        points,
        _(
            "经市局确认的在研科技项目：%(parts)s；国家级每项计%(w)s分，省级减半，市级计四分之一，"
            "以%(w)s分为限：%(p)s分。"
        )
        % {"parts": parts, "w": weight, "p": points},
    )


def member_changes(*, weight: int, acknowledged: int, returned: int, open_: int) -> Computed:
    """Member changes filed before they took effect (article 23: the roster changes only on
    the bureau's filing): full points, less half the weight for each change the bureau
    returned as irregular, never below zero."""
    if acknowledged == 0 and returned == 0 and open_ == 0:
        return Computed(q(weight), _("本年度无成员变更：%(p)s分。") % {"p": q(weight)})
    points = q(max(Decimal("0"), _d(weight) - _d(weight) / 2 * returned))
    return Computed(
        points,
        _(
            "本年度成员变更已备案%(a)d项、被退回%(r)d项、未完成报备%(o)d项；每退回一项扣%(h)s分：%(p)s分。"
        )
        % {"a": acknowledged, "r": returned, "o": open_, "h": q(_d(weight) / 2), "p": points},
    )


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# --- scores ---------------------------------------------------------------------------------


def expert_points(values: Sequence) -> Decimal | None:
    """One indicator's points from the experts' scores: the trimmed mean with five or more
    experts (去掉最高分和最低分), the plain mean otherwise."""
    if not values:
        return None
    return trimmed_mean(values) or mean(values)


@dataclass(frozen=True)
class Result:
    score: Decimal
    subtotals: dict[str, str]
    points: dict[int, Decimal]


def total(
    indicators: Sequence[IndicatorFacts],
    computed: Mapping[int, Decimal],
    expert_scores: Mapping[int, Sequence],
) -> Result:
    """The score: computed points plus each expert-scored indicator's (trimmed) mean, each
    capped at its weight, with per-category subtotals. An indicator with nothing counts 0."""
    points: dict[int, Decimal] = {}
    for i in indicators:
        if i.method == "computed":
            value = computed.get(i.id)
        else:
            value = expert_points(expert_scores.get(i.id, ()))
        points[i.id] = q(min(_d(value if value is not None else 0), _d(i.weight)))
    subtotals: dict[str, Decimal] = {}
    for i in indicators:
        subtotals[i.category] = subtotals.get(i.category, Decimal("0")) + points[i.id]
    return Result(
        score=q(sum(points.values(), Decimal("0"))),
        subtotals={k: str(q(v)) for k, v in subtotals.items()},
        points=points,
    )


# --- consequences ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Consequences:
    rectification: bool = False
    proposal: str = ""  # "" or a DisqualificationProposal.Reason value
    priority: bool = False


def consequences(grade: str, previous_grade: str | None) -> Consequences:
    """What a published grade brings: 不合格 opens a rectification, and a second 不合格 in a
    row (the consortium's previous round of the same kind) also puts a disqualification
    proposal before city staff; 优秀 marks it for priority recommendation (art. 18)."""
    if grade == "fail":
        return Consequences(
            rectification=True, proposal="twice_failed" if previous_grade == "fail" else ""
        )
    return Consequences(priority=grade == "excellent")


def recheck_consequence(passed: bool) -> str:
    """A failed re-check of a rectification proposes disqualification."""
    return "" if passed else "recheck_failed"

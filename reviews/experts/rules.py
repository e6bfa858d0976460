"""Expert review's pure rules (no ORM, no HTTP), for any subject: who may be drawn, the
draw itself, the means and the majority. reviews/experts/services.py feeds them rows."""

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from reviews.workdays import add_working_days, is_working_day, working_days_between

# The library's rules (DESIGN.md §16). Defaults; the numbers in force are PolicyVersion's.
DEFAULT_YEARLY_CAP = 10
DEFAULT_INVITATION_DAYS = 3
# The yearly update: asked in January, suspended when not done by 31 March.
UPDATE_MONTH = 1
UPDATE_DEADLINE = (3, 31)
# The status reason the daily job writes when it suspends an expert for a missed yearly
# update; updating the profile lifts exactly this suspension, not one city staff decided.
YEARLY_LAPSE_REASON = "未按期完成年度信息更新"


@dataclass(frozen=True)
class Candidate:
    """What the draw needs to know of an expert."""

    id: int
    employer_id: int | None
    field_ids: frozenset[int]
    is_active: bool = True  # 在库
    avoided_ids: frozenset[int] = field(default_factory=frozenset)  # 回避单位 besides employer
    reviews_this_year: int = 0  # invitations not declined, expired, recused or withdrawn


def conflicts(candidate: Candidate, unit_ids) -> bool:
    """Employed by, or declared to avoid, a unit of the subject (回避)."""
    units = set(unit_ids)
    if candidate.employer_id is not None and candidate.employer_id in units:
        return True
    return bool(candidate.avoided_ids & units)


def at_cap(reviews_this_year: int, cap: int) -> bool:
    """At the yearly cap (每年评审不超过cap次): no further invitation this calendar year."""
    return reviews_this_year >= cap


def eligible(
    experts: Iterable[Candidate], excluded_org_ids, field_id, cap: int | None = None
) -> list[Candidate]:
    """The experts who may review: 在库, familiar with the field (any field when field_id is
    None), with no conflict with a unit of the subject (回避) and, given a cap, below it."""
    excluded = set(excluded_org_ids)
    return [
        e
        for e in experts
        if e.is_active
        and not conflicts(e, excluded)
        and (field_id is None or field_id in e.field_ids)
        and (cap is None or not at_cap(e.reviews_this_year, cap))
    ]


def shortfall(experts: Iterable[Candidate], excluded_org_ids, field_id, cap: int) -> dict:
    """Why experts of the pool cannot be drawn, one count per first reason, in the order
    the draw applies them: not 在库, other field, conflict, at the cap."""
    excluded = set(excluded_org_ids)
    counts = {"inactive": 0, "field": 0, "conflict": 0, "cap": 0}
    for e in experts:
        if not e.is_active:
            counts["inactive"] += 1
        elif field_id is not None and field_id not in e.field_ids:
            counts["field"] += 1
        elif conflicts(e, excluded):
            counts["conflict"] += 1
        elif at_cap(e.reviews_this_year, cap):
            counts["cap"] += 1
    return counts


def shortfall_message(*, needed: int, found: int, counts: dict, units: str, cap: int) -> str:
    """The Chinese sentence city staff read when fewer than needed remain."""
    reasons = []
    if counts.get("field"):
        reasons.append(_("%(n)d名不熟悉该领域") % {"n": counts["field"]})
    if counts.get("conflict"):
        reasons.append(
            _("%(n)d名工作单位或回避单位为%(units)s") % {"n": counts["conflict"], "units": units}
        )
    if counts.get("cap"):
        reasons.append(_("%(n)d名本年度评审已达%(cap)d次上限") % {"n": counts["cap"], "cap": cap})
    if counts.get("inactive"):
        reasons.append(_("%(n)d名暂停或出库") % {"n": counts["inactive"]})
    text = _("符合条件的专家不足：需要%(k)d名，仅有%(n)d名可抽取") % {"k": needed, "n": found}
    if reasons:
        text += _("（另有%(reasons)s，已指派过本项目的专家不再抽取）") % {
            "reasons": "，".join(reasons)
        }
    else:
        text += _("（已指派过本项目的专家不再抽取）")
    return text + "。"


# --- the invitation's time (working days, reviews/workdays.py) ----------------------------


def invitation_start(invited_on: date) -> date:
    """The period begins the day after the invitation (当日不计入)."""
    return invited_on + timedelta(days=1)


def respond_by(invited_on: date, days: int, *, overrides=None) -> date:
    """The last day to answer: `days` working days after the invitation day."""
    return add_working_days(invitation_start(invited_on), max(1, days), overrides=overrides)


def remind_on(invited_on: date, days: int, *, overrides=None) -> date:
    """Half time: the working day on which half the period (rounded up) has run."""
    return add_working_days(
        invitation_start(invited_on), max(1, math.ceil(days / 2)), overrides=overrides
    )


def reminder_due(
    *, respond_by_day: date, days: int, today: date, reminded: bool, overrides=None
) -> bool:
    """Remind once, on a working day from half time (remind_on) until the last day.

    Counted back from the deadline, so that an invitation drawn by a run for a missed day
    (whose deadline is dated from that day) is not reminded at once: half time is reached
    when no more than the second half of the period is left."""
    if reminded or today > respond_by_day or not is_working_day(today, overrides):
        return False
    left = working_days_between(today, respond_by_day, overrides=overrides)
    return left <= max(1, days) - math.ceil(max(1, days) / 2) + 1


def expired(*, respond_by_day: date | None, today: date) -> bool:
    """Unanswered after its last day: replaced by a new draw."""
    return respond_by_day is not None and today > respond_by_day


def turnaround(invited_on: date, submitted_on: date, *, overrides=None) -> int:
    """Working days from the invitation to the submitted sheet (the invitation day not
    counted; a sheet sent on the day of the invitation is 0)."""
    return working_days_between(invitation_start(invited_on), submitted_on, overrides=overrides)


def mean_of(values: Sequence) -> Decimal | None:
    """The mean to one decimal (turnaround, rating), None for none."""
    if not values:
        return None
    total = sum(_decimal(v) for v in values)
    return (total / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- the yearly update --------------------------------------------------------------------


def update_ask_due(*, today: date, asked_year: int | None) -> bool:
    """Each January every 在库 expert is asked once to confirm or update the profile."""
    return today.month == UPDATE_MONTH and asked_year != today.year


def update_deadline(year: int) -> date:
    return date(year, *UPDATE_DEADLINE)


def lapsed(*, today: date, last_updated_on: date | None) -> bool:
    """Not updated this year by 31 March: from 1 April the expert is 暂停 until updated."""
    if today <= update_deadline(today.year):
        return False
    return last_updated_on is None or last_updated_on < date(today.year, 1, 1)


def suspended_for_update(status: str, reason: str) -> bool:
    """A 暂停 the daily job set for a missed update, which the expert's update lifts."""
    return status == "suspended" and reason == YEARLY_LAPSE_REASON


def valid_rating(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5


def draw(candidates: Iterable[Candidate], k: int, rng: random.Random) -> list[Candidate]:
    """k distinct candidates at random. Sorted first so that a seeded rng gives the same
    draw whatever order the database returned the rows in."""
    pool = sorted(candidates, key=lambda c: c.id)
    if k < 0 or k > len(pool):
        raise ValueError(f"cannot draw {k} of {len(pool)}")
    return rng.sample(pool, k)


CENT = Decimal("0.01")


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def mean(totals: Sequence) -> Decimal | None:
    if not totals:
        return None
    values = [_decimal(t) for t in totals]
    return (sum(values) / len(values)).quantize(CENT, rounding=ROUND_HALF_UP)


def trimmed_mean(totals: Sequence) -> Decimal | None:
    """去掉一个最高分和一个最低分后的平均分: only with five or more scores, else None."""
    if len(totals) < 5:
        return None
    values = sorted(_decimal(t) for t in totals)
    return mean(values[1:-1])


def majority_recommends(flags: Sequence) -> bool:
    """More than half recommend (a tie is not a majority)."""
    return bool(flags) and sum(1 for f in flags if f) * 2 > len(flags)

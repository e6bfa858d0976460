"""Expert review's pure rules (no ORM, no HTTP), for any subject: who may be drawn, the
draw itself, the means and the majority. reviews/experts/services.py feeds them rows."""

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class Candidate:
    """What the draw needs to know of an expert."""

    id: int
    employer_id: int | None
    field_ids: frozenset[int]
    is_active: bool = True


def eligible(experts: Iterable[Candidate], excluded_org_ids, field_id) -> list[Candidate]:
    """The experts who may review: active, familiar with the field (any field when
    field_id is None), and not employed by a unit of the application (回避)."""
    excluded = set(excluded_org_ids)
    return [
        e
        for e in experts
        if e.is_active
        and (e.employer_id is None or e.employer_id not in excluded)
        and (field_id is None or field_id in e.field_ids)
    ]


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

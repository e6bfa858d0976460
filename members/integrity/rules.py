"""Integrity records: the rules, as pure functions (no ORM)."""

from datetime import date

IN_FORCE = "in_force"
ENDED = "ended"
NOT_STARTED = "not_started"


def record_status(*, start_date: date, end_date: date | None, revoked: bool, today: date) -> str:
    """Where a record stands on `today`: in force from start_date to end_date inclusive
    (no end date: until revoked), as IntegrityRecord.in_force_q reads it."""
    if revoked or (end_date is not None and end_date < today):
        return ENDED
    if start_date > today:
        return NOT_STARTED
    return IN_FORCE


def end_date_problem(*, start_date: date, current_end: date | None, new_end: date) -> str | None:
    """Why a record cannot be ended on `new_end` (its new last day in force), or None."""
    if new_end < start_date:
        return "before_start"
    if current_end is not None and new_end > current_end:
        return "after_end"
    return None

"""Rules of the account pages, as pure functions (no ORM, no HTTP)."""


def over_rate_limit(attempts: int, limit: int) -> bool:
    """Whether one more request from an address that made `attempts` in the window would
    exceed `limit` (settings.ACCOUNT_RATE_LIMIT_PER_HOUR). A limit of 0 turns it off."""
    return limit > 0 and attempts >= limit


def suggested_kind_matches(suggested: str | None, chosen: str) -> bool:
    """Positions 1-2 of the code hint the kind of unit (DESIGN.md §2): a mismatch is
    pointed out, never refused."""
    return suggested is None or suggested == chosen

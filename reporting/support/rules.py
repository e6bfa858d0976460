"""The support ledger's rules, pure: no ORM, tested without a database."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

# 万元 with two decimals (i.e. to the hundred yuan); 14 digits reach a trillion 万元.
AMOUNT_MAX_DIGITS = 14
AMOUNT_PLACES = 2


def amount_errors(amount) -> list[str]:
    """Why an amount in 万元 is refused (empty: it is fine). None means no amount."""
    if amount is None:
        return []
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return [_("金额须为数字（单位：万元）。")]
    if not value.is_finite():
        return [_("金额须为数字（单位：万元）。")]
    if value < 0:
        return [_("金额不能为负数（单位：万元）。")]
    if value and value.adjusted() >= AMOUNT_MAX_DIGITS - AMOUNT_PLACES:
        return [_("金额过大，请核对（单位：万元）。")]
    if _decimals(value) > AMOUNT_PLACES:
        return [_("金额最多保留两位小数（单位：万元）。")]
    return []


def _decimals(value: Decimal) -> int:
    """The decimals that count: 12.500 has one. Read from the digits, not normalize(),
    which rounds to the context's 28 digits and would pass 0.1000…0001."""
    sign, digits, exponent = value.as_tuple()
    digits = list(digits)
    while exponent < 0 and digits and digits[-1] == 0:
        digits.pop()
        exponent += 1
    return max(-exponent, 0)


def date_errors(on: date | None, *, today: date) -> list[str]:
    """A support record tells what was given: it cannot be dated in the future."""
    if on is None:
        return [_("请填写支持日期。")]
    if on > today:
        return [_("支持日期不能晚于今天。")]
    return []


def amount_text(amount) -> str:
    """An amount the Chinese way, "12.50万元"; "" for none."""
    if amount is None:
        return ""
    return _("%(amount)s万元") % {"amount": f"{Decimal(amount):,.2f}"}

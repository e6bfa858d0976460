"""Pure rules of the register (no ORM): the Measures' stated term (article 27)."""

from datetime import date

from django.utils.translation import gettext as _

# From how many days before the stated end the portal says so.
VALIDITY_NOTICE_DAYS = 90


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def validity_warning(
    *, name: str, stated_end: date | None, has_successor: bool, today: date
) -> str | None:
    """What admins and city staff are told about the version in force: from 90 days before
    its stated end, and after it, unless a successor version is recorded. The portal keeps
    working on the expired version (a bureau extends Measures by notice); it only says so."""
    if stated_end is None or has_successor:
        return None
    left = (stated_end - today).days
    if left > VALIDITY_NOTICE_DAYS:
        return None
    if left >= 0:
        return _(
            "现行%(name)s规定的有效期至%(end)s，还有%(n)d天到期；"
            "如已修订或延期，请系统管理员在“办法参数版本”中登记。"
        ) % {"name": name, "end": _cn(stated_end), "n": left}
    return _(
        "现行%(name)s规定的有效期已于%(end)s届满，尚未登记新版本；"
        "系统暂按该版本继续运行，如已修订或延期，请系统管理员在“办法参数版本”中登记。"
    ) % {"name": name, "end": _cn(stated_end)}

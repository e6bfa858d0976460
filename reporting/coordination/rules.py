"""Coordination items' rules, pure: no ORM, tested without a database (the model module is
imported for its status names only)."""

import re
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from reporting.coordination.models import CoordinationItem

Status = CoordinationItem.Status
TEXT_MAX_LENGTH = 5000

# What a lead writes when it has nothing to ask for: no item is made of it.
NOTHING = {
    "无",
    "暂无",
    "没有",
    "无需",
    "暂无需要",
    "暂无需协调事项",
    "无需协调",
    "暂不需要",
    "无。",
}

_CN_NUM = "一二三四五六七八九十"
# An enumeration marker: 1. 1、 1) (1) （1） ① 一、 （一）. A plain "1." must not be a decimal
# (1.5亿元), hence the look-ahead.
_MARKER = (
    r"(?:\d{1,3}[.．](?!\d)|\d{1,3}[、)）]|[(（]\d{1,3}[)）]|[①-⑳]"
    rf"|[{_CN_NUM}]{{1,3}}、|[(（][{_CN_NUM}]{{1,3}}[)）])"
)
# A marker counts at the start of a line, or after a sentence's end or a "；" (several
# numbered matters written on one line); "第2、3项" in mid-sentence is not a list. A circled
# number (①) is never anything else, so it counts anywhere.
_SPLIT = re.compile(rf"(?:(?:^|(?<=[；;。！!？?\s]))\s*{_MARKER}|[①-⑳])\s*")
_TRIM = " \t\u3000；;，,、"


def _is_nothing(text: str) -> bool:
    return text.strip(" \t\u3000。.！!；;") in NOTHING or text.strip() in NOTHING


def split_items(text: str | None) -> list[str]:
    """The separate matters the lead listed: one per non-empty line, and a numbered list
    split at its markers, the markers stripped; "无", "暂无" … give none."""
    if not text or _is_nothing(text):
        return []
    items = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        for part in _SPLIT.split(line):
            part = part.strip(_TRIM)
            if part and not _is_nothing(part):
                items.append(part[:TEXT_MAX_LENGTH])
    return items


# --- the item's course: 待分办 → 办理中 (assignment) → 已答复 (reply); never reopened ----------


def can_assign(status: str) -> bool:
    """Assigning again (another department, another due date) is allowed until answered."""
    return status in (Status.PENDING, Status.IN_PROGRESS)


def can_record_progress(status: str) -> bool:
    return status == Status.IN_PROGRESS


def can_answer(status: str) -> bool:
    """Only an assigned item is answered; a replied item is closed and is not reopened
    (a new matter comes with the next annual report)."""
    return status == Status.IN_PROGRESS


def created_on(created_at: datetime | None, *, today: date) -> date:
    """The item's creation day in Beijing time (TIME_ZONE); today for an unsaved item."""
    if created_at is None:
        return today
    return timezone.localdate(created_at)


def due_date_errors(due_on: date | None, *, created: date) -> list[str]:
    if due_on is None:
        return [_("请填写办理期限。")]
    if due_on < created:
        return [
            _("办理期限不能早于该事项的生成日期（%(day)s）。")
            % {"day": f"{created.year}年{created.month}月{created.day}日"}
        ]
    return []


def text_errors(text: str | None, *, empty_message: str) -> list[str]:
    text = (text or "").strip()
    if not text:
        return [empty_message]
    if len(text) > TEXT_MAX_LENGTH:
        return [_("内容过长，最多%(n)s字。") % {"n": TEXT_MAX_LENGTH}]
    return []


def reply_errors(reply: str | None) -> list[str]:
    return text_errors(
        reply, empty_message=_("请填写答复意见：没有答复内容的事项不能登记为已答复。")
    )


def note_errors(note: str | None) -> list[str]:
    return text_errors(note, empty_message=_("请填写办理进展。"))


def is_overdue(item, today: date) -> bool:
    """Past its due date and not answered (the due day itself is still in time)."""
    return item.due_on is not None and item.due_on < today and item.status != Status.ANSWERED


def overdue_days(item, today: date) -> int:
    return (today - item.due_on).days if is_overdue(item, today) else 0

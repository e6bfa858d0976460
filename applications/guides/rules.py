"""Pure rules of the layout guide (art. 4) and intents (art. 4, 11(1)): no database."""

import re
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from members.validators import normalize_uscc, uscc_error

DRAFT, PUBLISHED, WITHDRAWN = "draft", "published", "withdrawn"

ENCOURAGE, IMPROVE, DECLINE = "encourage", "improve", "decline"
# An answer other than encouragement has to tell the unit why (the note it sees).
NOTE_REQUIRED = {IMPROVE, DECLINE}


def state_of(published_on: date | None, withdrawn_on: date | None, day: date) -> str:
    """A guide is a draft until its publication day, withdrawn from its withdrawal day."""
    if published_on is None or published_on > day:
        return DRAFT
    if withdrawn_on is not None and withdrawn_on <= day:
        return WITHDRAWN
    return PUBLISHED


def in_force(published_on: date | None, withdrawn_on: date | None, day: date) -> bool:
    return state_of(published_on, withdrawn_on, day) == PUBLISHED


def guide_in_force(guides, day: date):
    """The latest guide in force on the day (by publication day, then the newest), or None;
    `guides` are objects with published_on, withdrawn_on and pk."""
    current = [g for g in guides if in_force(g.published_on, g.withdrawn_on, day)]
    return max(current, key=lambda g: (g.published_on, g.pk), default=None)


def deadline_problem(title: str, deadline: date | None, day: date) -> str | None:
    """Applications are rolling (art. 11, "成熟一个、启动一个"): only a guide that sets a
    deadline closes submission under it, after that day (Beijing time)."""
    if deadline is None or day <= deadline:
        return None
    return _("本申请依据的《%(title)s》申报截止日期为%(day)s，已截止，不能再提交。") % {
        "title": title,
        "day": f"{deadline.year}年{deadline.month}月{deadline.day}日",
    }


def withdraw_errors(published_on: date | None, withdrawn_on: date | None, day: date) -> list[str]:
    if published_on is None:
        return [_("指南尚未发布，无需废止。")]
    if withdrawn_on is not None:
        return [_("该指南已废止。")]
    return []


@dataclass(frozen=True)
class Partner:
    """One intended partner line: a unified social credit code, or else a unit's name."""

    text: str
    uscc: str = ""

    @property
    def name(self) -> str:
        return "" if self.uscc else self.text


# A line may carry a name and a code together ("辽阳某某研究院 12211000MB1234567X"): the
# code is taken when it is a valid one.
_CODE = re.compile(r"[0-9A-Z]{18}")
_SEPARATORS = re.compile(r"[\n\r；;、，,]+")


def parse_partners(text: str) -> list[Partner]:
    """The intended partners, one per line (or separated by ；、，), duplicates dropped."""
    seen, partners = set(), []
    for raw in _SEPARATORS.split(text or ""):
        line = " ".join(raw.split())
        if not line:
            continue
        uscc = ""
        for candidate in _CODE.findall(normalize_uscc(line)):
            if uscc_error(candidate) is None:
                uscc = candidate
                break
        key = uscc or line
        if key in seen:
            continue
        seen.add(key)
        partners.append(Partner(text=line, uscc=uscc))
    return partners


def partners_errors(text: str) -> list[str]:
    if not parse_partners(text):
        return [_("请至少填写一个拟合作单位。")]
    return []


def answer_errors(answer: str, note: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if answer not in (ENCOURAGE, IMPROVE, DECLINE):
        errors["answer"] = [_("请选择答复意见。")]
    elif answer in NOTE_REQUIRED and not (note or "").strip():
        errors["note"] = [_("“建议完善”和“暂不支持”须写明理由，单位可以看到。")]
    return errors


def may_answer(answer: str, converted: bool) -> bool:
    """City staff answer an intent not yet turned into an application (and may change an
    answer until then)."""
    return not converted


def may_edit(answer: str, converted: bool) -> bool:
    """The unit edits its intent while it waits, or after it was asked to improve it."""
    return not converted and answer in ("", IMPROVE)


def may_convert(answer: str, converted: bool) -> bool:
    """Only an encouraged intent becomes a draft application, and only once."""
    return answer == ENCOURAGE and not converted

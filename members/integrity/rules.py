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


# --- The research-integrity pledge (科研诚信承诺, issue 13 point 7) ---------------------------

# The wording each unit pledges. A row keeps the text it was given under (the statement
# snapshot), so changing this constant never rewrites a pledge already made.
PLEDGE_STATEMENT = (
    "本单位郑重承诺：\n"
    "一、所提交的申报材料及相关数据、证明真实、准确、完整，不存在虚假内容；\n"
    "二、在科研活动中不编造、篡改数据和研究结果，不抄袭、剽窃他人科研成果，不存在其他学术不端行为；\n"
    "三、严格遵守科技伦理规范，尊重和保护知识产权；\n"
    "四、按照国家和省、市有关规定管理和使用科研经费，专款专用，不挤占、挪用、截留；\n"
    "五、自觉接受科技管理部门及有关部门的监督检查，如有违反上述承诺的行为，"
    "本单位愿承担相应责任，接受有关部门依规依纪依法作出的处理。"
)

# A salt of its own: a token signed for another purpose (a confirmation link, a password
# reset) never opens a pledge page.
PLEDGE_SALT = "members.integrity.pledge"
# How long a pledge link stays good: a season of preparing an application, with room.
PLEDGE_LINK_MAX_AGE_DAYS = 120

APPLICATION = "application"
ASSESSMENT = "assessment"
SUBJECT_KINDS = (APPLICATION, ASSESSMENT)


def pledge_payload(*, kind: str, subject_id: int, organization_id: int) -> dict:
    """What a pledge link carries: the subject and the unit, nothing else (no stored token)."""
    if kind not in SUBJECT_KINDS:
        raise ValueError(kind)
    return {"k": kind, "s": int(subject_id), "o": int(organization_id)}


def parse_pledge_payload(data) -> tuple[str, int, int] | None:
    """(kind, subject id, organization id) from a verified payload, or None when it is not
    one this code signed (a well-signed value of another shape must still be refused)."""
    if not isinstance(data, dict) or set(data) != {"k", "s", "o"}:
        return None
    kind, subject_id, organization_id = data["k"], data["s"], data["o"]
    if kind not in SUBJECT_KINDS:
        return None
    for value in (subject_id, organization_id):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            return None
    return kind, subject_id, organization_id


PLEDGE_OK = None
NOT_A_UNIT = "not_a_unit"
ALREADY = "already"
CLOSED = "closed"


def pledge_refusal(
    *, organization_id: int, current_unit_ids, already_pledged: bool, open_: bool
) -> str | None:
    """Why this unit may not pledge for the subject now, or None: it must be one of the
    subject's current units, not have pledged yet (a pledge is final), and the subject must
    still be in preparation (an application being edited, an assessment not yet submitted)."""
    if organization_id not in set(current_unit_ids):
        return NOT_A_UNIT
    if already_pledged:
        return ALREADY
    if not open_:
        return CLOSED
    return PLEDGE_OK


def missing_pledges(unit_names: dict[int, str], pledged_ids) -> list[str]:
    """The names of the current units that have not pledged, in the order given; a pledge of
    a unit no longer among them does not count and is not listed."""
    pledged = set(pledged_ids)
    return [name for org_id, name in unit_names.items() if org_id not in pledged]


def missing_pledges_message(names: list[str]) -> str:
    from django.utils.translation import gettext as _

    return _("以下单位尚未作出科研诚信承诺：%(names)s。") % {"names": "、".join(names)}

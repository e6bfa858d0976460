"""Submission snapshots and the resubmission diff (DESIGN.md §4).

Each submission is frozen as plain JSON (`freeze`) in a `Submission` row, so what a
reviewer saw stays what it was even after the applicant edits a returned application.
After a return, reviewers compare the latest submission with the one before it, field by
field, members included (`diff`, `changes_since_last_submission`).

The snapshot keeps, beside each value, a stable key (to match values across snapshots) and
the label shown at the time (so an old snapshot still renders after a field is renamed or
relabelled). Values are display strings, except the yes/no facts of a unit, which stay JSON
booleans. Its shape (version 1)::

    {
      "version": 1,
      "fields": [{"key", "section", "label", "value"}, ...],
      "units": [{"uscc", "name", "values": [{"key", "label", "value"}, ...]}, ...],
      "agreement": {"values": [{"key", "label", "value"}], "clauses": [{"key", "label", "value"}]},
      "experts": [{"name", "values": [{"key", "label", "value"}, ...]}, ...],
      "attachments": [{"kind", "original_name", "sha256"}, ...],
      "justifications": {code: text},
    }

`freeze` and `record_submission` read or write the database; `diff` is pure, on the stored
dictionaries alone, so it never depends on today's models.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.db import models
from django.db.models import Max, Prefetch
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import (
    AGREEMENT_CLAUSES,
    MECHANISMS,
    Agreement,
    Application,
    Membership,
    Submission,
)
from members.models import Organization

SNAPSHOT_VERSION = 1

# The sections of a change, in the order the application page shows them.
SECTIONS = {
    "basic": gettext_lazy("基本信息"),
    "lead": gettext_lazy("牵头单位"),
    "members": gettext_lazy("成员单位"),
    "agreement": gettext_lazy("组建协议"),
    "experts": gettext_lazy("首席专家"),
    "plan": gettext_lazy("建设方案"),
    "attachments": gettext_lazy("附件"),
    "justifications": gettext_lazy("情况说明"),
}

# Application's content fields, by the section of the page that edits them (forms.py).
APPLICATION_FIELDS: list[tuple[str, str]] = [
    ("basic", "name_core"),
    ("basic", "industry_field"),
    ("basic", "duration_years"),
    ("lead", "lead_sales_revenue"),
    ("lead", "lead_rd_spend"),
    ("lead", "lead_platforms"),
    ("lead", "lead_projects"),
    ("plan", "goals"),
    ("plan", "key_technologies"),
    ("plan", "roadmap"),
    ("plan", "tasks"),
    *(("plan", name) for name, _label in MECHANISMS),
    ("plan", "resources"),
    ("plan", "fund_supervision"),
    ("plan", "council"),
    ("plan", "research_team"),
]

MEMBERSHIP_FIELDS = [
    "task_share",
    "contribution_funds",
    "contribution_technology",
    "contribution_people",
    "contribution_equipment",
    "contribution_space",
    "signatory",
    "signed_on",
    "sealed",
]
# Shown for a unit that was added or removed: enough to tell which unit and what it does.
UNIT_SUMMARY = ["uscc", "kind", "role", "task_share"]

EXPERT_FIELDS = ["title", "employer", "field"]
AGREEMENT_FIELDS = ["duration_years", "signed_on"]

Kind = Literal["added", "removed", "changed"]
ADDED: Kind = "added"
REMOVED: Kind = "removed"
CHANGED: Kind = "changed"


@dataclass(frozen=True)
class Change:
    """One line of the resubmission diff. `before` is empty for an addition, `after` for a
    removal. Plain strings, so a list of changes compares, sorts and renders as is."""

    section: str
    item: str
    kind: Kind
    before: str
    after: str


# --- Freezing --------------------------------------------------------------------------


def _format_date(value: datetime.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _value(obj: models.Model, name: str):
    """The display value of a model field: what the applicant saw on the page. Money with
    two decimals (a Decimal would not survive JSON, and 52000 vs 52000.00 is no change)."""
    field = obj._meta.get_field(name)
    value = getattr(obj, name)
    if value is None:
        return ""
    if isinstance(field, models.BooleanField):
        return bool(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return _format_date(value)
    if field.choices:
        return str(getattr(obj, f"get_{name}_display")())
    return str(value)


def _labelled(obj: models.Model, name: str) -> dict:
    return {
        "key": name,
        "label": str(obj._meta.get_field(name).verbose_name),
        "value": _value(obj, name),
    }


def _entry(key: str, label, value) -> dict:
    return {"key": key, "label": str(label), "value": value}


def _unit(membership: Membership) -> dict:
    org = membership.organization
    return {
        "uscc": org.uscc,
        "name": org.name,
        "values": [
            _entry("uscc", Organization._meta.get_field("uscc").verbose_name, org.uscc),
            _entry("name", Organization._meta.get_field("name").verbose_name, org.name),
            _entry("kind", Organization._meta.get_field("kind").verbose_name, _value(org, "kind")),
            _labelled(membership, "role"),
            *(_labelled(membership, name) for name in MEMBERSHIP_FIELDS),
            _entry("confirmed", _("已确认参与"), membership.confirmed_at is not None),
        ],
    }


def _agreement(application: Application) -> dict:
    try:
        agreement = application.agreement
    except Agreement.DoesNotExist:
        agreement = None
    # Without an agreement every entry is still there, empty: adding one later then shows
    # as the values it brought, like any other edit.
    values = [
        _labelled(agreement, name)
        if agreement
        else _entry(name, Agreement._meta.get_field(name).verbose_name, "")
        for name in AGREEMENT_FIELDS
    ]
    stored = dict(agreement.clauses or {}) if agreement else {}
    known = {code for code, _label in AGREEMENT_CLAUSES}
    clauses = [
        _entry(code, label, str(stored.get(code) or "").strip())
        for code, label in AGREEMENT_CLAUSES
    ]
    # Clauses the list no longer names are kept under their code rather than lost.
    clauses += [
        _entry(code, code, str(ref or "").strip())
        for code, ref in sorted(stored.items())
        if code not in known
    ]
    return {"values": values, "clauses": clauses}


def freeze(application: Application) -> dict:
    """The application as submitted, as JSON-serialisable data (the module docstring gives
    its shape).

    It reads the stored rows again rather than the caller's instance: the snapshot is what
    the database holds inside the submitting transaction, and the caller's relation caches
    are left alone. Five queries whatever the number of units, experts or attachments.
    Labels are taken in the site's language (not the submitter's), so every snapshot of an
    application speaks the same language.
    """
    app = (
        Application.objects.select_related("industry_field", "agreement")
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.select_related("organization").order_by(
                    "sort_order", "id"
                ),
            ),
            "chief_experts",
            "attachments",
            "justifications",
        )
        .get(pk=application.pk)
    )
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "version": SNAPSHOT_VERSION,
            "fields": [
                {"section": section, **_labelled(app, name)} for section, name in APPLICATION_FIELDS
            ],
            "units": [_unit(m) for m in app.memberships.all()],
            "agreement": _agreement(app),
            "experts": [
                {"name": e.name, "values": [_labelled(e, name) for name in EXPERT_FIELDS]}
                for e in sorted(app.chief_experts.all(), key=lambda e: e.pk)
            ],
            "attachments": [
                {
                    "kind": str(a.get_kind_display()),
                    "original_name": a.original_name,
                    "sha256": a.sha256,
                }
                for a in app.attachments.all()
            ],
            # A blank explanation justifies nothing (the submit guard ignores it too).
            "justifications": {
                j.code: j.text
                for j in sorted(app.justifications.all(), key=lambda j: j.code)
                if j.text.strip()
            },
        }


def record_submission(*, application: Application, actor, at: datetime.datetime) -> Submission:
    """Freeze the application as the next submission (1, 2, ...).

    Called by the submit effect inside the caller's transaction, which holds the
    application's row lock (select_for_update): two submissions cannot take the same
    number, and the unique constraint on (application, sequence) is the backstop.
    """
    last = Submission.objects.filter(application=application).aggregate(n=Max("sequence"))["n"]
    return Submission.objects.create(
        application=application,
        sequence=(last or 0) + 1,
        submitted_at=at,
        submitted_by=actor,
        content=freeze(application),
    )


# --- Comparing -------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return str(value)


def _section(key: str) -> str:
    return str(SECTIONS.get(key, key))


def _diff_values(section: str, old: list[dict], new: list[dict], prefix: str = "") -> list[Change]:
    """Labelled values matched by key. A value only one side has counts as empty on the
    other (a field added or dropped between two versions of the form); the label is the
    newer one, else the one the old snapshot kept."""
    before = {e["key"]: e for e in old}
    after = {e["key"]: e for e in new}
    keys = [e["key"] for e in new] + [e["key"] for e in old if e["key"] not in after]
    changes = []
    for key in keys:
        b = _text(before.get(key, {}).get("value"))
        a = _text(after.get(key, {}).get("value"))
        if a != b:
            label = (after.get(key) or before[key])["label"]
            changes.append(Change(section, f"{prefix}{label}", CHANGED, b, a))
    return changes


def _keyed(records: list[dict], key: str) -> dict:
    """Records by their key; a repeated key (two experts of one name) gets an occurrence
    number, so the n-th of one snapshot meets the n-th of the other."""
    seen: Counter = Counter()
    out = {}
    for record in records:
        seen[record[key]] += 1
        out[(record[key], seen[record[key]])] = record
    return out


def _summary(record: dict, keys: list[str] | None = None) -> str:
    entries = record.get("values", [])
    if keys is not None:
        entries = [e for e in entries if e["key"] in keys]
    return "；".join(f"{e['label']}：{_text(e['value'])}" for e in entries if _text(e["value"]))


def _diff_records(
    section: str, old: list[dict], new: list[dict], key: str, summary: list[str] | None
) -> list[Change]:
    """Units or experts: matched by key; added, removed, or one change per attribute."""
    before, after = _keyed(old, key), _keyed(new, key)
    changes = []
    for k, record in after.items():
        if k not in before:
            changes.append(Change(section, record["name"], ADDED, "", _summary(record, summary)))
        else:
            changes += _diff_values(
                section, before[k]["values"], record["values"], prefix=f"{record['name']} · "
            )
    changes += [
        Change(section, record["name"], REMOVED, _summary(record, summary), "")
        for k, record in before.items()
        if k not in after
    ]
    return changes


def _attachment_text(a: dict) -> str:
    return f"{a['original_name']}（SHA-256：{a['sha256'][:12]}…）"


def _diff_attachments(section: str, old: list[dict], new: list[dict]) -> list[Change]:
    """Matched by content (sha256) with kind and name: files cannot be edited, only
    uploaded or deleted, so any difference is an addition or a removal. The same file may
    be attached twice (as two kinds), hence counting rather than a set."""

    def identity(a):
        return (a["sha256"], a["kind"], a["original_name"])

    remaining = Counter(identity(a) for a in old)
    changes = []
    for a in new:
        if remaining[identity(a)]:
            remaining[identity(a)] -= 1
        else:
            changes.append(Change(section, a["kind"], ADDED, "", _attachment_text(a)))
    for a in old:
        if remaining[identity(a)]:
            remaining[identity(a)] -= 1
            changes.append(Change(section, a["kind"], REMOVED, _attachment_text(a), ""))
    return changes


def _diff_justifications(section: str, old: dict, new: dict) -> list[Change]:
    changes = []
    for code, text in new.items():
        if code not in old:
            changes.append(Change(section, code, ADDED, "", text))
        elif old[code] != text:
            changes.append(Change(section, code, CHANGED, old[code], text))
    changes += [
        Change(section, code, REMOVED, text, "") for code, text in old.items() if code not in new
    ]
    return changes


def diff(old: dict, new: dict) -> list[Change]:
    """What changed from one snapshot to the next, in the page's order of sections. Pure:
    it reads only the two snapshots, so submissions frozen under an older form still
    compare (missing parts count as empty)."""
    old_fields = old.get("fields", [])
    new_fields = new.get("fields", [])
    changes = []
    for key in ("basic", "lead"):
        changes += _diff_values(
            _section(key),
            [f for f in old_fields if f.get("section") == key],
            [f for f in new_fields if f.get("section") == key],
        )
    changes += _diff_records(
        _section("members"), old.get("units", []), new.get("units", []), "uscc", UNIT_SUMMARY
    )
    old_agreement = old.get("agreement") or {}
    new_agreement = new.get("agreement") or {}
    for part in ("values", "clauses"):
        changes += _diff_values(
            _section("agreement"), old_agreement.get(part, []), new_agreement.get(part, [])
        )
    changes += _diff_records(
        _section("experts"), old.get("experts", []), new.get("experts", []), "name", None
    )
    # Plan fields, and any section this module does not know (kept rather than dropped).
    changes += _diff_values(
        _section("plan"),
        [f for f in old_fields if f.get("section") not in ("basic", "lead")],
        [f for f in new_fields if f.get("section") not in ("basic", "lead")],
    )
    changes += _diff_attachments(
        _section("attachments"), old.get("attachments", []), new.get("attachments", [])
    )
    changes += _diff_justifications(
        _section("justifications"), old.get("justifications", {}), new.get("justifications", {})
    )
    return changes


def last_two_submissions(application: Application) -> tuple[Submission, Submission] | None:
    """(previous, latest), or None before the second submission. One query."""
    rows = list(Submission.objects.filter(application=application).order_by("-sequence")[:2])
    if len(rows) < 2:
        return None
    latest, previous = rows
    return previous, latest


def changes_since_last_submission(application: Application) -> list[Change] | None:
    """The latest submission against the one before it; None when there is only one (or
    none), which is not the same as an empty list (resubmitted without a change)."""
    pair = last_two_submissions(application)
    if pair is None:
        return None
    previous, latest = pair
    return diff(previous.content, latest.content)

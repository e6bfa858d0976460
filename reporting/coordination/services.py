"""Writes of coordination items (art. 22). Keyword-only, an explicit actor, never a request.

Items are made when city staff accept an annual report (reporting.services.accept_report);
city staff assign, record progress and answer. Each write locks the item's row: two clerks
working the same item see each other's change instead of overwriting it."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications import policy
from liaoyang_consortia.notifications import notify
from reporting.coordination import rules
from reporting.coordination.models import CoordinationItem, CoordinationProgress

Status = CoordinationItem.Status


def _require_city(actor):
    if not policy.is_city(actor):
        raise PermissionDenied(_("只有市科技局工作人员可以办理协调事项。"))


def _locked(item) -> CoordinationItem:
    return (
        CoordinationItem.objects.select_for_update(of=("self",))
        .select_related("consortium", "consortium__lead", "report", "department")
        .get(pk=item.pk)
    )


def _stale():
    return ValidationError(_("该协调事项已被他人办理，请刷新后查看。"))


@transaction.atomic
def create_from_report(*, report) -> list[CoordinationItem]:
    """One item per matter the accepted report lists. Idempotent: an item is found by its
    report and sequence (the model's unique constraint), so running it twice makes none."""
    existing = set(report.coordination_items.values_list("sequence", flat=True))
    made = []
    for sequence, text in enumerate(rules.split_items(report.coordination_needed), start=1):
        if sequence in existing:
            continue
        made.append(
            CoordinationItem.objects.create(
                report=report, consortium=report.consortium, sequence=sequence, text=text
            )
        )
    return made


@transaction.atomic
def assign(*, actor, item, department, due_on) -> CoordinationItem:
    """To a department with a due date: 待分办 → 办理中; re-assigning is allowed until the
    item is answered."""
    _require_city(actor)
    item = _locked(item)
    if not rules.can_assign(item.status):
        raise _stale()
    errors = {}
    if department is None or not department.active:
        errors["department"] = [_("请选择承办部门。")]
    today = timezone.localdate()
    if due := rules.due_date_errors(due_on, created=rules.created_on(item.created_at, today=today)):
        errors["due_on"] = due
    if errors:
        raise ValidationError(errors)
    item.department = department
    item.due_on = due_on
    item.status = Status.IN_PROGRESS
    item.assigned_by = actor
    item.assigned_at = timezone.now()
    item.save(update_fields=["department", "due_on", "status", "assigned_by", "assigned_at"])
    return item


@transaction.atomic
def record_progress(*, actor, item, note) -> CoordinationProgress:
    _require_city(actor)
    item = _locked(item)
    if not rules.can_record_progress(item.status):
        raise _stale()
    if errors := rules.note_errors(note):
        raise ValidationError({"note": errors})
    return CoordinationProgress.objects.create(item=item, note=note.strip(), recorded_by=actor)


@transaction.atomic
def answer(*, actor, item, reply) -> CoordinationItem:
    """已答复 with the reply text; the lead unit's users are told. Final: not reopened."""
    _require_city(actor)
    item = _locked(item)
    if not rules.can_answer(item.status):
        raise _stale()
    if errors := rules.reply_errors(reply):
        raise ValidationError({"reply": errors})
    item.status = Status.ANSWERED
    item.reply = reply.strip()
    item.replied_by = actor
    item.replied_at = timezone.now()
    item.save(update_fields=["status", "reply", "replied_by", "replied_at"])
    # Imported here: reporting.selectors imports the report models, which import ours.
    from reporting import selectors as report_selectors

    notify(
        recipients=report_selectors.lead_users(item.consortium),
        event="coordination_answered",
        subject=_("【协调事项】%(name)s的协调事项已答复") % {"name": item.consortium.name},
        body=_("市科技局已登记%(department)s对协调事项的答复：\n%(text)s\n答复意见：%(reply)s")
        % {
            "department": item.department.name if item.department else "",
            "text": item.text,
            "reply": item.reply,
        },
        url=reverse("consortia:detail", args=[item.consortium_id]) + "#coordination",
    )
    return item

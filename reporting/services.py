"""Every write to an annual report. Keyword-only, an explicit actor, never a request.

As in applications/workflow.py: one transaction locks the row, checks who acts and the
state, runs the django-fsm-2 transition (which only changes fields, and logs the actor and
the comment through django-fsm-log), saves, and queues the notifications, which are
delivered once the transaction commits. Each service checks the policy itself, so a caller
that forgets cannot write what the actor may not.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, TransitionNotAllowed

from applications.policy import is_city
from applications.uploads import inspect_upload
from liaoyang_consortia.notifications import notify
from reporting import rules, selectors
from reporting.models import OPEN_STATUSES, AnnualReport, ReportAttachment, ReportStatus

# The report's own content, which the lead unit edits (everything else is the workflow's).
CONTENT_FIELDS = [
    "rd_progress",
    "results_projects",
    "results_projects_text",
    "results_patents",
    "results_patents_text",
    "results_standards",
    "results_standards_text",
    "results_transfers",
    "results_transfers_text",
    "team",
    "funds",
    "funds_amount",
    "plan_this_year",
    "problems",
    "coordination_needed",
]


class StaleReport(Exception):
    """Someone else changed the report's status first."""

    message = gettext_lazy("该年度报告已被他人处理，请刷新后查看")

    def __str__(self):
        return str(self.message)


def _locked(report_id) -> AnnualReport:
    return (
        AnnualReport.objects.select_for_update(of=("self",))
        .select_related("consortium", "consortium__lead")
        .get(pk=report_id)
    )


def _require_edit(actor, report):
    if not selectors.is_lead_user(actor, report):
        raise PermissionDenied(_("只有牵头单位的用户可以填报年度报告。"))
    if report.status not in OPEN_STATUSES:
        raise StaleReport()


def _start_editing(actor, report):
    """Pending or returned: the lead unit's first change makes it a draft again."""
    if report.status in (ReportStatus.PENDING, ReportStatus.RETURNED):
        report.start_editing(by=actor)


def _save(report, **kwargs):
    try:
        report.save(**kwargs)
    except ConcurrentTransition as exc:
        raise StaleReport() from exc


def content_of(report) -> dict:
    return {name: getattr(report, name) for name in CONTENT_FIELDS}


@transaction.atomic
def save_report(*, actor, report_id, values: dict) -> AnnualReport:
    """Save the report's content (all of it or some fields); a pending or returned report
    becomes a draft."""
    report = _locked(report_id)
    _require_edit(actor, report)
    for name, value in values.items():
        if name not in CONTENT_FIELDS:
            raise ValueError(f"{name} is not an editable report field")
        setattr(report, name, value)
    _start_editing(actor, report)
    _save(report)
    return report


@transaction.atomic
def add_attachment(*, actor, report_id, uploaded_file, description="") -> ReportAttachment:
    """Store an upload after checking its content (not its name or the browser's type)."""
    report = _locked(report_id)
    _require_edit(actor, report)
    info = inspect_upload(uploaded_file)
    attachment = ReportAttachment(
        report=report,
        original_name=(uploaded_file.name or "")[:255],
        description=(description or "").strip()[:200],
        content_type=info.content_type,
        size=info.size,
        sha256=info.sha256,
        uploaded_by=actor,
    )
    attachment.file.save("upload", uploaded_file, save=False)
    attachment.save()
    _start_editing(actor, report)
    _save(report)
    return attachment


@transaction.atomic
def remove_attachment(*, actor, attachment_id) -> None:
    attachment = ReportAttachment.objects.get(pk=attachment_id)
    report = _locked(attachment.report_id)
    _require_edit(actor, report)
    stored = attachment.file
    attachment.delete()
    # The file goes only once the row is gone for good.
    transaction.on_commit(lambda: stored.storage.delete(stored.name))
    _start_editing(actor, report)
    _save(report)


@transaction.atomic
def submit_report(*, actor, report_id) -> AnnualReport:
    """Submit to the city bureau: the content is checked again on the locked row."""
    report = _locked(report_id)
    _require_edit(actor, report)
    if report.status == ReportStatus.PENDING:  # nothing has been written yet
        raise ValidationError(_("请先填写年度报告内容并暂存，再提交。"))
    problems = rules.check(content_of(report))
    if problems:
        raise ValidationError({p.field: [p.message] for p in problems})
    try:
        report.submit(at=timezone.now(), by=actor)
    except TransitionNotAllowed as exc:
        raise StaleReport() from exc
    _save(report)
    notify(
        recipients=selectors.city_users(),
        event="report_submitted",
        subject=_("【年度报告】%(title)s已报送") % {"title": report.title},
        body=_("%(lead)s已报送%(title)s，请审核。")
        % {"lead": report.consortium.lead.name, "title": report.title},
        url=reverse("reporting:detail", args=[report.pk]),
    )
    return report


def _decide(*, actor, report_id, transition, **kwargs) -> AnnualReport:
    report = _locked(report_id)
    if not is_city(actor):
        raise PermissionDenied(_("只有市科技局工作人员可以审核年度报告。"))
    if report.status != ReportStatus.SUBMITTED:
        raise StaleReport()
    try:
        getattr(report, transition)(at=timezone.now(), by=actor, **kwargs)
    except TransitionNotAllowed as exc:
        raise StaleReport() from exc
    _save(report)
    return report


@transaction.atomic
def accept_report(*, actor, report_id, comment: str = "") -> AnnualReport:
    report = _decide(
        actor=actor,
        report_id=report_id,
        transition="accept",
        description=(comment or "").strip() or None,
    )
    # The matters the lead asked the government to coordinate become items (art. 22).
    from reporting.coordination.services import create_from_report

    create_from_report(report=report)
    notify(
        recipients=selectors.lead_users(report.consortium),
        event="report_accepted",
        subject=_("【年度报告】%(title)s已审核通过") % {"title": report.title},
        body=_("市科技局已审核通过%(title)s。") % {"title": report.title},
        url=reverse("reporting:detail", args=[report.pk]),
    )
    return report


@transaction.atomic
def return_report(*, actor, report_id, reason: str) -> AnnualReport:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写退回原因。")]})
    report = _decide(
        actor=actor,
        report_id=report_id,
        transition="return_for_revision",
        reason=reason,
        description=reason,
    )
    notify(
        recipients=selectors.lead_users(report.consortium),
        event="report_returned",
        subject=_("【年度报告】%(title)s被退回修改") % {"title": report.title},
        body=_("市科技局退回了%(title)s，请修改后重新报送。\n退回原因：%(reason)s")
        % {"title": report.title, "reason": reason},
        url=reverse("reporting:edit", args=[report.pk]),
    )
    return report

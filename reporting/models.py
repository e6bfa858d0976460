"""Annual reports (article 22) and the log that makes each reminder go out once
(DESIGN.md §6).

Field names are read by the statistics (reporting/stats.py): AnnualReport.year, status,
consortium, submitted_at, is_overdue. `is_overdue` means "outstanding after the deadline
now": the daily cycle sets it on a report still pending, in draft or returned from 1 April,
and submitting clears it; `overdue_since` keeps the first day it was found late, so a late
submission stays visible ("submitted late" = overdue_since is set).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from applications.models import Consortium
from liaoyang_consortia.models import StoredUpload

MONEY = {"max_digits": 14, "decimal_places": 2}


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("待填报")
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("已报送，待审核")
    ACCEPTED = "accepted", _("已通过")
    RETURNED = "returned", _("已退回修改")


# The lead unit's to fill in (and, once past the deadline, overdue).
OPEN_STATUSES = (ReportStatus.PENDING, ReportStatus.DRAFT, ReportStatus.RETURNED)


class AnnualReport(ConcurrentTransitionMixin, models.Model):
    """A consortium's report on one year's operation (年度建设运行情况报告), filed in March
    of the next year. Created by the reporting cycle (reporting/cycle.py); written through
    reporting/services.py."""

    consortium = models.ForeignKey(
        Consortium,
        verbose_name=_("创新联合体"),
        on_delete=models.PROTECT,
        related_name="annual_reports",
    )
    year = models.PositiveSmallIntegerField(_("报告年度"))
    status = FSMField(
        _("状态"), default=ReportStatus.PENDING, choices=ReportStatus.choices, protected=True
    )

    # 上年度运行情况
    rd_progress = models.TextField(
        _("研发进展"), blank=True, help_text=_("协同攻关任务、关键核心技术突破、平台建设等。")
    )
    results_projects = models.PositiveIntegerField(_("承担科技项目（项）"), default=0)
    results_projects_text = models.TextField(
        _("科技项目情况"), blank=True, help_text=_("每行一个：项目名称、级别、编号、起止年份。")
    )
    results_patents = models.PositiveIntegerField(_("专利（件）"), default=0)
    results_patents_text = models.TextField(
        _("专利情况"), blank=True, help_text=_("每行一件：名称、类型、申请号或授权号。")
    )
    results_standards = models.PositiveIntegerField(_("标准（项）"), default=0)
    results_standards_text = models.TextField(
        _("标准情况"), blank=True, help_text=_("每行一项：标准名称、级别、编号。")
    )
    results_transfers = models.PositiveIntegerField(_("成果转化（项）"), default=0)
    results_transfers_text = models.TextField(
        _("成果转化情况"), blank=True, help_text=_("每行一项：成果名称、转化方式、金额。")
    )
    team = models.TextField(_("团队建设"), blank=True, help_text=_("研发人员、人才引进与培养。"))
    funds = models.TextField(
        _("资金投入情况"), blank=True, help_text=_("各成员单位投入、资金来源及使用。")
    )
    funds_amount = models.DecimalField(_("资金投入总额（万元）"), null=True, blank=True, **MONEY)
    # 本年度
    plan_this_year = models.TextField(_("本年度工作计划"), blank=True)
    problems = models.TextField(_("存在的问题"), blank=True, help_text=_("如无，请填写“无”。"))
    coordination_needed = models.TextField(
        _("需政府协调解决的事项"), blank=True, help_text=_("如无，请填写“无”。")
    )

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    is_overdue = models.BooleanField(_("逾期未报"), default=False)
    overdue_since = models.DateField(_("逾期起始日"), null=True, blank=True)

    class Meta:
        verbose_name = _("年度报告")
        verbose_name_plural = _("年度报告")
        ordering = ["-year", "consortium__number"]
        constraints = [
            models.UniqueConstraint(fields=["consortium", "year"], name="annual_report_once")
        ]
        indexes = [
            models.Index(fields=["year", "status"]),
            models.Index(fields=["status", "is_overdue"]),
        ]

    def __str__(self):
        return f"{self.consortium.name} {self.year}年度报告"

    @property
    def title(self) -> str:
        return f"{self.consortium.name}{self.year}年度建设运行情况报告"

    @property
    def is_open(self) -> bool:
        """Still the lead unit's to fill in and submit."""
        return self.status in OPEN_STATUSES

    # Transitions change fields only; reporting/services.py locks the row, checks who acts
    # and the content, saves, and notifies (as applications/workflow.py does).
    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[ReportStatus.PENDING, ReportStatus.RETURNED],
        target=ReportStatus.DRAFT,
    )
    def start_editing(self, *, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=status,
        source=[ReportStatus.DRAFT, ReportStatus.RETURNED],
        target=ReportStatus.SUBMITTED,
    )
    def submit(self, *, at, by=None, description=None):
        self.submitted_at = at
        self.submitted_by = by
        # Submitted: no longer outstanding (overdue_since keeps that it was late).
        self.is_overdue = False

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=ReportStatus.SUBMITTED, target=ReportStatus.ACCEPTED)
    def accept(self, *, at, by=None, description=None):
        self.decided_by = by
        self.decided_at = at
        self.return_reason = ""

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=ReportStatus.SUBMITTED, target=ReportStatus.RETURNED)
    def return_for_revision(self, *, reason, at, by=None, description=None):
        self.decided_by = by
        self.decided_at = at
        self.return_reason = reason


def report_attachment_path(instance, filename):
    # A random name: the original never reaches the file system (it is kept in a field).
    return f"reports/{uuid.uuid4().hex}"


class ReportAttachment(StoredUpload):
    report = models.ForeignKey(
        AnnualReport,
        verbose_name=_("年度报告"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("文件"), upload_to=report_attachment_path, max_length=200)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("年度报告附件")
        verbose_name_plural = _("年度报告附件")
        ordering = ["uploaded_at", "id"]


class ReminderLog(models.Model):
    """One row per message of the reporting cycle, written in the transaction that queues
    the message: the unique pair is what makes each one go out exactly once."""

    report = models.ForeignKey(
        AnnualReport,
        verbose_name=_("年度报告"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    # "opening", "reminder-<day of March>" or "overdue".
    kind = models.CharField(_("类型"), max_length=20)
    on_date = models.DateField(_("周期运行日期"))
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("年度报告提醒记录")
        verbose_name_plural = _("年度报告提醒记录")
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "kind"], name="report_reminder_once")
        ]

    def __str__(self):
        return f"{self.report_id} {self.kind}"

    def get_kind_label(self) -> str:
        from reporting.rules import kind_label

        return kind_label(self.kind)


# Assessment (考核评估) keeps its models in its own subpackage; Django finds them here.
from reporting.assessments.models import (  # noqa: E402, F401
    Assessment,
    AssessmentReminder,
    DisqualificationProposal,
    Evidence,
    Indicator,
    IndicatorTemplate,
    IndicatorValue,
    Rectification,
    Round,
)

# Coordination items (article 22) likewise.
from reporting.coordination.models import (  # noqa: E402, F401
    CoordinationItem,
    CoordinationProgress,
    Department,
)

# The support ledger (article 18) likewise.
from reporting.support.models import SupportKind, SupportRecord  # noqa: E402, F401

"""Public notices in working days and real-name objections (DESIGN.md §3 reviews/notices/)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import Application


class PublicNotice(models.Model):
    """公示: one notice lists one or more applications for N statutory working days."""

    number = models.CharField(_("文号"), max_length=50, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    start_date = models.DateField(_("公示开始日期"))
    end_date = models.DateField(_("公示截止日期"))
    working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"))
    applications = models.ManyToManyField(
        Application, verbose_name=_("公示的申请"), related_name="notices", blank=True
    )
    # A round's result notice lists assessments instead (reporting.assessments).
    assessments = models.ManyToManyField(
        "reporting.Assessment", verbose_name=_("公示的考核结果"), related_name="notices", blank=True
    )
    business_contact = models.CharField(_("业务联系人及电话"), max_length=200)
    supervision_contact = models.CharField(_("监督电话"), max_length=200)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-start_date", "-id"]

    def __str__(self):
        return self.title


def objection_evidence_path(instance, filename):
    return f"objections/{uuid.uuid4().hex}"


class Objection(models.Model):
    """A real-name objection (异议) filed during a notice. The objector's identity is for
    city staff only."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("已收到")
        VERIFYING = "verifying", _("核查中")
        RESOLVED = "resolved", _("已办结")

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("异议成立")
        DISMISSED = "dismissed", _("异议不成立")

    notice = models.ForeignKey(
        PublicNotice, verbose_name=_("公示"), on_delete=models.PROTECT, related_name="objections"
    )
    # The objector's receipt (YY2026-0007), given by the service that files the objection
    # (reviews.notices.services.file_objection). Null only for rows written around the service.
    receipt_number = models.CharField(
        _("受理编号"), max_length=20, unique=True, null=True, blank=True, editable=False
    )
    # What the objection is against: an application of the notice, or an assessment result
    # of a round's result notice (exactly one).
    application = models.ForeignKey(
        Application,
        verbose_name=_("异议对象"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objections",
    )
    assessment = models.ForeignKey(
        "reporting.Assessment",
        verbose_name=_("异议的考核结果"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objections",
    )
    objector_name = models.CharField(_("异议人姓名"), max_length=50)
    objector_unit = models.CharField(_("工作单位"), max_length=200)
    objector_phone = models.CharField(_("联系电话"), max_length=30)
    objector_email = models.EmailField(_("电子邮箱"), blank=True)
    reasons = models.TextField(_("异议理由"))
    evidence = models.FileField(
        _("证明材料"), upload_to=objection_evidence_path, blank=True, max_length=200
    )
    evidence_name = models.CharField(_("材料原文件名"), max_length=255, blank=True)
    evidence_type = models.CharField(_("材料类型"), max_length=100, blank=True)
    evidence_sha256 = models.CharField(_("材料SHA-256"), max_length=64, blank=True)
    received_at = models.DateTimeField(_("收到时间"), auto_now_add=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    outcome = models.CharField(_("核查结论"), max_length=20, choices=Outcome.choices, blank=True)
    finding = models.TextField(_("核查意见"), blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = _("异议")
        ordering = ["received_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(application__isnull=False, assessment__isnull=True)
                | models.Q(application__isnull=True, assessment__isnull=False),
                name="objection_one_subject",
            )
        ]

    def __str__(self):
        return f"{self.subject} · {self.received_at:%Y-%m-%d}"

    @property
    def subject(self):
        return self.application or self.assessment

"""Coordination items (art. 22): the annual report's "需要政府部门协调解决的事项", one item per
matter the lead listed, assigned to a department and answered; reporting/models.py imports
them so Django finds them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import Consortium


class Department(models.Model):
    """A government department items are assigned to; admins keep the list."""

    name = models.CharField(_("部门名称"), max_length=100, unique=True)
    active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("协调部门")
        verbose_name_plural = _("协调部门")
        ordering = ["sort_order", "id"]

    def __str__(self):
        return self.name


class CoordinationItem(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待分办")
        IN_PROGRESS = "in_progress", _("办理中")
        ANSWERED = "answered", _("已答复")

    report = models.ForeignKey(
        "reporting.AnnualReport",
        verbose_name=_("年度报告"),
        on_delete=models.PROTECT,
        related_name="coordination_items",
    )
    # Denormalized from the report: the consortium page and the statistics read by it.
    consortium = models.ForeignKey(
        Consortium,
        verbose_name=_("创新联合体"),
        on_delete=models.PROTECT,
        related_name="coordination_items",
    )
    sequence = models.PositiveSmallIntegerField(_("序号"))
    text = models.TextField(_("协调事项"), max_length=5000)
    status = models.CharField(
        _("办理状态"), max_length=15, choices=Status.choices, default=Status.PENDING
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("承办部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
    )
    due_on = models.DateField(_("办理期限"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("分办人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("分办时间"), null=True, blank=True)
    reply = models.TextField(_("答复意见"), max_length=5000, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("协调事项")
        verbose_name_plural = _("协调事项")
        ordering = ["-created_at", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["report", "sequence"], name="coordination_item_once"),
            models.CheckConstraint(
                condition=~models.Q(status="answered") | ~models.Q(reply=""),
                name="coordination_answered_has_reply",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="coordination_work_list")]

    def __str__(self):
        return f"{self.consortium_id}-{self.report_id}-{self.sequence}"


class CoordinationProgress(models.Model):
    """A dated note of how the item is going (办理进展), in the order recorded."""

    item = models.ForeignKey(
        CoordinationItem,
        verbose_name=_("协调事项"),
        on_delete=models.CASCADE,
        related_name="progress",
    )
    note = models.TextField(_("办理进展"), max_length=5000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办理进展")
        verbose_name_plural = _("办理进展")
        ordering = ["recorded_at", "id"]

    def __str__(self):
        return f"{self.item_id} {self.recorded_at:%Y-%m-%d}"

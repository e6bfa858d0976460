"""The Party-group meeting and its decisions (DESIGN.md §3 reviews/decisions/)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import Application


class PartyGroupMeeting(models.Model):
    """A meeting of the bureau's Party group (党组会议) deciding one or more applications."""

    meeting_date = models.DateField(_("会议日期"))
    minutes_number = models.CharField(_("会议纪要编号"), max_length=50, unique=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("党组会议")
        verbose_name_plural = _("党组会议")
        ordering = ["-meeting_date"]

    def __str__(self):
        return f"{self.meeting_date:%Y-%m-%d} {self.minutes_number}"


class MeetingDecision(models.Model):
    class Outcome(models.TextChoices):
        APPROVE = "approve", _("同意认定")
        DECLINE = "decline", _("不予认定")

    meeting = models.ForeignKey(
        PartyGroupMeeting,
        verbose_name=_("会议"),
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    application = models.OneToOneField(
        Application, verbose_name=_("申请"), on_delete=models.PROTECT, related_name="decision"
    )
    outcome = models.CharField(_("决定"), max_length=10, choices=Outcome.choices)
    reason = models.TextField(_("理由"), blank=True)

    class Meta:
        verbose_name = _("会议决定")
        verbose_name_plural = _("会议决定")

    def __str__(self):
        return f"{self.application} · {self.get_outcome_display()}"

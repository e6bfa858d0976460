"""The support ledger's one model; reporting/models.py imports it so Django finds it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import Consortium
from reporting.support import rules


class SupportKind(models.TextChoices):
    """The eight kinds of support of article 18, in the article's order."""

    PROJECT_RECOMMENDATION = "project_recommendation", _("（一）推荐申报国家和省级科技项目")
    PLATFORM_RECOMMENDATION = "platform_recommendation", _("（二）推荐建设国家和省级创新平台")
    CITY_PROGRAMME = "city_programme", _("（三）市级科技计划项目支持")
    TRANSFER_PILOT = "transfer_pilot", _("（四）科技成果转化与中试支持")
    TALENT = "talent", _("（五）人才引进与培养支持")
    FINANCE = "finance", _("（六）科技金融支持")
    IP_STANDARDS = "ip_standards", _("（七）知识产权与标准化服务")
    THINK_TANK = "think_tank", _("（八）智库咨询服务")


class SupportRecord(models.Model):
    consortium = models.ForeignKey(
        Consortium,
        verbose_name=_("创新联合体"),
        on_delete=models.CASCADE,
        related_name="support_records",
    )
    kind = models.CharField(_("支持类别"), max_length=30, choices=SupportKind.choices)
    date = models.DateField(_("支持日期"))
    description = models.TextField(_("支持内容"), max_length=2000)
    # Only some support comes with money (a recommendation or a think-tank visit does not):
    # null is "no amount", not zero.
    amount = models.DecimalField(
        _("金额（万元）"),
        max_digits=rules.AMOUNT_MAX_DIGITS,
        decimal_places=rules.AMOUNT_PLACES,
        null=True,
        blank=True,
    )
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("录入人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("支持情况记录")
        verbose_name_plural = _("支持情况台账")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["consortium", "date"], name="support_by_consortium")]

    def __str__(self):
        return f"{self.consortium_id} {self.get_kind_display()} {self.date}"

    @property
    def amount_text(self) -> str:
        return rules.amount_text(self.amount)

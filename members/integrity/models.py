"""The research-integrity pledge (科研诚信承诺) each unit of an application or an assessment
gives; members/models.py imports it so Django finds it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IntegrityPledge(models.Model):
    """One unit's pledge for one subject (an application or an assessment), given by the
    unit itself: from one of its accounts or through the link the lead passes on."""

    class Via(models.TextChoices):
        ACCOUNT = "account", _("单位账号")
        LINK = "link", _("确认链接")

    application = models.ForeignKey(
        "applications.Application",
        verbose_name=_("申请"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pledges",
    )
    assessment = models.ForeignKey(
        "reporting.Assessment",
        verbose_name=_("考核评估"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pledges",
    )
    organization = models.ForeignKey(
        "members.Organization",
        verbose_name=_("承诺单位"),
        on_delete=models.PROTECT,
        related_name="pledges",
    )
    person = models.CharField(_("承诺人"), max_length=50)
    person_title = models.CharField(_("职务"), max_length=50, blank=True)
    pledged_on = models.DateField(_("承诺日期"))
    # The pledge's wording as the unit saw it: a later change of the text does not rewrite
    # what was pledged.
    statement = models.TextField(_("承诺内容"))
    via = models.CharField(_("确认方式"), max_length=10, choices=Via.choices)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认账号"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("确认时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("科研诚信承诺")
        verbose_name_plural = _("科研诚信承诺")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(application__isnull=False, assessment__isnull=True)
                | models.Q(application__isnull=True, assessment__isnull=False),
                name="pledge_one_subject",
            ),
            models.UniqueConstraint(
                fields=["application", "organization"],
                condition=models.Q(application__isnull=False),
                name="pledge_once_per_application",
            ),
            models.UniqueConstraint(
                fields=["assessment", "organization"],
                condition=models.Q(assessment__isnull=False),
                name="pledge_once_per_assessment",
            ),
        ]

    def __str__(self):
        return f"{self.organization} {self.person} {self.pledged_on}"

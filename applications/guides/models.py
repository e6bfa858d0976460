"""The layout guide (art. 4) and units' intents to form a consortium (art. 4, 11(1));
applications/models.py imports them so Django finds them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from members.models import IndustryField, Organization


class Guide(models.Model):
    """A layout guide (总体布局要求 / 申报指南) city staff write and publish. Unpublished it is a
    draft only city staff see; withdrawn it stays readable but is no longer in force."""

    title = models.CharField(_("标题"), max_length=200)
    document_number = models.CharField(_("文号"), max_length=100, blank=True)
    body = models.TextField(_("正文"), max_length=50000)
    industry_fields = models.ManyToManyField(
        IndustryField, verbose_name=_("所涉产业领域"), blank=True, related_name="guides"
    )
    targets = models.TextField(_("布局目标"), max_length=5000, blank=True)
    # Applications are rolling (art. 11, "成熟一个、启动一个"): no deadline unless a guide
    # sets one, and then only for the applications filed under it.
    deadline = models.DateField(
        _("申报截止日期"),
        null=True,
        blank=True,
        help_text=_("留空表示常年受理（成熟一个、启动一个）。"),
    )
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    withdrawn_on = models.DateField(_("废止日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("起草人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("布局指南")
        verbose_name_plural = _("布局指南")
        ordering = ["-published_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(withdrawn_on__isnull=True)
                | models.Q(published_on__isnull=False, withdrawn_on__gte=models.F("published_on")),
                name="guide_withdrawn_after_published",
            )
        ]

    def __str__(self):
        return self.title


class Intent(models.Model):
    """A unit's intent to form a consortium, answered by city staff; an encouraged intent
    becomes a prefilled draft application."""

    class Answer(models.TextChoices):
        ENCOURAGE = "encourage", _("鼓励组建")
        IMPROVE = "improve", _("建议完善")
        DECLINE = "decline", _("暂不支持")

    organization = models.ForeignKey(
        Organization, verbose_name=_("登记单位"), on_delete=models.PROTECT, related_name="intents"
    )
    guide = models.ForeignKey(
        Guide,
        verbose_name=_("依据指南"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intents",
    )
    industry_field = models.ForeignKey(
        IndustryField, verbose_name=_("产业领域"), on_delete=models.PROTECT, related_name="+"
    )
    name_core = models.CharField(
        _("拟组建联合体名称"),
        max_length=40,
        blank=True,
        help_text=_("“辽阳市××创新联合体”中的“××”部分。"),
    )
    # One unit per line, by name or unified social credit code: the draft takes the lines
    # that name a registered unit as members (applications.guides.rules.parse_partners).
    partners = models.TextField(
        _("拟合作单位"), max_length=5000, help_text=_("每行一个单位，填写名称或统一社会信用代码。")
    )
    goals = models.TextField(_("建设目标"), max_length=5000)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=30)
    contact_email = models.EmailField(_("电子邮箱"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    answer = models.CharField(_("答复意见"), max_length=10, choices=Answer.choices, blank=True)
    answer_note = models.TextField(_("答复说明"), max_length=5000, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("答复人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    application = models.OneToOneField(
        "applications.Application",
        verbose_name=_("转入的申请"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="intent",
    )

    class Meta:
        verbose_name = _("组建意向")
        verbose_name_plural = _("组建意向")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["answer", "submitted_at"], name="intent_work_list")]

    def __str__(self):
        return f"{self.organization} {self.name_core or self.industry_field}"

"""The expert pool, score sheets and assignments (DESIGN.md §3 reviews/experts/)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from members.models import IndustryField, Organization


class ExpertProfile(models.Model):
    """An expert of the bureau's pool (评审专家库)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.PROTECT,
        related_name="expert_profile",
    )
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职称"), max_length=50, blank=True)
    employer = models.ForeignKey(
        Organization,
        verbose_name=_("工作单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="experts",
        help_text=_("用于回避：专家工作单位为申请成员单位的，不参与该申请评审。"),
    )
    fields = models.ManyToManyField(IndustryField, verbose_name=_("熟悉领域"), blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("在库"), default=True)

    class Meta:
        verbose_name = _("评审专家")
        verbose_name_plural = _("评审专家")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ScoreSheet(models.Model):
    class Purpose(models.TextChoices):
        APPLICATION = "application", _("认定申请评审")
        ASSESSMENT = "assessment", _("考核评估")

    name = models.CharField(_("名称"), max_length=100)
    # An application's review takes the default sheet of its purpose; an assessment's sheet
    # is made from its indicator template (reporting.assessments), never drawn by default.
    purpose = models.CharField(
        _("用途"), max_length=20, choices=Purpose.choices, default=Purpose.APPLICATION
    )
    is_default = models.BooleanField(
        _("系统默认"),
        default=False,
        help_text=_("依据办法第五、七、八条拟定的默认评分表，可由管理员修改。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")

    def __str__(self):
        return self.name

    @property
    def max_total(self) -> int:
        return sum(c.max_points for c in self.criteria.all())


class Criterion(models.Model):
    sheet = models.ForeignKey(
        ScoreSheet, verbose_name=_("评分表"), on_delete=models.CASCADE, related_name="criteria"
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=1)
    name = models.CharField(_("评分项"), max_length=100)
    description = models.TextField(_("评分要点"), blank=True)
    max_points = models.PositiveSmallIntegerField(_("满分"))

    class Meta:
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")
        ordering = ["sheet", "order"]

    def __str__(self):
        return self.name


class ExpertAssignment(models.Model):
    """An expert drawn or assigned to review one subject: an application, or a consortium's
    assessment (exactly one of the two foreign keys is set; DESIGN.md §3)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待声明回避情况")
        ACCEPTED = "accepted", _("已声明无利害关系")
        RECUSED = "recused", _("已回避")
        SUBMITTED = "submitted", _("已提交评分")

    class Method(models.TextChoices):
        DRAW = "draw", _("随机抽取")
        MANUAL = "manual", _("指定")

    application = models.ForeignKey(
        Application,
        verbose_name=_("申请"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="expert_assignments",
    )
    assessment = models.ForeignKey(
        "reporting.Assessment",
        verbose_name=_("考核评估"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="expert_assignments",
    )
    expert = models.ForeignKey(
        ExpertProfile, verbose_name=_("专家"), on_delete=models.PROTECT, related_name="assignments"
    )
    method = models.CharField(_("产生方式"), max_length=10, choices=Method.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    sheet = models.ForeignKey(
        ScoreSheet, verbose_name=_("评分表"), on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指派人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_at = models.DateTimeField(_("指派时间"), auto_now_add=True)
    declared_at = models.DateTimeField(_("声明时间"), null=True, blank=True)
    conflict_note = models.TextField(_("回避说明"), blank=True)
    recommend = models.BooleanField(_("是否推荐"), null=True, blank=True)
    opinion = models.TextField(_("评审意见"), blank=True)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=1, null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("专家评审任务")
        verbose_name_plural = _("专家评审任务")
        ordering = ["application", "assigned_at"]
        constraints = [
            models.UniqueConstraint(fields=["application", "expert"], name="assignment_once"),
            models.UniqueConstraint(
                fields=["assessment", "expert"], name="assessment_assignment_once"
            ),
            models.CheckConstraint(
                condition=models.Q(application__isnull=False, assessment__isnull=True)
                | models.Q(application__isnull=True, assessment__isnull=False),
                name="assignment_one_subject",
            ),
        ]

    def __str__(self):
        return f"{self.expert} · {self.application or self.assessment}"


class Score(models.Model):
    assignment = models.ForeignKey(
        ExpertAssignment,
        verbose_name=_("评审任务"),
        on_delete=models.CASCADE,
        related_name="scores",
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("评分项"), on_delete=models.PROTECT, related_name="+"
    )
    points = models.DecimalField(_("得分"), max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = _("得分")
        verbose_name_plural = _("得分")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="score_once")
        ]

    def __str__(self):
        return f"{self.criterion_id}: {self.points}"

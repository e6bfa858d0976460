"""The expert pool, score sheets and assignments (DESIGN.md §3 reviews/experts/)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from members.models import IndustryField, Organization


def expert_cv_path(instance, filename):
    # A random name: the original never reaches the file system (it is kept in a field).
    return f"experts/cv/{uuid.uuid4().hex}"


class ExpertProfile(models.Model):
    """An expert of the bureau's library (专家库, DESIGN.md §16): the profile, its status in
    the library and, for one who registered themselves, the registration and its check."""

    class Status(models.TextChoices):
        # A self-registration on its way in: not in the library, never drawn.
        EMAIL_PENDING = "email_pending", _("待确认邮箱")
        PENDING = "pending", _("待核验")
        RETURNED = "returned", _("已退回修改")
        # The library proper.
        ACTIVE = "active", _("在库")
        SUSPENDED = "suspended", _("暂停")
        OUT = "out", _("出库")

    class TitleLevel(models.TextChoices):
        SENIOR = "senior", _("正高级")
        ASSOCIATE = "associate", _("副高级")
        INTERMEDIATE = "intermediate", _("中级")
        OTHER = "other", _("其他")

    class Via(models.TextChoices):
        ADMIN = "admin", _("管理员录入")
        SELF = "self", _("本人注册")

    IN_LIBRARY = (Status.ACTIVE, Status.SUSPENDED, Status.OUT)
    REGISTERING = (Status.EMAIL_PENDING, Status.PENDING, Status.RETURNED)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.PROTECT,
        related_name="expert_profile",
    )
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(
        _("职称"), max_length=50, blank=True, help_text=_("如：教授、研究员。")
    )
    title_level = models.CharField(
        _("职称级别"), max_length=20, choices=TitleLevel.choices, blank=True
    )
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
    keywords = models.CharField(
        _("研究方向关键词"), max_length=200, blank=True, help_text=_("以逗号或顿号分隔。")
    )
    phone = models.CharField(_("手机号码"), max_length=30, blank=True)
    email = models.EmailField(_("电子邮箱"), max_length=150, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    status_reason = models.TextField(_("状态说明"), blank=True)
    status_changed_on = models.DateField(_("状态变更日期"), null=True, blank=True)
    # The yearly update (每年信息更新): the day the expert last confirmed the profile, and the
    # year the daily job last asked them (asked once per expert and year).
    last_updated_on = models.DateField(_("最近信息更新日期"), null=True, blank=True)
    update_asked_year = models.PositiveSmallIntegerField(_("已提醒更新年度"), null=True, blank=True)
    # How the expert came in, and a self-registration's check (members.accounts' mechanism).
    registered_via = models.CharField(
        _("入库方式"), max_length=10, choices=Via.choices, default=Via.ADMIN
    )
    cv = models.FileField(_("个人简历"), upload_to=expert_cv_path, max_length=200, blank=True)
    cv_name = models.CharField(_("简历原文件名"), max_length=255, blank=True)
    cv_content_type = models.CharField(_("简历文件类型"), max_length=100, blank=True)
    cv_size = models.PositiveBigIntegerField(_("简历大小（字节）"), null=True, blank=True)
    cv_sha256 = models.CharField(_("简历SHA-256"), max_length=64, blank=True)
    declared_at = models.DateTimeField(_("承诺时间"), null=True, blank=True)
    email_token = models.UUIDField(_("邮箱确认令牌"), null=True, blank=True, unique=True)
    email_token_expires_at = models.DateTimeField(_("确认链接有效期至"), null=True, blank=True)
    email_confirmed_at = models.DateTimeField(_("邮箱确认时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交核验时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核验人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    created_at = models.DateTimeField(_("入库登记时间"), auto_now_add=True, null=True)

    class Meta:
        verbose_name = _("评审专家")
        verbose_name_plural = _("评审专家")
        ordering = ["name"]
        indexes = [models.Index(fields=["status"])]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        """在库: the only status the draw picks from."""
        return self.status == self.Status.ACTIVE

    @property
    def in_library(self) -> bool:
        return self.status in self.IN_LIBRARY


class ExpertAvoidance(models.Model):
    """A unit the expert must not review besides their employer (回避单位), with why."""

    expert = models.ForeignKey(
        ExpertProfile,
        verbose_name=_("专家"),
        on_delete=models.CASCADE,
        related_name="avoidances",
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("回避单位"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("回避原因"), max_length=200)

    class Meta:
        verbose_name = _("回避单位")
        verbose_name_plural = _("回避单位")
        ordering = ["expert", "id"]
        constraints = [
            models.UniqueConstraint(fields=["expert", "organization"], name="avoidance_once")
        ]

    def __str__(self):
        return f"{self.expert} · {self.organization}"


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
        # An invitation (DESIGN.md §16) waiting for its answer by respond_by.
        PENDING = "pending", _("待答复邀请")
        ACCEPTED = "accepted", _("已接受邀请")
        RECUSED = "recused", _("已回避")
        DECLINED = "declined", _("已谢绝")
        EXPIRED = "expired", _("逾期未答复")
        WITHDRAWN = "withdrawn", _("已撤回")
        SUBMITTED = "submitted", _("已提交评分")

    # Invitations that ended without a review: they count for nothing (the minimum, the
    # majority, the yearly cap) but stay as the subject's invitation history.
    ENDED = (Status.RECUSED, Status.DECLINED, Status.EXPIRED, Status.WITHDRAWN)
    # The rest count towards the expert's yearly cap: answered yes, or not yet answered
    # (else open invitations could take an expert past it).
    COUNTED = (Status.PENDING, Status.ACCEPTED, Status.SUBMITTED)

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
    # The invitation: answered by this day (working days from the invitation), reminded
    # once at half time and, unanswered, replaced at the deadline (each exactly once: the
    # daily job sets these fields by a conditional update).
    respond_by = models.DateField(_("答复期限"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("催复时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("邀请结束时间"), null=True, blank=True)
    decline_reason = models.TextField(_("谢绝原因"), blank=True)
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("替补自"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    declared_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    conflict_note = models.TextField(_("回避说明"), blank=True)
    recommend = models.BooleanField(_("是否推荐"), null=True, blank=True)
    opinion = models.TextField(_("评审意见"), blank=True)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=1, null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    # City staff's rating of the review (only city staff ever see it).
    rating = models.PositiveSmallIntegerField(_("评审质量评价"), null=True, blank=True)
    rating_note = models.TextField(_("评价说明"), blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评价人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

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
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="assignment_rating_1_to_5",
            ),
        ]
        indexes = [models.Index(fields=["status", "respond_by"])]

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

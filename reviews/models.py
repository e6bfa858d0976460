"""The review side of the approval chain (DESIGN.md §3, §4): opinions and comments, the
expert pool and score sheets, public notices and objections, the Party-group meeting, and
the admin's table of statutory holidays and make-up working days."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from members.models import IndustryField, Organization


class Visibility(models.TextChoices):
    INTERNAL = "internal", _("仅审核人员可见")
    APPLICANT = "applicant", _("申报单位可见")
    PUBLIC = "public", _("公开")


class Comment(models.Model):
    """An opinion, a reason or a remark on an application: what a transition was given,
    or a note added beside it. Who may read it is its visibility."""

    class Kind(models.TextChoices):
        OPINION = "opinion", _("审核意见")
        REASON = "reason", _("理由")
        REMARK = "remark", _("备注")

    application = models.ForeignKey(
        Application, verbose_name=_("申请"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填写人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.OPINION)
    transition = models.CharField(_("对应操作"), max_length=40, blank=True)
    visibility = models.CharField(
        _("可见范围"), max_length=20, choices=Visibility.choices, default=Visibility.APPLICANT
    )
    text = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("审核意见")
        verbose_name_plural = _("审核意见")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["application", "created_at"])]

    def __str__(self):
        return self.text[:30]


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
    name = models.CharField(_("名称"), max_length=100)
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
    """An expert drawn or assigned to review one application."""

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
            models.UniqueConstraint(fields=["application", "expert"], name="assignment_once")
        ]

    def __str__(self):
        return f"{self.expert} · {self.application}"


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


class PublicNotice(models.Model):
    """公示: one notice lists one or more applications for N statutory working days."""

    number = models.CharField(_("文号"), max_length=50, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    start_date = models.DateField(_("公示开始日期"))
    end_date = models.DateField(_("公示截止日期"))
    working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"))
    applications = models.ManyToManyField(
        Application, verbose_name=_("公示的申请"), related_name="notices"
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
    # (reviews.notices.file_objection). Null only for rows written around the service.
    receipt_number = models.CharField(
        _("受理编号"), max_length=20, unique=True, null=True, blank=True, editable=False
    )
    application = models.ForeignKey(
        Application,
        verbose_name=_("异议对象"),
        on_delete=models.PROTECT,
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

    def __str__(self):
        return f"{self.application} · {self.received_at:%Y-%m-%d}"


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


class CalendarDay(models.Model):
    """An admin's correction to the statutory calendar: a holiday or a make-up working day
    (调休). It overrides chinesecalendar and extends it to years it does not know."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("法定节假日（休息）")
        WORKDAY = "workday", _("调休上班")

    date = models.DateField(_("日期"), unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    note = models.CharField(_("说明"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"

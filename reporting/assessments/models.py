"""Assessment (考核评估) of named consortia (DESIGN.md §14; articles 2, 24, 25).

An indicator template (指标体系) is admin-edited and versioned: it is put in force from a
date once its weights total 100, and is frozen from then on (a change is a new version).
A round (考核批次) assesses the consortia in its scope against one template; each
consortium's assessment runs its own state machine (reporting/assessments/workflow.py),
and its expert review and result notice are reviews/'s, with the assessment as subject.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from applications.models import Consortium
from liaoyang_consortia.models import StoredUpload

POINTS = {"max_digits": 6, "decimal_places": 2}


class Category(models.TextChoices):
    """After the articles the indicators measure."""

    JOINT_RESEARCH = "joint_research", _("联合攻关")  # art. 12
    PLATFORM = "platform", _("平台载体")  # art. 13
    TRANSFER = "transfer", _("成果转化")  # art. 14
    IP_STANDARDS = "ip_standards", _("知识产权与标准")  # art. 15
    REGIONAL = "regional", _("区域协同")  # art. 16
    FINANCE = "finance", _("金融服务")  # art. 17
    OPERATION = "operation", _("运行管理")  # art. 22, 23


class Method(models.TextChoices):
    COMPUTED = "computed", _("系统计算")
    EXPERT = "expert", _("专家评分")


class Source(models.TextChoices):
    """What a computed indicator is computed from (reporting/assessments/rules.py)."""

    REPORT_ON_TIME = "report_on_time", _("年度报告按期报送")
    PROJECTS = "projects", _("经确认的市级及以上科技项目")
    MEMBER_CHANGES = "member_changes", _("成员变更按规定报备")


class IndicatorTemplate(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    version = models.CharField(_("版本"), max_length=30)
    note = models.TextField(_("说明"), blank=True)
    # Null while being drafted; set by reporting.assessments.services.put_template_in_force,
    # which refuses weights that do not total 100. From then on the indicators are frozen.
    in_force_from = models.DateField(_("生效日期"), null=True, blank=True)
    # The expert sheet of the template's expert-scored indicators, made when it is put in
    # force: reviews' score sheets are what experts fill in, for any subject.
    score_sheet = models.OneToOneField(
        "reviews.ScoreSheet",
        verbose_name=_("专家评分表"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicator_template",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考核指标体系")
        verbose_name_plural = _("考核指标体系")
        ordering = ["-in_force_from", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="indicator_template_version")
        ]

    def __str__(self):
        return f"{self.name}（{self.version}）"

    @property
    def is_in_force(self) -> bool:
        return self.in_force_from is not None

    @classmethod
    def in_force(cls, on):
        """The template in force on a date (the latest put in force by then), or None."""
        return cls.objects.filter(in_force_from__lte=on).order_by("-in_force_from", "-id").first()


class Indicator(models.Model):
    template = models.ForeignKey(
        IndicatorTemplate,
        verbose_name=_("指标体系"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=1)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    name = models.CharField(_("指标"), max_length=100)
    weight = models.PositiveSmallIntegerField(_("分值"))
    method = models.CharField(_("评价方式"), max_length=10, choices=Method.choices)
    source = models.CharField(
        _("计算依据"),
        max_length=20,
        choices=Source.choices,
        blank=True,
        help_text=_("仅“系统计算”的指标填写。"),
    )
    evidence = models.TextField(_("佐证材料要求"), blank=True)
    guide = models.TextField(_("评分标准"), blank=True)
    criterion = models.OneToOneField(
        "reviews.Criterion",
        verbose_name=_("专家评分项"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicator",
    )

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["template", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(method="computed") & ~models.Q(source=""))
                | (models.Q(method="expert") & models.Q(source="")),
                name="indicator_source_iff_computed",
            )
        ]

    def __str__(self):
        return self.name


class RoundKind(models.TextChoices):
    ANNUAL = "annual", _("年度考核")
    TRIENNIAL = "triennial", _("三年评估")


class Round(models.Model):
    """考核批次: one year's assessment (or the three-year evaluation) of the consortia in
    its scope. Scope is adjustable until the round opens."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("待启动")
        OPEN = "open", _("自评中")
        CLOSED = "closed", _("已截止")
        FINISHED = "finished", _("已完成")

    kind = models.CharField(_("类型"), max_length=10, choices=RoundKind.choices)
    year = models.PositiveSmallIntegerField(_("考核年度"))
    title = models.CharField(_("名称"), max_length=200)
    template = models.ForeignKey(
        IndicatorTemplate, verbose_name=_("指标体系"), on_delete=models.PROTECT, related_name="+"
    )
    opens_on = models.DateField(_("自评开始日期"))
    closes_on = models.DateField(_("自评截止日期"))
    band_excellent = models.DecimalField(_("优秀分数线"), default=Decimal("85"), **POINTS)
    band_good = models.DecimalField(_("良好分数线"), default=Decimal("75"), **POINTS)
    band_pass = models.DecimalField(_("合格分数线"), default=Decimal("60"), **POINTS)
    # Days before closes_on on which the daily job reminds leads that have not submitted.
    reminder_days = models.CharField(
        _("截止前提醒（天）"), max_length=50, default="7,3,1", help_text=_("用逗号分隔，如 7,3,1")
    )
    rectification_months = models.PositiveSmallIntegerField(_("整改期限（月）"), default=6)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    opened_at = models.DateTimeField(_("启动时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("截止处理时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考核批次")
        verbose_name_plural = _("考核批次")
        ordering = ["-year", "-opens_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "year"], name="assessment_round_once"),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="round_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=models.Q(band_excellent__gt=models.F("band_good"))
                & models.Q(band_good__gt=models.F("band_pass")),
                name="round_bands_descend",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def reminder_day_list(self) -> list[int]:
        from reporting.assessments.rules import parse_days

        return parse_days(self.reminder_days)


class AssessmentState(models.TextChoices):
    ISSUED = "issued", _("已下达")
    SELF_ASSESSMENT = "self_assessment", _("自评中")
    COUNTY_REVIEW = "county_review", _("已提交，县区审核中")
    CITY_INTAKE = "city_intake", _("市局审核中")
    EXPERT_REVIEW = "expert_review", _("专家评审中")
    SCORED = "scored", _("评审完成，待公示")
    RESULT_NOTICE = "result_notice", _("结果公示中")
    PUBLISHED = "published", _("结果已发布")
    # Not submitted when the round closed: graded 不合格 without review (not taking part
    # counts as failing, DESIGN.md §14).
    NOT_SUBMITTED = "not_submitted", _("逾期未提交")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


# The lead may fill in its self-assessment in these states.
EDITABLE = (AssessmentState.SELF_ASSESSMENT,)


class Assessment(ConcurrentTransitionMixin, models.Model):
    """One consortium's assessment in one round."""

    round = models.ForeignKey(
        Round, verbose_name=_("考核批次"), on_delete=models.PROTECT, related_name="assessments"
    )
    consortium = models.ForeignKey(
        Consortium,
        verbose_name=_("创新联合体"),
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    state = FSMField(
        _("状态"), default=AssessmentState.ISSUED, choices=AssessmentState.choices, protected=True
    )
    state_since = models.DateTimeField(_("进入当前状态时间"), auto_now_add=True)
    summary = models.TextField(_("自评总结"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    return_reason = models.TextField(_("退回原因"), blank=True)
    returned_stage = models.CharField(_("退回环节"), max_length=20, blank=True)
    score = models.DecimalField(_("总分"), null=True, blank=True, **POINTS)
    grade = models.CharField(_("等次"), max_length=10, choices=Grade.choices, blank=True)
    # {category: "12.50"} — the per-category subtotals published with the score.
    subtotals = models.JSONField(_("分类得分"), default=dict, blank=True)
    scored_at = models.DateTimeField(_("评分时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    # 优秀: recommended first for national and provincial projects and platforms (art. 18).
    priority_recommendation = models.BooleanField(_("优先推荐"), default=False)

    class Meta:
        verbose_name = _("考核评估")
        verbose_name_plural = _("考核评估")
        ordering = ["round", "consortium__number"]
        constraints = [
            models.UniqueConstraint(fields=["round", "consortium"], name="assessment_once")
        ]
        indexes = [models.Index(fields=["state", "round"])]

    def __str__(self):
        return f"{self.consortium.name} · {self.round.title}"

    @property
    def display_name(self) -> str:
        return f"{self.consortium.name}{self.round.title}"

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE

    # Transitions change fields only; reporting/assessments/workflow.perform locks the row,
    # checks who acts and the guard, saves, audits and notifies.
    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=AssessmentState.ISSUED, target=AssessmentState.SELF_ASSESSMENT)
    def open(self, *, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state, source=AssessmentState.SELF_ASSESSMENT, target=AssessmentState.COUNTY_REVIEW
    )
    def submit(self, *, at, by=None, description=None):
        self.submitted_at = at
        self.submitted_by = by

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state, source=AssessmentState.COUNTY_REVIEW, target=AssessmentState.CITY_INTAKE
    )
    def county_pass(self, *, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state, source=AssessmentState.COUNTY_REVIEW, target=AssessmentState.SELF_ASSESSMENT
    )
    def county_return(self, *, by=None, description=None):
        self.return_reason = description or ""
        self.returned_stage = AssessmentState.COUNTY_REVIEW

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state, source=AssessmentState.CITY_INTAKE, target=AssessmentState.EXPERT_REVIEW
    )
    def city_pass(self, *, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state, source=AssessmentState.CITY_INTAKE, target=AssessmentState.SELF_ASSESSMENT
    )
    def city_return(self, *, by=None, description=None):
        self.return_reason = description or ""
        self.returned_stage = AssessmentState.CITY_INTAKE

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=AssessmentState.EXPERT_REVIEW, target=AssessmentState.SCORED)
    def conclude_review(self, *, score, grade, subtotals, at, by=None, description=None):
        self.score = score
        self.grade = grade
        self.subtotals = subtotals
        self.scored_at = at

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=[AssessmentState.SCORED, AssessmentState.NOT_SUBMITTED],
        target=AssessmentState.RESULT_NOTICE,
    )
    def publish_notice(self, *, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=AssessmentState.RESULT_NOTICE, target=AssessmentState.PUBLISHED)
    def publish_result(self, *, at, priority: bool, by=None, description=None):
        self.published_at = at
        self.priority_recommendation = priority

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=[AssessmentState.ISSUED, AssessmentState.SELF_ASSESSMENT],
        target=AssessmentState.NOT_SUBMITTED,
    )
    def miss_deadline(self, *, grade, at, by=None, description=None):
        self.score = Decimal("0")
        self.grade = grade
        self.scored_at = at


class IndicatorValue(models.Model):
    """What the lead reports for one indicator, and the points it finally earns."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("考核评估"), on_delete=models.CASCADE, related_name="values"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("完成情况"), blank=True)
    # Computed indicators: the portal's points and how it got them, refreshed as the lead
    # edits and frozen at submission.
    computed_points = models.DecimalField(_("系统计算得分"), null=True, blank=True, **POINTS)
    computed_basis = models.TextField(_("计算说明"), blank=True)
    points = models.DecimalField(_("最终得分"), null=True, blank=True, **POINTS)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("指标自评")
        verbose_name_plural = _("指标自评")
        ordering = ["assessment", "indicator__order"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "indicator"], name="indicator_value_once")
        ]

    def __str__(self):
        return f"{self.assessment_id}/{self.indicator_id}"


def evidence_path(instance, filename):
    # A random name: the original never reaches the file system (it is kept in a field).
    return f"assessments/{uuid.uuid4().hex}"


class Evidence(StoredUpload):
    """A supporting document (佐证材料) for one indicator, checked by the upload rules."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("考核评估"), on_delete=models.CASCADE, related_name="evidence"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=200)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["uploaded_at", "id"]


class AssessmentReminder(models.Model):
    """One row per reminder of a round's deadline, written with the message: the unique pair
    makes each one go out exactly once however often the daily job runs."""

    assessment = models.ForeignKey(
        Assessment, verbose_name=_("考核评估"), on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(_("类型"), max_length=30)  # "opening", "before-<n>", "closed"
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考核提醒记录")
        verbose_name_plural = _("考核提醒记录")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "kind"], name="assessment_reminder_once")
        ]

    def __str__(self):
        return f"{self.assessment_id} {self.kind}"


class Rectification(models.Model):
    """整改: opened by a 不合格; city staff re-check it by the deadline."""

    class Status(models.TextChoices):
        OPEN = "open", _("整改中")
        SUBMITTED = "submitted", _("已报送整改情况，待复核")
        PASSED = "passed", _("复核通过")
        FAILED = "failed", _("复核未通过")

    assessment = models.OneToOneField(
        Assessment,
        verbose_name=_("考核评估"),
        on_delete=models.PROTECT,
        related_name="rectification",
    )
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    report = models.TextField(_("整改情况"), blank=True)
    reported_at = models.DateTimeField(_("报送时间"), null=True, blank=True)
    recheck_note = models.TextField(_("复核意见"), blank=True)
    rechecked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("复核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rechecked_at = models.DateTimeField(_("复核时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("整改")
        verbose_name_plural = _("整改")
        ordering = ["deadline", "id"]

    def __str__(self):
        return f"{self.assessment} · {self.get_status_display()}"


class DisqualificationProposal(models.Model):
    """A proposal to take the status away (art. 24), put before city staff by a second 不合格
    in a row or a failed re-check. A person decides it: through the existing
    disqualification (applications.consortia.disqualify) or by declining it."""

    class Reason(models.TextChoices):
        TWICE_FAILED = "twice_failed", _("连续两次考核不合格")
        RECHECK_FAILED = "recheck_failed", _("整改复核未通过")

    class Status(models.TextChoices):
        OPEN = "open", _("待决定")
        DISQUALIFIED = "disqualified", _("已取消资格")
        DECLINED = "declined", _("不予取消")

    consortium = models.ForeignKey(
        Consortium,
        verbose_name=_("创新联合体"),
        on_delete=models.PROTECT,
        related_name="disqualification_proposals",
    )
    assessment = models.ForeignKey(
        Assessment, verbose_name=_("考核评估"), on_delete=models.PROTECT, related_name="proposals"
    )
    reason = models.CharField(_("提出原因"), max_length=20, choices=Reason.choices)
    status = models.CharField(_("状态"), max_length=15, choices=Status.choices, default=Status.OPEN)
    note = models.TextField(_("决定说明"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("提出时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("取消资格建议")
        verbose_name_plural = _("取消资格建议")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.consortium} · {self.get_reason_display()}"

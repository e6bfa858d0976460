import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from liaoyang_consortia.models import StoredUpload
from members.models import IndustryField, Organization, PolicyVersion

MONEY = {"max_digits": 14, "decimal_places": 2}


class State(models.TextChoices):
    """The approval states of DESIGN.md §4 (a stable contract: their names do not change)."""

    DRAFT = "draft", _("草稿")
    COUNTY_REVIEW = "county_review", _("县区审核中")
    RETURNED = "returned", _("退回修改")
    CITY_INTAKE = "city_intake", _("市局形式审查")
    EXPERT_REVIEW = "expert_review", _("专家评审中")
    REVIEW_PASSED = "review_passed", _("评审通过，待公示")
    PUBLIC_NOTICE = "public_notice", _("公示中")
    OBJECTION_REVIEW = "objection_review", _("异议核查中")
    PARTY_GROUP_REVIEW = "party_group_review", _("待党组会议审议")
    APPROVED = "approved", _("已认定")
    REJECTED = "rejected", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")


EDITABLE_STATES = (State.DRAFT, State.RETURNED)


# The operating mechanisms article 5(3) asks the plan to describe: (field, label).
MECHANISMS = [
    ("mechanism_decision", _("决策调度机制")),
    ("mechanism_collaboration", _("协同攻关机制")),
    ("mechanism_benefit", _("利益分配机制")),
    ("mechanism_ip", _("知识产权管理机制")),
    ("mechanism_standards", _("标准创制机制")),
    ("mechanism_promotion", _("推广应用机制")),
    ("mechanism_iteration", _("技术迭代机制")),
    ("mechanism_funding", _("资金投入机制")),
]


class Application(ConcurrentTransitionMixin, models.Model):
    """A consortium application (组建申请), filed by its lead unit."""

    name_core = models.CharField(
        _("联合体名称（××部分）"),
        max_length=60,
        blank=True,
        help_text=_("认定后命名为“辽阳市××创新联合体”，此处只填“××”。"),
    )
    industry_field = models.ForeignKey(
        IndustryField,
        verbose_name=_("所属产业领域"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    lead = models.ForeignKey(
        Organization,
        verbose_name=_("牵头单位"),
        on_delete=models.PROTECT,
        related_name="led_applications",
    )
    # Lead unit, article 7(3): figures of the last full year, in 万元.
    lead_sales_revenue = models.DecimalField(
        _("上年度销售收入（万元）"), null=True, blank=True, **MONEY
    )
    lead_rd_spend = models.DecimalField(_("上年度研发投入（万元）"), null=True, blank=True, **MONEY)
    lead_platforms = models.TextField(
        _("省级及以上技术创新平台"),
        blank=True,
        help_text=_("每行一个：平台名称、级别、认定部门和年份。"),
    )
    lead_projects = models.TextField(
        _("承担的市级以上重大科技项目"),
        blank=True,
        help_text=_("每行一个：项目名称、级别、编号、起止年份。"),
    )
    # The plan, articles 5(2)-(4) and 12-17.
    goals = models.TextField(_("建设目标"), blank=True)
    key_technologies = models.TextField(_("拟攻克的关键核心技术"), blank=True)
    roadmap = models.TextField(_("技术路线图"), blank=True)
    tasks = models.TextField(
        _("主要任务"),
        blank=True,
        help_text=_("协同攻关、成果转化、人才培养、标准制定、平台共享等任务及分工。"),
    )
    mechanism_decision = models.TextField(_("决策调度机制"), blank=True)
    mechanism_collaboration = models.TextField(_("协同攻关机制"), blank=True)
    mechanism_benefit = models.TextField(_("利益分配机制"), blank=True)
    mechanism_ip = models.TextField(_("知识产权管理机制"), blank=True)
    mechanism_standards = models.TextField(_("标准创制机制"), blank=True)
    mechanism_promotion = models.TextField(_("推广应用机制"), blank=True)
    mechanism_iteration = models.TextField(_("技术迭代机制"), blank=True)
    mechanism_funding = models.TextField(_("资金投入机制"), blank=True)
    resources = models.TextField(_("资源保障"), blank=True)
    fund_supervision = models.TextField(_("资金监管"), blank=True)
    council = models.TextField(
        _("理事会组成"),
        blank=True,
        help_text=_("理事长、理事及其单位、职务；议事规则。"),
    )
    research_team = models.TextField(_("研发团队"), blank=True)
    # At least a year: PositiveSmallIntegerField alone lets 0 through, with the
    # framework's "确保该值大于或等于0。" for a negative number.
    duration_years = models.PositiveSmallIntegerField(
        _("计划建设期（年）"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1, _("计划建设期限至少为1年。")),
            MaxValueValidator(10, _("计划建设期限最长为10年。")),
        ],
    )

    state = FSMField(_("状态"), default=State.DRAFT, choices=State.choices, protected=True)
    policy_version = models.ForeignKey(
        PolicyVersion,
        verbose_name=_("适用办法参数"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The layout guide the application was filed under, if any (set from an intent or
    # chosen on the form); only such a guide's own deadline binds it (art. 11: rolling).
    guide = models.ForeignKey(
        "applications.Guide",
        verbose_name=_("依据指南"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    # Where a returned or rejected application was when that happened (kept for the
    # applicant and the statistics).
    returned_stage = models.CharField(
        _("退回环节"), max_length=30, choices=State.choices, blank=True
    )
    rejected_stage = models.CharField(
        _("未通过环节"), max_length=30, choices=State.choices, blank=True
    )
    # When the application entered its current state: the clock of the time limits.
    state_since = models.DateTimeField(_("进入当前状态时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("组建申请")
        verbose_name_plural = _("组建申请")
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["state", "-updated_at"]),
            models.Index(fields=["state", "state_since"]),
            # The work list and its tiles (applications.selectors.work_list_for) read only
            # these columns: an index-only scan of this instead of the wide table, whose
            # rows carry the plan's long texts (DESIGN.md §11).
            models.Index(
                fields=["-updated_at", "-id"],
                include=["state", "submitted_at", "lead", "state_since", "policy_version"],
                name="application_work_list",
            ),
            # The statistics (reporting.stats.application_counts) count the submitted
            # applications by year, state, lead and industry field: an index-only scan of
            # this, not of the wide table (DESIGN.md §11). SQLite ignores the included
            # columns (the demo: a plain partial index).
            models.Index(
                fields=["submitted_at"],
                include=["state", "lead", "industry_field"],
                condition=models.Q(submitted_at__isnull=False),
                name="application_statistics",
            ),
        ]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        core = self.name_core or "××"
        return f"辽阳市{core}创新联合体"

    @property
    def rd_ratio(self) -> Decimal | None:
        """R&D spend as a percentage of sales revenue, two decimals."""
        if not self.lead_sales_revenue or self.lead_rd_spend is None:
            return None
        return (self.lead_rd_spend * 100 / self.lead_sales_revenue).quantize(Decimal("0.01"))

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    # Transitions (DESIGN.md §4) change fields only. They are called by
    # applications.workflow, which locks the row, checks the policy and the guard, saves,
    # and writes the log (django-fsm-log: `by`, `description`) and the notifications.
    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=[State.DRAFT, State.RETURNED], target=State.COUNTY_REVIEW)
    def submit(self, *, policy_version, at, by=None, description=None):
        self.policy_version = policy_version
        self.submitted_at = at
        self.returned_stage = ""

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=[State.DRAFT, State.RETURNED, State.COUNTY_REVIEW],
        target=State.WITHDRAWN,
    )
    def withdraw(self, *, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.COUNTY_REVIEW, target=State.RETURNED)
    def county_return(self, *, by=None, description=None):
        self.returned_stage = State.COUNTY_REVIEW

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.COUNTY_REVIEW, target=State.REJECTED)
    def county_decline(self, *, by=None, description=None):
        self.rejected_stage = State.COUNTY_REVIEW

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.COUNTY_REVIEW, target=State.CITY_INTAKE)
    def county_recommend(self, *, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.CITY_INTAKE, target=State.RETURNED)
    def city_return(self, *, by=None, description=None):
        self.returned_stage = State.CITY_INTAKE

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.CITY_INTAKE, target=State.EXPERT_REVIEW)
    def start_expert_review(self, *, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.EXPERT_REVIEW, target=State.REVIEW_PASSED)
    def pass_review(self, *, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.EXPERT_REVIEW, target=State.REJECTED)
    def fail_review(self, *, by=None, description=None):
        self.rejected_stage = State.EXPERT_REVIEW

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.REVIEW_PASSED, target=State.PUBLIC_NOTICE)
    def publish_notice(self, *, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.PUBLIC_NOTICE, target=State.OBJECTION_REVIEW)
    def open_objection(self, *, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=State.OBJECTION_REVIEW,
        target=RETURN_VALUE(State.PUBLIC_NOTICE, State.PARTY_GROUP_REVIEW, State.REJECTED),
    )
    def resolve_objection(self, *, outcome, by=None, description=None):
        """outcome: back to the notice (still running), on to the meeting (notice over),
        or rejected (an objection upheld)."""
        if outcome == State.REJECTED:
            self.rejected_stage = State.OBJECTION_REVIEW
        return outcome

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.PUBLIC_NOTICE, target=State.PARTY_GROUP_REVIEW)
    def close_notice(self, *, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.PARTY_GROUP_REVIEW, target=State.APPROVED)
    def approve(self, *, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.PARTY_GROUP_REVIEW, target=State.REJECTED)
    def decline(self, *, by=None, description=None):
        self.rejected_stage = State.PARTY_GROUP_REVIEW


# django-guardian's direct foreign-key permission tables for applications. With guardian's
# generic table, "the applications this user owns" compares every application's id cast
# to text with object_pk, which PostgreSQL can only answer by scanning all applications
# (DESIGN.md §11: the work list at 10,000 applications). With a real foreign key it is an
# indexed join; guardian finds these models by themselves (assign_perm, has_perm,
# get_objects_for_user).
class ApplicationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Application, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("申请对象权限（用户）")
        verbose_name_plural = verbose_name


class ApplicationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Application, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("申请对象权限（单位组）")
        verbose_name_plural = verbose_name


class Membership(models.Model):
    """A unit in the consortium: the lead or a member, with its share and its signature."""

    class Role(models.TextChoices):
        LEAD = "lead", _("牵头单位")
        MEMBER = "member", _("成员单位")

    application = models.ForeignKey(
        Application, verbose_name=_("申请"), on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    task_share = models.TextField(_("承担任务"), blank=True)
    contribution_funds = models.DecimalField(_("投入资金（万元）"), null=True, blank=True, **MONEY)
    contribution_technology = models.CharField(_("投入技术"), max_length=200, blank=True)
    contribution_people = models.PositiveIntegerField(_("投入人员（人）"), null=True, blank=True)
    contribution_equipment = models.CharField(_("投入设备"), max_length=200, blank=True)
    contribution_space = models.CharField(_("投入场地"), max_length=200, blank=True)
    signatory = models.CharField(_("签字人"), max_length=50, blank=True)
    signed_on = models.DateField(_("签署日期"), null=True, blank=True)
    sealed = models.BooleanField(_("已盖章"), default=False)
    # The unit's own confirmation of its participation and task share (issue: several users
    # per unit). agreement_signed counts only confirmed units.
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.CharField(_("确认人"), max_length=100, blank=True)
    confirm_token = models.UUIDField(
        _("确认链接令牌"), default=uuid.uuid4, unique=True, editable=False
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("成员单位")
        verbose_name_plural = _("成员单位")
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "organization"], name="membership_unit_once"
            ),
            models.UniqueConstraint(
                fields=["application"], condition=models.Q(role="lead"), name="membership_one_lead"
            ),
        ]

    def __str__(self):
        return f"{self.organization} ({self.get_role_display()})"

    @property
    def is_signed(self) -> bool:
        return bool(self.signatory and self.signed_on and self.sealed)


# The clauses article 9 requires in the formation agreement: (code, label).
AGREEMENT_CLAUSES = [
    ("duration", _("组建期限")),
    ("goals", _("目标任务")),
    ("task_division", _("任务分工")),
    ("rights_obligations", _("权利义务")),
    ("ip_ownership", _("知识产权归属")),
    ("licensing", _("知识产权许可使用")),
    ("revenue_sharing", _("收益分配")),
    ("breach_liability", _("违约责任")),
]


class Agreement(models.Model):
    """The formation agreement (组建协议), article 9."""

    application = models.OneToOneField(
        Application, verbose_name=_("申请"), on_delete=models.CASCADE, related_name="agreement"
    )
    duration_years = models.PositiveSmallIntegerField(_("协议期限（年）"), null=True, blank=True)
    # {clause code: clause reference in the agreement, e.g. "第三条"}; a missing or blank
    # reference means the clause is not in the agreement.
    clauses = models.JSONField(_("条款"), default=dict, blank=True)
    signed_on = models.DateField(_("签署日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("组建协议")
        verbose_name_plural = _("组建协议")

    def __str__(self):
        return str(_("组建协议"))

    def clause_reference(self, code: str) -> str:
        return (self.clauses or {}).get(code, "").strip()


class ChiefExpert(models.Model):
    application = models.ForeignKey(
        Application,
        verbose_name=_("申请"),
        on_delete=models.CASCADE,
        related_name="chief_experts",
    )
    name = models.CharField(_("姓名"), max_length=50)
    title = models.CharField(_("职称/职务"), max_length=100, blank=True)
    employer = models.CharField(_("工作单位"), max_length=200, blank=True)
    field = models.CharField(_("研究领域"), max_length=200, blank=True)
    achievements = models.TextField(_("主要成就"), blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)

    class Meta:
        verbose_name = _("首席专家")
        verbose_name_plural = _("首席专家")
        ordering = ["id"]

    def __str__(self):
        return self.name


def attachment_path(instance, filename):
    # A random name: the original never reaches the file system (it is kept in a field).
    return f"attachments/{uuid.uuid4().hex}"


class Attachment(StoredUpload):
    class Kind(models.TextChoices):
        BUSINESS_LICENCE = "business_licence", _("营业执照")
        PLATFORM_CERTIFICATE = "platform_certificate", _("平台认定证书")
        FINANCIALS = "financials", _("财务报表或审计报告")
        AGREEMENT_SCAN = "agreement_scan", _("组建协议签章扫描件")
        OTHER = "other", _("其他")

    application = models.ForeignKey(
        Application, verbose_name=_("申请"), on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.CharField(_("附件类型"), max_length=30, choices=Kind.choices)
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=200)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["kind", "uploaded_at"]


class Justification(models.Model):
    """The applicant's written reason for departing from a 原则上 rule; every reviewer sees
    it beside the finding."""

    application = models.ForeignKey(
        Application,
        verbose_name=_("申请"),
        on_delete=models.CASCADE,
        related_name="justifications",
    )
    code = models.CharField(_("规则"), max_length=40)
    text = models.TextField(_("说明"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填写人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("填写时间"), auto_now=True)

    class Meta:
        verbose_name = _("例外情况说明")
        verbose_name_plural = _("例外情况说明")
        constraints = [
            models.UniqueConstraint(fields=["application", "code"], name="justification_once")
        ]

    def __str__(self):
        return self.code


class Submission(models.Model):
    """A submission frozen as it was sent: reviewers compare the next one against it."""

    application = models.ForeignKey(
        Application, verbose_name=_("申请"), on_delete=models.CASCADE, related_name="submissions"
    )
    sequence = models.PositiveSmallIntegerField(_("第几次提交"))
    submitted_at = models.DateTimeField(_("提交时间"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    content = models.JSONField(_("内容"))

    class Meta:
        verbose_name = _("提交快照")
        verbose_name_plural = _("提交快照")
        ordering = ["application", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["application", "sequence"], name="submission_once")
        ]

    def __str__(self):
        return f"{self.application} #{self.sequence}"


class Consortium(ConcurrentTransitionMixin, models.Model):
    """A named consortium (辽阳市××创新联合体), created by `approve`."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("存续")
        DISQUALIFIED = "disqualified", _("已取消资格")
        DISSOLVED = "dissolved", _("已解散")

    application = models.OneToOneField(
        Application, verbose_name=_("申请"), on_delete=models.PROTECT, related_name="consortium"
    )
    name = models.CharField(_("名称"), max_length=100, unique=True)
    number = models.CharField(_("编号"), max_length=30, unique=True)
    decision_number = models.CharField(_("认定文号"), max_length=50)
    named_on = models.DateField(_("认定日期"))
    lead = models.ForeignKey(
        Organization,
        verbose_name=_("牵头单位"),
        on_delete=models.PROTECT,
        related_name="led_consortia",
    )
    industry_field = models.ForeignKey(
        IndustryField,
        verbose_name=_("产业领域"),
        on_delete=models.PROTECT,
        related_name="consortia",
    )
    status = FSMField(_("状态"), default=Status.ACTIVE, choices=Status.choices, protected=True)
    # Why and by which decision the consortium stopped being active (article 24 or a
    # dissolution); empty while it is active.
    status_reason = models.TextField(_("状态变更事由"), blank=True)
    status_decision_number = models.CharField(_("状态变更决定文号"), max_length=100, blank=True)
    status_changed_on = models.DateField(_("状态变更日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("创新联合体")
        verbose_name_plural = _("创新联合体")
        ordering = ["number"]

    def __str__(self):
        return self.name

    # Transitions change fields only; applications.consortia locks the row, checks who acts
    # and the rules (a running project, the lead ban), saves, and notifies.
    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.ACTIVE, target=Status.DISQUALIFIED)
    def disqualify(self, *, reason, decision_number, decided_on, by=None, description=None):
        self.status_reason = reason
        self.status_decision_number = decision_number
        self.status_changed_on = decided_on

    @fsm_log_by
    @fsm_log_description
    @transition(field=status, source=Status.ACTIVE, target=Status.DISSOLVED)
    def dissolve(self, *, reason, decision_number, decided_on, by=None, description=None):
        self.status_reason = reason
        self.status_decision_number = decision_number
        self.status_changed_on = decided_on


class DeadlineReminder(models.Model):
    """Written with the reminder (督办) that an application is over its time limit: one per
    stay in a state, so the daily job reminds once however often it runs."""

    application = models.ForeignKey(
        Application, verbose_name=_("申请"), on_delete=models.CASCADE, related_name="+"
    )
    state = models.CharField(_("状态"), max_length=30, choices=State.choices)
    state_since = models.DateTimeField(_("进入状态时间"))
    sent_at = models.DateTimeField(_("督办时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("超时督办记录")
        verbose_name_plural = _("超时督办记录")
        constraints = [
            models.UniqueConstraint(
                fields=["application", "state", "state_since"], name="deadline_reminder_once"
            )
        ]

    def __str__(self):
        return f"{self.application_id} {self.state}"


# --- After naming: projects, member changes, lead changes, the roster (articles 23-24) ---


class ConsortiumProject(models.Model):
    """An S&T project the consortium undertakes. Entered by the lead unit, confirmed by city
    staff; only a confirmed project counts for the rules (no dissolution, and no lead change
    without approval, while a city-level or higher project runs)."""

    class Level(models.TextChoices):
        CITY = "city", _("市级")
        PROVINCE = "province", _("省级")
        NATIONAL = "national", _("国家级")

    consortium = models.ForeignKey(
        Consortium, verbose_name=_("创新联合体"), on_delete=models.CASCADE, related_name="projects"
    )
    name = models.CharField(_("项目名称"), max_length=200)
    level = models.CharField(_("项目级别"), max_length=20, choices=Level.choices)
    number = models.CharField(_("项目编号"), max_length=100)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_at = models.DateTimeField(_("填报时间"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("承担科技项目")
        verbose_name_plural = _("承担科技项目")
        ordering = ["-start_date", "id"]

    def __str__(self):
        return self.name

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


def member_change_agreement_path(instance, filename):
    # A random name: the original never reaches the file system (it is kept in a field).
    return f"member_changes/{uuid.uuid4().hex}"


class MemberChange(models.Model):
    """A member addition or removal (article 23): a supplementary agreement every current
    member consents to, filed with the bureau. The roster changes only when city staff
    acknowledge the filing (备案)."""

    class Kind(models.TextChoices):
        ADD = "add", _("新增成员单位")
        REMOVE = "remove", _("成员单位退出")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        FILED = "filed", _("已报备，待备案")
        ACKNOWLEDGED = "acknowledged", _("已备案")
        RETURNED = "returned", _("已退回")

    consortium = models.ForeignKey(
        Consortium,
        verbose_name=_("创新联合体"),
        on_delete=models.CASCADE,
        related_name="member_changes",
    )
    kind = models.CharField(_("变更类型"), max_length=10, choices=Kind.choices)
    organization = models.ForeignKey(
        Organization, verbose_name=_("变更单位"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("变更理由"))
    agreement = models.FileField(
        _("补充协议扫描件"), upload_to=member_change_agreement_path, blank=True, max_length=200
    )
    agreement_name = models.CharField(_("补充协议原文件名"), max_length=255, blank=True)
    agreement_type = models.CharField(_("补充协议文件类型"), max_length=100, blank=True)
    agreement_sha256 = models.CharField(_("补充协议SHA-256"), max_length=64, blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    filed_at = models.DateTimeField(_("报备时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("备案人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("备案时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)

    class Meta:
        verbose_name = _("成员变更")
        verbose_name_plural = _("成员变更")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.consortium} · {self.get_kind_display()} · {self.organization}"

    @property
    def is_open(self) -> bool:
        """Still the lead unit's to complete (consents, the scan) and file."""
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class MemberChangeConsent(models.Model):
    """A current member's consent to the supplementary agreement, as the lead unit records
    it from the signed agreement: who signed for the unit and when."""

    change = models.ForeignKey(
        MemberChange, verbose_name=_("成员变更"), on_delete=models.CASCADE, related_name="consents"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    consented_by = models.CharField(_("签字人"), max_length=50)
    consented_on = models.DateField(_("同意日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now=True)

    class Meta:
        verbose_name = _("成员单位同意记录")
        verbose_name_plural = _("成员单位同意记录")
        ordering = ["change", "id"]
        constraints = [
            models.UniqueConstraint(fields=["change", "organization"], name="consent_once")
        ]

    def __str__(self):
        return f"{self.organization} · {self.consented_by}"


class LeadChange(models.Model):
    """A change of lead unit (article 23), filed by the lead with its reason. While a
    city-level or higher project runs it needs city staff's approval; otherwise it is filed
    for the record and city staff acknowledge it."""

    class Status(models.TextChoices):
        FILED = "filed", _("已报送")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("不予批准")
        ACKNOWLEDGED = "acknowledged", _("已备案")

    consortium = models.ForeignKey(
        Consortium,
        verbose_name=_("创新联合体"),
        on_delete=models.CASCADE,
        related_name="lead_changes",
    )
    old_lead = models.ForeignKey(
        Organization, verbose_name=_("原牵头单位"), on_delete=models.PROTECT, related_name="+"
    )
    new_lead = models.ForeignKey(
        Organization, verbose_name=_("新牵头单位"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("变更理由"))
    # Decided when filed: a confirmed city-level or higher project was running then.
    needs_approval = models.BooleanField(_("须审批"), default=False)
    running_project = models.ForeignKey(
        ConsortiumProject,
        verbose_name=_("在研项目"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.FILED
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("报送人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    filed_at = models.DateTimeField(_("报送时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    decision_note = models.TextField(_("办理意见"), blank=True)

    class Meta:
        verbose_name = _("牵头单位变更")
        verbose_name_plural = _("牵头单位变更")
        ordering = ["-filed_at", "-id"]
        constraints = [
            # One pending lead change at a time.
            models.UniqueConstraint(
                fields=["consortium"],
                condition=models.Q(status="filed"),
                name="lead_change_one_pending",
            )
        ]

    def __str__(self):
        return f"{self.consortium} · {self.old_lead} → {self.new_lead}"


class ConsortiumMember(models.Model):
    """One unit's period in one role on a named consortium's roster. Nothing is deleted:
    a unit that leaves gets left_on; a lead change closes both units' rows and opens new ones
    in their new roles (via_lead_change), so the history reads as periods per role. The
    current roster is the rows with no left_on. Started from the application's memberships
    on first use (applications.consortia.roster)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("牵头单位")
        MEMBER = "member", _("成员单位")

    consortium = models.ForeignKey(
        Consortium, verbose_name=_("创新联合体"), on_delete=models.CASCADE, related_name="roster"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="consortium_rows",
    )
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices)
    joined_on = models.DateField(_("起始日期"))
    left_on = models.DateField(_("截止日期"), null=True, blank=True)
    via_change = models.ForeignKey(
        MemberChange,
        verbose_name=_("依据成员变更"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    via_lead_change = models.ForeignKey(
        LeadChange,
        verbose_name=_("依据牵头单位变更"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("联合体成员名册")
        verbose_name_plural = _("联合体成员名册")
        ordering = ["consortium", "left_on", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consortium", "organization"],
                condition=models.Q(left_on__isnull=True),
                name="roster_unit_once",
            ),
            models.UniqueConstraint(
                fields=["consortium"],
                condition=models.Q(left_on__isnull=True, role="lead"),
                name="roster_one_lead",
            ),
        ]

    def __str__(self):
        return f"{self.organization} ({self.get_role_display()})"

    @property
    def is_current(self) -> bool:
        return self.left_on is None


# The layout guide and intents (articles 4, 11(1)) live in their own module.
from applications.guides.models import Guide, Intent  # noqa: E402, F401

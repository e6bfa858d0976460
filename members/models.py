import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from members.fields import UsccField
from members.roles import Role


class County(models.Model):
    """A recommending unit: one of Liaoyang's seven county-level divisions (with its
    GB/T 2260 code), or a unit without a code that admins add, such as a development zone."""

    code = models.CharField(
        _("行政区划代码"),
        max_length=6,
        unique=True,
        null=True,
        blank=True,
        help_text=_("GB/T 2260 代码；开发区等推荐单位可不填。"),
    )
    name = models.CharField(_("名称"), max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("县（市、区）及推荐单位")
        verbose_name_plural = _("县（市、区）及推荐单位")
        ordering = ["sort_order", "code", "name"]

    def __str__(self):
        return self.name


class IndustryField(models.Model):
    """The industry fields in the Measures' scope (article 5(1)): the city's industrial
    clusters plus the named fields. Admins keep the list."""

    name = models.CharField(_("领域名称"), max_length=50, unique=True)
    is_cluster = models.BooleanField(
        _("市重点产业集群"),
        default=False,
        help_text=_("勾选表示辽阳市重点产业集群；不勾选表示办法列明的新兴领域。"),
    )
    in_scope = models.BooleanField(
        _("属于办法支持范围"),
        default=True,
        help_text=_("不在支持范围的领域，申报时会被提示不符合第五条。"),
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("产业领域")
        verbose_name_plural = _("产业领域")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class Organization(models.Model):
    """A legal-person unit (法人单位), identified by its unified social credit code."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("企业")
        UNIVERSITY = "university", _("高等院校")
        INSTITUTE = "institute", _("科研院所")
        SERVICE = "service", _("科技服务机构")
        OTHER = "other", _("其他")

    name = models.CharField(_("单位名称"), max_length=200)
    uscc = UsccField(_("统一社会信用代码"), unique=True)
    kind = models.CharField(_("单位类型"), max_length=20, choices=Kind.choices)
    county = models.ForeignKey(
        County,
        verbose_name=_("所在县（市、区）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organizations",
        help_text=_("辽阳市外的单位留空。"),
    )
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    address = models.CharField(_("注册地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    # Set when the unit's registration (UnitRegistration) is verified by its county (or the
    # city). Only a verified unit may submit an application as its lead; its name and code
    # are then changed only through a new verification. Units entered as members of
    # someone else's application are not verified until they register themselves.
    verified_at = models.DateTimeField(_("核验时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("法人单位")
        verbose_name_plural = _("法人单位")
        ordering = ["name"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self):
        return self.name

    @property
    def in_liaoyang(self) -> bool:
        return self.county_id is not None

    @property
    def location_display(self) -> str:
        return self.county.name if self.county_id else str(_("辽阳市外"))

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class UsccWhitelist(models.Model):
    """Codes an admin accepts although their check character is wrong (early pilot codes)."""

    code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    reason = models.CharField(_("放行理由"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("校验位例外代码")
        verbose_name_plural = _("校验位例外代码")

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        from members.validators import normalize_uscc

        self.code = normalize_uscc(self.code)
        super().save(*args, **kwargs)


class UserProfile(models.Model):
    """Links a user to the unit they act for (applicants, experts) or the county they
    review for (county reviewers)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="profile",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    county = models.ForeignKey(
        County,
        verbose_name=_("负责县（市、区）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewers",
        help_text=_("县区审核人员必填：只能看到牵头单位在本县区的申报。"),
    )
    is_unit_admin = models.BooleanField(
        _("单位管理员"),
        default=False,
        help_text=_("可以邀请和移除本单位的其他用户。"),
    )
    phone = models.CharField(_("手机号"), max_length=30, blank=True)
    # An admin set this user's password (a new staff account, a reset in the admin): the
    # next sign-in must choose a new one, so the admin never knows a password in use.
    must_change_password = models.BooleanField(
        _("下次登录须修改密码"),
        default=False,
        help_text=_("由管理员设置密码的账号，首次登录时必须修改密码。"),
    )

    class Meta:
        verbose_name = _("用户资料")
        verbose_name_plural = _("用户资料")

    def __str__(self):
        return str(self.user)

    def clean(self):
        if not self.user_id:
            return
        groups = set(self.user.groups.values_list("name", flat=True))
        if Role.COUNTY_REVIEWER.value in groups and not self.county_id:
            raise ValidationError({"county": _("县区审核人员必须指定负责的县（市、区）。")})
        if Role.APPLICANT.value in groups and not self.organization_id:
            raise ValidationError({"organization": _("申报单位用户必须指定所属单位。")})


class PolicyVersion(models.Model):
    """The Measures' thresholds for a period (DESIGN.md §2: the bureau revises them). An
    application is judged by the version in force when it was submitted."""

    name = models.CharField(_("版本名称"), max_length=100)
    effective_from = models.DateField(_("生效日期"))
    effective_to = models.DateField(_("失效日期"), null=True, blank=True)
    # The document the thresholds come from (article 27: the Measures state their own term).
    source_title = models.CharField(_("依据文件名称"), max_length=200, blank=True)
    source_number = models.CharField(_("依据文件文号"), max_length=100, blank=True)
    source_issued_on = models.DateField(_("依据文件印发日期"), null=True, blank=True)
    stated_end = models.DateField(
        _("文件规定的有效期至"),
        null=True,
        blank=True,
        help_text=_(
            "文件自身规定的有效期截止日。到期前90天起及到期后尚无新版本时，"
            "系统提示管理员和市局工作人员；到期后系统继续按本版本运行（可由主管部门发文延期）。"
        ),
    )
    min_units = models.PositiveSmallIntegerField(_("最少单位数（原则上）"), default=8)
    min_rd_ratio = models.DecimalField(
        _("牵头单位研发投入占销售收入最低比例（%）"), max_digits=5, decimal_places=2, default=3
    )
    lead_ban_years = models.PositiveSmallIntegerField(_("取消资格后禁止牵头年限"), default=3)
    min_experts = models.PositiveSmallIntegerField(_("评审专家最少人数"), default=3)
    # The expert library (DESIGN.md §16; Qingdao's rules: at most 10 reviews a year).
    expert_yearly_cap = models.PositiveSmallIntegerField(_("每名专家每年评审次数上限"), default=10)
    expert_invitation_days = models.PositiveSmallIntegerField(
        _("评审邀请答复期限（工作日）"), default=3
    )
    notice_working_days = models.PositiveSmallIntegerField(_("公示期（工作日）"), default=5)
    notice_number_prefix = models.CharField(_("公示文号前缀"), max_length=30, default="辽市科公示")
    decision_number_prefix = models.CharField(_("认定文号前缀"), max_length=30, default="辽市科发")
    # 办理时限, in working days, for each state someone must act in.
    limit_county_review = models.PositiveSmallIntegerField(_("县区审核时限（工作日）"), default=10)
    limit_city_intake = models.PositiveSmallIntegerField(_("市局形式审查时限（工作日）"), default=5)
    limit_expert_review = models.PositiveSmallIntegerField(_("专家评审时限（工作日）"), default=15)
    limit_review_passed = models.PositiveSmallIntegerField(
        _("评审后发布公示时限（工作日）"), default=5
    )
    limit_objection_review = models.PositiveSmallIntegerField(
        _("异议核查时限（工作日）"), default=10
    )
    limit_party_group_review = models.PositiveSmallIntegerField(
        _("提交党组会议审议时限（工作日）"), default=20
    )

    class Meta:
        verbose_name = _("办法参数版本")
        verbose_name_plural = _("办法参数版本")
        ordering = ["-effective_from"]

    def __str__(self):
        return self.name

    @classmethod
    def in_force(cls, on):
        """The version in force on a date; a default (unsaved) one if admins set none."""
        version = (
            cls.objects.filter(effective_from__lte=on)
            .filter(models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=on))
            .order_by("-effective_from")
            .first()
        )
        return version or cls(name=str(_("默认参数")), effective_from=on)

    def time_limit(self, state: str) -> int | None:
        """The working days allowed in a waiting state, or None where nobody must act."""
        return getattr(self, f"limit_{state}", None)


class IntegrityRecord(models.Model):
    """The integrity blacklist (诚信黑名单) and the 3-year ban on leading a consortium after
    disqualification (article 24). A record is in force from start_date to end_date
    inclusive; a blacklist entry without an end date stays until revoked."""

    class Kind(models.TextChoices):
        BLACKLIST = "blacklist", _("诚信黑名单")
        LEAD_BAN = "lead_ban", _("取消牵头资格")
        # On an expert's person (DESIGN.md §16): sets them 出库 and the draw never picks them.
        EXPERT = "expert", _("专家失信记录")

    UNIT_KINDS = (Kind.BLACKLIST, Kind.LEAD_BAN)

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="integrity_records",
    )
    expert = models.ForeignKey(
        "reviews.ExpertProfile",
        verbose_name=_("专家"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="integrity_records",
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    start_date = models.DateField(_("起始日期"))
    end_date = models.DateField(_("截止日期"), null=True, blank=True)
    reason = models.TextField(_("事由"))
    decision_number = models.CharField(_("决定文号"), max_length=100, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    # Ended early by city staff (members.integrity.services.end_record): end_date is then
    # the last day in force; why, who and when are kept beside it (and in the audit trail).
    ended_reason = models.TextField(_("终止原因"), blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("终止人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    ended_at = models.DateTimeField(_("终止时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("诚信记录")
        verbose_name_plural = _("诚信记录")
        ordering = ["-start_date"]
        indexes = [models.Index(fields=["organization", "kind"])]
        constraints = [
            # A unit's record names the unit; an expert's names the expert, never both.
            models.CheckConstraint(
                condition=models.Q(kind="expert", expert__isnull=False, organization__isnull=True)
                | (
                    ~models.Q(kind="expert")
                    & models.Q(expert__isnull=True, organization__isnull=False)
                ),
                name="integrity_record_one_subject",
            ),
        ]

    def __str__(self):
        return f"{self.organization or self.expert} · {self.get_kind_display()}"

    @property
    def subject_name(self) -> str:
        return self.organization.name if self.organization_id else self.expert.name

    def clean(self):
        if self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("截止日期不能早于起始日期。")})
        if self.kind == self.Kind.LEAD_BAN and not self.end_date:
            raise ValidationError({"end_date": _("取消牵头资格须有截止日期（一般为三年）。")})

    @classmethod
    def in_force_q(cls, on):
        return models.Q(revoked_at__isnull=True, start_date__lte=on) & (
            models.Q(end_date__isnull=True) | models.Q(end_date__gte=on)
        )


INVITATION_VALID_DAYS = 7


def _invitation_expiry():
    return timezone.now() + timedelta(days=INVITATION_VALID_DAYS)


class UnitInvitation(models.Model):
    """A unit administrator's invitation to a colleague (several users per unit): a link
    that registers one user in the unit, valid seven days, used once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待接受")
        ACCEPTED = "accepted", _("已接受")
        EXPIRED = "expired", _("已过期")
        REVOKED = "revoked", _("已撤销")

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="invitations",
    )
    email = models.EmailField(_("受邀人邮箱"), blank=True)
    token = models.UUIDField(_("邀请令牌"), default=uuid.uuid4, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("邀请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"), default=_invitation_expiry)
    accepted_at = models.DateTimeField(_("接受时间"), null=True, blank=True)
    accepted_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("注册用户"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("单位用户邀请")
        verbose_name_plural = _("单位用户邀请")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "accepted_at", "revoked_at"])]

    def __str__(self):
        return f"{self.organization} · {self.email or self.token}"

    def status_on(self, now=None) -> "UnitInvitation.Status":
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= (now or timezone.now()):
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def status(self) -> "UnitInvitation.Status":
        return self.status_on()


EMAIL_CONFIRMATION_HOURS = 24


def _email_token_expiry():
    return timezone.now() + timedelta(hours=EMAIL_CONFIRMATION_HOURS)


def registration_licence_path(instance, filename):
    # A random name: the original never reaches the file system (it is kept in a field).
    return f"registrations/{uuid.uuid4().hex}"


class UnitRegistration(ConcurrentTransitionMixin, models.Model):
    """A unit's registration (单位注册, DESIGN.md §13), or a later change of its verified
    name or code: what the registrant declared, the business-licence scan, and the county's
    (or the city's) verification. The proposed values are applied to the Organization when
    it is verified. Transitions change fields only; members.accounts.services runs them."""

    class State(models.TextChoices):
        EMAIL_PENDING = "email_pending", _("待确认邮箱")
        PENDING = "pending", _("待核验")
        RETURNED = "returned", _("已退回修改")
        VERIFIED = "verified", _("已核验")
        # The e-mail was never confirmed and its link ran out; someone registered the code
        # again (an unconfirmed registration must not hold a unit's code for ever).
        EXPIRED = "expired", _("已失效")

    class Kind(models.TextChoices):
        NEW = "new", _("单位注册")
        CHANGE = "change", _("名称或代码变更")

    OPEN_STATES = (State.EMAIL_PENDING, State.PENDING, State.RETURNED)

    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.NEW)
    state = FSMField(_("状态"), default=State.EMAIL_PENDING, choices=State.choices, protected=True)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    registrant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("注册人"),
        on_delete=models.PROTECT,
        related_name="unit_registrations",
    )
    # What the registrant declared (applied to the Organization once verified).
    name = models.CharField(_("单位名称"), max_length=200)
    uscc = UsccField(_("统一社会信用代码"))
    org_kind = models.CharField(_("单位类型"), max_length=20, choices=Organization.Kind.choices)
    county = models.ForeignKey(
        County,
        verbose_name=_("所在县（市、区）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("辽阳市外的单位留空。"),
    )
    address = models.CharField(_("注册地址"), max_length=200)
    legal_representative = models.CharField(_("法定代表人"), max_length=50)
    registrant_name = models.CharField(_("注册人姓名"), max_length=50)
    mobile = models.CharField(_("手机号"), max_length=11)
    email = models.EmailField(_("电子邮箱"), max_length=150)
    licence = models.FileField(
        _("营业执照扫描件"), upload_to=registration_licence_path, max_length=200
    )
    licence_name = models.CharField(_("原文件名"), max_length=255)
    licence_content_type = models.CharField(_("文件类型"), max_length=100)
    licence_size = models.PositiveBigIntegerField(_("大小（字节）"))
    licence_sha256 = models.CharField(_("SHA-256"), max_length=64)
    declared_at = models.DateTimeField(_("承诺时间"))
    # The e-mail confirmation link: one random token at a time, valid 24 hours, cleared
    # once used (so it works once).
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
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("单位注册")
        verbose_name_plural = _("单位注册")
        ordering = ["-created_at"]
        constraints = [
            # One open registration per code: two people registering the same code at once
            # make exactly one.
            models.UniqueConstraint(
                fields=["uscc"],
                condition=models.Q(state__in=["email_pending", "pending", "returned"]),
                name="unitregistration_one_open_per_code",
            ),
        ]
        indexes = [models.Index(fields=["state", "county"])]

    def __str__(self):
        return f"{self.name}（{self.get_state_display()}）"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def handled_by_city(self) -> bool:
        """Units outside Liaoyang and in a recommending unit without a county code (高新区)
        are verified by city staff; the others by their county."""
        return self.county_id is None or not self.county.code

    @transition(field=state, source=State.EMAIL_PENDING, target=State.PENDING)
    def confirm_email(self, *, at):
        self.email_confirmed_at = at
        self.email_token = None
        self.email_token_expires_at = None
        self.submitted_at = at

    @transition(field=state, source=State.EMAIL_PENDING, target=State.EXPIRED)
    def expire(self):
        self.email_token = None
        self.email_token_expires_at = None

    @transition(field=state, source=State.PENDING, target=State.VERIFIED)
    def verify(self, *, by, at):
        self.decided_by = by
        self.decided_at = at
        self.return_reason = ""

    @transition(field=state, source=State.PENDING, target=State.RETURNED)
    def send_back(self, *, by, at, reason):
        self.decided_by = by
        self.decided_at = at
        self.return_reason = reason

    @transition(field=state, source=State.RETURNED, target=State.PENDING)
    def resubmit(self, *, at):
        self.submitted_at = at


# The research-integrity pledge lives with the other integrity code.
from members.integrity.models import IntegrityPledge  # noqa: E402, F401

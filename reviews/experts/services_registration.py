"""Writes of an expert's self-registration and of the expert's own profile (DESIGN.md §16):
registration, e-mail confirmation, city staff's check (verify or return), the resubmission
of a returned one and the yearly update.

members.accounts' mechanism, reused: the same e-mail confirmation (24 hours, once), the
same answer whether or not an address has an account, the same upload check, the audit and
the outbox. Each write saves, audits and queues its mail in one transaction."""

import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.uploads import DOCX, PDF, inspect_upload
from liaoyang_consortia import audit, notifications
from liaoyang_consortia.models import AuditEvent
from members.accounts.selectors import token_q
from members.accounts.services import email_link_refusal, new_email_token, tell_email_owner
from members.models import UserProfile
from members.roles import Role, has_role
from members.validators import normalize_mobile
from reviews.experts import rules
from reviews.models import ExpertAvoidance, ExpertProfile

logger = logging.getLogger(__name__)

CV_TYPES = (PDF, DOCX)
MAX_AVOIDANCES = 5
Status = ExpertProfile.Status


@dataclass(frozen=True)
class ProfileDetails:
    """What an expert declares of themself: on registration and on every update."""

    phone: str
    email: str
    employer: object  # Organization of the register
    fields: list = field(default_factory=list)  # IndustryField
    keywords: str = ""
    title: str = ""
    title_level: str = ""
    avoidances: list = field(default_factory=list)  # (Organization, reason) pairs


class _EmailTaken(Exception):
    """Raised inside the registration transaction to undo it silently."""


def _stale() -> ValidationError:
    return ValidationError(
        _("该专家注册的状态已经变化（可能已有他人处理），请刷新页面后查看。"), code="stale"
    )


def is_city_staff(user) -> bool:
    return bool(user and user.is_authenticated and has_role(user, Role.CITY_STAFF))


def _cv_fields(cv) -> dict:
    try:
        info = inspect_upload(cv)
    except ValidationError as exc:
        raise ValidationError({"cv": exc.messages}) from exc
    if info.content_type not in CV_TYPES:
        raise ValidationError({"cv": _("个人简历只接受 PDF 或 DOCX 文件（按文件内容判断）。")})
    return {
        "cv": cv,
        "cv_name": (getattr(cv, "name", "") or "cv")[:255],
        "cv_content_type": info.content_type,
        "cv_size": info.size,
        "cv_sha256": info.sha256,
    }


def _check_details(details: ProfileDetails) -> None:
    errors = {}
    if details.employer is None:
        errors["employer"] = _("请填写工作单位。")
    if len(details.avoidances) > MAX_AVOIDANCES:
        errors["avoidances"] = _("回避单位最多填写%(n)d家。") % {"n": MAX_AVOIDANCES}
    seen = set()
    for organization, reason in details.avoidances:
        if details.employer is not None and organization.pk == details.employer.pk:
            errors["avoidances"] = _("工作单位已自动回避，无需再列为回避单位。")
        elif organization.pk in seen:
            errors["avoidances"] = _("同一回避单位只能填写一次。")
        elif not (reason or "").strip():
            errors["avoidances"] = _("请为每个回避单位填写回避原因。")
        seen.add(organization.pk)
    if errors:
        raise ValidationError(errors)


def _apply_details(profile: ExpertProfile, details: ProfileDetails) -> None:
    """Write the declared details onto the profile (saved), its fields and avoidances."""
    profile.phone = normalize_mobile(details.phone)
    profile.email = (details.email or "").strip().lower()
    profile.employer = details.employer
    profile.keywords = (details.keywords or "").strip()
    profile.title = (details.title or "").strip()
    profile.title_level = details.title_level or ""
    profile.save()
    # clear + add rather than set(): set() loads the current rows as objects, one list per
    # profile when a test or the demo registers several in a row (the N+1 detector).
    profile.fields.clear()
    profile.fields.add(*details.fields)
    profile.avoidances.all().delete()
    ExpertAvoidance.objects.bulk_create(
        ExpertAvoidance(expert=profile, organization=o, reason=r.strip()[:200])
        for o, r in details.avoidances
    )


def _confirm_path(profile) -> str:
    return reverse("experts:register_confirm", kwargs={"token": profile.email_token})


def _send_confirmation(profile) -> None:
    expires = timezone.localtime(profile.email_token_expires_at)
    notifications.notify(
        recipients=[profile.user],
        event="expert_registration_email",
        subject=_("【辽阳市创新联合体管理平台】请确认您的电子邮箱"),
        body=_(
            "%(name)s，您好！\n\n您在辽阳市创新联合体管理平台注册了评审专家账号。"
            "请在%(expires)s前打开下面的链接确认邮箱（只能使用一次）。确认后，专家注册将提交"
            "市科技局核验。\n\n如果不是您本人注册，请忽略本邮件。"
        )
        % {"name": profile.name, "expires": f"{expires:%Y年%m月%d日 %H:%M}"},
        url=_confirm_path(profile),
        to_inactive=True,
    )


def _email_owner_told(existing, *, ip) -> None:
    tell_email_owner(
        existing,
        ip=ip,
        what=_("评审专家"),
        hint=_("已有账号需要加入专家库的，请联系市科技局。"),
        event="expert_registration_email_taken",
        outcome="expert_email_taken",
        path=reverse("experts:register"),
    )


def register_expert(
    *,
    name: str,
    email: str,
    password: str,
    details: ProfileDetails,
    cv,
    ip: str | None = None,
) -> ExpertProfile | None:
    """An inactive account in the expert group and its profile, waiting for the e-mail to be
    confirmed. Returns the profile, or None when the address has an account already (its
    owner is told by mail; the caller shows the same page either way)."""
    User = get_user_model()
    email = (email or "").strip().lower()
    name = (name or "").strip()
    user = User(username=email, email=email, first_name=name[:150], is_active=False)
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    _check_details(details)
    if cv is None:
        raise ValidationError({"cv": _("请上传个人简历（PDF 或 DOCX）。")})
    cv_fields = _cv_fields(cv)
    existing = (
        User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email))
        .order_by("-is_active", "pk")
        .first()
    )
    try:
        with transaction.atomic():
            if existing is not None:
                raise _EmailTaken(existing)
            user.set_password(password)
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError as exc:  # the same address registered a moment ago
                raise _EmailTaken(None) from exc
            user.groups.add(Group.objects.get(name=Role.EXPERT.value))
            # An expert's employer is not a unit the expert acts for: no organization here.
            UserProfile.objects.update_or_create(
                user=user, defaults={"phone": normalize_mobile(details.phone)}
            )
            profile = ExpertProfile(
                user=user,
                name=name,
                status=Status.EMAIL_PENDING,
                registered_via=ExpertProfile.Via.SELF,
                declared_at=timezone.now(),
                **cv_fields,
            )
            new_email_token(profile)
            _apply_details(profile, details)
            _send_confirmation(profile)
            audit.record(
                kind=AuditEvent.Kind.REGISTRATION,
                ip=ip,
                path=reverse("experts:register"),
                detail={"outcome": "expert_registered", "expert": profile.pk, "user": user.pk},
            )
    except _EmailTaken as taken:
        existing = taken.args[0]
        if existing is not None and not existing.is_active:
            # Registered before and never confirmed: registering again sends a new link.
            resend_confirmation(email=email, ip=ip)
        elif existing is not None:
            with transaction.atomic():
                _email_owner_told(existing, ip=ip)
        logger.info("expert registration with an address that has an account (not created)")
        return None
    logger.info("expert %s registered; e-mail confirmation sent", profile.pk)
    return profile


def awaiting_confirmation(token) -> ExpertProfile | None:
    """The registration a confirmation link stands for, while its e-mail is unconfirmed."""
    return (
        ExpertProfile.objects.filter(token_q(token), status=Status.EMAIL_PENDING)
        .only("pk", "name", "email_token_expires_at")
        .first()
    )


def _city_staff():
    User = get_user_model()
    return list(User.objects.filter(groups__name=Role.CITY_STAFF.value, is_active=True).distinct())


def _tell_city_staff(profile, *, resubmitted=False) -> None:
    notifications.notify(
        recipients=_city_staff(),
        event="expert_registration_submitted",
        subject=(
            _("专家注册已修改并重新提交：%(name)s")
            if resubmitted
            else _("新的专家注册待核验：%(name)s")
        )
        % {"name": profile.name},
        body=_("%(name)s（%(employer)s）提交了评审专家注册，请核对个人简历后核验通过或退回修改。")
        % {"name": profile.name, "employer": profile.employer or "—"},
        url=reverse("experts:registration_detail", kwargs={"pk": profile.pk}),
    )


def confirm_email(*, token) -> ExpertProfile:
    """The person opened the link: the account becomes active (to follow the check on their
    profile page) and the registration goes to city staff. Once: a used, unknown or expired
    link raises ValidationError (code invalid_link)."""
    with transaction.atomic():
        profile = (
            ExpertProfile.objects.select_for_update(of=("self",))
            .select_related("user", "employer")
            .filter(token_q(token), status=Status.EMAIL_PENDING)
            .first()
        )
        refusal = email_link_refusal(profile)
        if refusal:
            raise ValidationError(refusal, code="invalid_link")
        now = timezone.now()
        profile.status = Status.PENDING
        profile.email_confirmed_at = now
        profile.submitted_at = now
        profile.save(update_fields=["status", "email_confirmed_at", "submitted_at"])
        user = profile.user
        user.is_active = True
        user.save(update_fields=["is_active"])
        _tell_city_staff(profile)
        audit.record(
            kind=AuditEvent.Kind.REGISTRATION,
            actor=user,
            path=reverse("experts:register_confirm", kwargs={"token": token}),
            detail={"outcome": "expert_email_confirmed", "expert": profile.pk},
        )
    return profile


def resend_confirmation(*, email: str, ip: str | None = None) -> None:
    """A new link for a registration still waiting for its e-mail, sent to that address (the
    old link stops working). Says nothing about whether there was one."""
    email = (email or "").strip().lower()
    with transaction.atomic():
        profile = (
            ExpertProfile.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(user__username__iexact=email, status=Status.EMAIL_PENDING)
            .first()
        )
        if profile is not None:
            new_email_token(profile)
            profile.save(update_fields=["email_token", "email_token_expires_at"])
            _send_confirmation(profile)
        audit.record(
            kind=AuditEvent.Kind.REGISTRATION,
            ip=ip,
            path=reverse("experts:register_resend"),
            detail={
                "outcome": "expert_link_resent" if profile else "resend_nothing_pending",
                "expert": profile.pk if profile else None,
            },
        )


def _locked(profile) -> ExpertProfile:
    return (
        ExpertProfile.objects.select_for_update(of=("self",))
        .select_related("user", "employer")
        .get(pk=profile.pk)
    )


@transaction.atomic
def verify_registration(*, actor, profile) -> ExpertProfile:
    """核验通过: the expert enters the library (在库) and may be drawn from today."""
    if not is_city_staff(actor):
        raise PermissionDenied(_("只有市科技局可以核验专家注册。"))
    profile = _locked(profile)
    if profile.status != Status.PENDING:
        raise _stale()
    now = timezone.now()
    today = timezone.localdate()
    profile.status = Status.ACTIVE
    profile.status_reason = ""
    profile.status_changed_on = today
    profile.last_updated_on = today
    profile.decided_by = actor
    profile.decided_at = now
    profile.return_reason = ""
    profile.save()
    notifications.notify(
        recipients=[profile.user],
        event="expert_registration_verified",
        subject=_("专家注册已核验通过"),
        body=_(
            "%(name)s，您好！\n\n您的评审专家注册已由市科技局核验通过，您已进入专家库（在库）。"
            "收到评审邀请时，系统会通知您。请每年1月确认或更新个人信息。"
        )
        % {"name": profile.name},
        url=reverse("experts:profile"),
    )
    audit.record(
        kind=AuditEvent.Kind.VERIFICATION,
        actor=actor,
        path=reverse("experts:registration_detail", kwargs={"pk": profile.pk}),
        detail={"outcome": "expert_verified", "expert": profile.pk},
    )
    return profile


@transaction.atomic
def return_registration(*, actor, profile, reason: str) -> ExpertProfile:
    """退回修改: the person corrects the profile on their page and resubmits."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退回原因，注册人将看到这段说明。")})
    if not is_city_staff(actor):
        raise PermissionDenied(_("只有市科技局可以核验专家注册。"))
    profile = _locked(profile)
    if profile.status != Status.PENDING:
        raise _stale()
    profile.status = Status.RETURNED
    profile.return_reason = reason
    profile.decided_by = actor
    profile.decided_at = timezone.now()
    profile.save(update_fields=["status", "return_reason", "decided_by", "decided_at"])
    notifications.notify(
        recipients=[profile.user],
        event="expert_registration_returned",
        subject=_("专家注册被退回修改"),
        body=_("退回原因：%(reason)s\n\n请登录后在“我的专家信息”页面修改，并重新提交核验。")
        % {"reason": reason},
        url=reverse("experts:profile"),
    )
    audit.record(
        kind=AuditEvent.Kind.VERIFICATION,
        actor=actor,
        path=reverse("experts:registration_detail", kwargs={"pk": profile.pk}),
        detail={"outcome": "expert_returned", "expert": profile.pk, "reason": reason[:500]},
    )
    return profile


def _own(actor, profile) -> ExpertProfile:
    profile = _locked(profile)
    if actor is None or profile.user_id != actor.pk:
        raise PermissionDenied(_("只能修改本人的专家信息。"))
    return profile


def _mark_updated(profile) -> list[str]:
    """The yearly update is done today; a 暂停 for a missed update (only that one, never one
    city staff decided) ends with it."""
    today = timezone.localdate()
    profile.last_updated_on = today
    changed = ["last_updated_on"]
    if rules.suspended_for_update(profile.status, profile.status_reason):
        profile.status = Status.ACTIVE
        profile.status_reason = ""
        profile.status_changed_on = today
        changed += ["status", "status_reason", "status_changed_on"]
    return changed


@transaction.atomic
def update_profile(*, actor, profile, details: ProfileDetails, cv=None) -> ExpertProfile:
    """The expert saves their profile. In the library this is the yearly update; a returned
    registration is corrected and goes back to city staff (待核验)."""
    profile = _own(actor, profile)
    if profile.status in (Status.EMAIL_PENDING, Status.PENDING):
        raise ValidationError(_("注册正在等待核验，核验结果出来前不能修改。"), code="stale")
    _check_details(details)
    if cv is not None:
        for name, value in _cv_fields(cv).items():
            setattr(profile, name, value)
    resubmitted = profile.status == Status.RETURNED
    if resubmitted:
        profile.status = Status.PENDING
        profile.submitted_at = timezone.now()
        profile.declared_at = profile.submitted_at
    else:
        _mark_updated(profile)
    _apply_details(profile, details)
    if resubmitted:
        _tell_city_staff(profile, resubmitted=True)
    audit.record(
        kind=AuditEvent.Kind.CHANGE,
        actor=actor,
        path=reverse("experts:profile"),
        detail={
            "outcome": "expert_resubmitted" if resubmitted else "expert_profile_updated",
            "expert": profile.pk,
            "status": profile.status,
        },
    )
    return profile


@transaction.atomic
def confirm_unchanged(*, actor, profile) -> ExpertProfile:
    """信息无变化，确认: the yearly update without a change."""
    profile = _own(actor, profile)
    if not profile.in_library:
        raise ValidationError(_("专家注册尚未核验通过，无需确认年度信息。"), code="stale")
    changed = _mark_updated(profile)
    profile.save(update_fields=changed)
    audit.record(
        kind=AuditEvent.Kind.CHANGE,
        actor=actor,
        path=reverse("experts:profile"),
        detail={"outcome": "expert_profile_confirmed", "expert": profile.pk},
    )
    return profile

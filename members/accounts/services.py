"""Writes for units and people getting in on their own (DESIGN.md §13): registration,
e-mail confirmation, verification by the county (or the city), returns and resubmission,
changes of a verified unit's name or code, password resets and forced password changes.

Each write saves, records its audit event and queues its notifications in one
transaction; mail goes through the outbox (liaoyang_consortia.notifications), so a mail
server that is down loses nothing."""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.uploads import JPEG, PDF, PNG, inspect_upload
from liaoyang_consortia import audit, notifications
from liaoyang_consortia.models import AuditEvent
from members.accounts import policy, selectors
from members.models import (
    EMAIL_CONFIRMATION_HOURS,
    Organization,
    UnitRegistration,
    UserProfile,
)
from members.roles import UNIT_GROUP_PREFIX, Role
from members.services import attach_user_to_unit
from members.validators import normalize_mobile

logger = logging.getLogger(__name__)

KNOWN_CODE = "known_code"
LICENCE_TYPES = (PDF, JPEG, PNG)


def known_code_error() -> ValidationError:
    # Says only that the code is registered: nothing about the unit or its people.
    message = _(
        "该统一社会信用代码对应的单位已在本平台注册，不能重复注册。"
        "请联系本单位的单位管理员，在“本单位用户”页面向您发送邀请链接后加入；"
        "本单位尚无管理员的，请联系市科技局。"
    )
    return ValidationError({"uscc": ValidationError(message, code=KNOWN_CODE)})


@dataclass(frozen=True)
class UnitDetails:
    """What a registrant declares about the unit (a registration, a resubmission, a
    change request)."""

    name: str
    uscc: str
    org_kind: str
    county: object  # County or None (outside Liaoyang)
    address: str
    legal_representative: str


class _EmailTaken(Exception):
    """Raised inside the registration transaction to undo it silently."""


def _licence_fields(licence) -> dict:
    try:
        info = inspect_upload(licence)
    except ValidationError as exc:
        raise ValidationError({"licence": exc.messages}) from exc
    if info.content_type not in LICENCE_TYPES:
        raise ValidationError(
            {"licence": _("营业执照扫描件只接受 PDF、JPEG、PNG 文件（按文件内容判断）。")}
        )
    return {
        "licence": licence,
        "licence_name": (getattr(licence, "name", "") or "licence")[:255],
        "licence_content_type": info.content_type,
        "licence_size": info.size,
        "licence_sha256": info.sha256,
    }


def _details_fields(details: UnitDetails) -> dict:
    return {
        "name": details.name.strip(),
        "uscc": details.uscc,
        "org_kind": details.org_kind,
        "county": details.county,
        "address": details.address.strip(),
        "legal_representative": details.legal_representative.strip(),
    }


def _confirm_path(registration) -> str:
    return reverse("accounts:confirm_email", kwargs={"token": registration.email_token})


def _send_confirmation(registration, user) -> None:
    expires = timezone.localtime(registration.email_token_expires_at)
    notifications.notify(
        recipients=[user],
        event="registration_email",
        subject=_("【辽阳市创新联合体管理平台】请确认您的电子邮箱"),
        body=_(
            "%(name)s，您好！\n\n您在辽阳市创新联合体管理平台为%(unit)s注册了账号。"
            "请在%(expires)s前打开下面的链接确认邮箱（只能使用一次）。确认后，单位注册将提交"
            "所在县（市、区）科技管理部门核验。\n\n如果不是您本人注册，请忽略本邮件。"
        )
        % {
            "name": registration.registrant_name,
            "unit": registration.name,
            "expires": f"{expires:%Y年%m月%d日 %H:%M}",
        },
        url=_confirm_path(registration),
        to_inactive=True,
    )


def new_email_token(registration) -> None:
    """A fresh confirmation link (24 hours, once) on anything with email_token and
    email_token_expires_at: a unit registration or an expert's self-registration."""
    registration.email_token = uuid.uuid4()
    registration.email_token_expires_at = timezone.now() + timedelta(hours=EMAIL_CONFIRMATION_HOURS)


def tell_email_owner(
    existing, *, ip, what: str, hint: str, event: str, outcome: str, path: str
) -> None:
    """Someone registered (`what`: 单位, 评审专家) with an address that has an account: its
    owner is told, with `hint` on what to do instead, and the attempt is audited. What the
    person registering sees is the same as for a new address, so nobody learns whether an
    address has an account. Shared by unit and expert registration."""
    notifications.notify(
        recipients=[existing],
        event=event,
        subject=_("【辽阳市创新联合体管理平台】有人用您的邮箱注册%(what)s") % {"what": what},
        body=_(
            "您好！\n\n刚才有人用您的邮箱在辽阳市创新联合体管理平台注册%(what)s。该邮箱已有账号，"
            "因此没有新建账号。如果是您本人，请直接登录；忘记密码可在登录页点击“忘记密码”找回。"
            "%(hint)s\n\n如果不是您本人操作，请忽略本邮件。"
        )
        % {"what": what, "hint": hint},
        url=reverse("password_reset"),
        to_inactive=True,
    )
    audit.record(
        kind=AuditEvent.Kind.REGISTRATION,
        actor=None,
        ip=ip,
        path=path,
        detail={"outcome": outcome, "user": existing.pk},
    )


def _email_owner_told(existing, *, ip) -> None:
    tell_email_owner(
        existing,
        ip=ip,
        what=_("单位"),
        hint=_("如需注册另一家单位，请使用其他邮箱。"),
        event="registration_email_taken",
        outcome="email_taken",
        path=reverse("accounts:register"),
    )


def register_unit(
    *,
    details: UnitDetails,
    registrant_name: str,
    mobile: str,
    email: str,
    password: str,
    licence,
    ip: str | None = None,
) -> UnitRegistration | None:
    """A unit and its first user, waiting for the e-mail to be confirmed. Returns the
    registration, or None when the address already has an account (its owner is told by
    mail; the caller shows the same page either way). Raises ValidationError with code
    KNOWN_CODE when the unit is registered already."""
    User = get_user_model()
    email = (email or "").strip().lower()
    registrant_name = (registrant_name or "").strip()
    user = User(username=email, email=email, first_name=registrant_name[:150], is_active=False)
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    licence_fields = _licence_fields(licence)
    existing = (
        User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email))
        .order_by("-is_active", "pk")
        .first()
    )
    try:
        with transaction.atomic():
            organization = (
                Organization.objects.select_for_update().filter(uscc=details.uscc).first()
            )
            if organization is not None:
                _expire_unconfirmed(organization)
                if _is_taken(organization):
                    raise known_code_error()
            if existing is not None:
                raise _EmailTaken(existing)
            if organization is None:
                organization = Organization(
                    uscc=details.uscc,
                    name=details.name.strip(),
                    kind=details.org_kind,
                    county=details.county,
                    legal_representative=details.legal_representative.strip(),
                    address=details.address.strip(),
                    contact_name=registrant_name,
                    contact_phone=normalize_mobile(mobile),
                    contact_email=email,
                )
                try:
                    with transaction.atomic():
                        organization.save()
                except IntegrityError as exc:  # the same code registered a moment ago
                    raise known_code_error() from exc
            user.set_password(password)
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError as exc:  # the same address registered a moment ago
                raise _EmailTaken(None) from exc
            attach_user_to_unit(user=user, organization=organization, is_unit_admin=False)
            UserProfile.objects.filter(user=user).update(phone=normalize_mobile(mobile))
            registration = UnitRegistration(
                kind=UnitRegistration.Kind.NEW,
                organization=organization,
                registrant=user,
                registrant_name=registrant_name,
                mobile=normalize_mobile(mobile),
                email=email,
                declared_at=timezone.now(),
                **_details_fields(details),
                **licence_fields,
            )
            new_email_token(registration)
            _save_open(registration)
            _send_confirmation(registration, user)
            audit.record(
                kind=AuditEvent.Kind.REGISTRATION,
                actor=None,
                ip=ip,
                path=reverse("accounts:register"),
                detail={
                    "outcome": "registered",
                    "registration": registration.pk,
                    "uscc": details.uscc,
                    "user": user.pk,
                },
            )
    except _EmailTaken as taken:
        existing = taken.args[0]
        if existing is not None and not existing.is_active:
            # Registered before and never confirmed: registering again sends a new link.
            resend_confirmation(email=email, ip=ip)
        elif existing is not None:
            with transaction.atomic():
                _email_owner_told(existing, ip=ip)
        logger.info("registration with an address that has an account (not created)")
        return None
    except ValidationError as exc:
        if KNOWN_CODE in _codes(exc):
            audit.record(
                kind=AuditEvent.Kind.REGISTRATION,
                ip=ip,
                path=reverse("accounts:register"),
                detail={"outcome": "known_code", "uscc": details.uscc},
            )
        raise
    logger.info("unit %s registered; e-mail confirmation sent", details.uscc)
    return registration


def _codes(exc: ValidationError) -> set:
    if hasattr(exc, "error_dict"):
        return {e.code for errors in exc.error_dict.values() for e in errors}
    return {e.code for e in exc.error_list}


def _expire_unconfirmed(organization) -> None:
    """End the registrations of this unit whose e-mail was never confirmed and whose link ran
    out: someone typing another's code with a made-up address must not lock the unit out."""
    for stale in organization.registrations.select_for_update().filter(
        state=UnitRegistration.State.EMAIL_PENDING, email_token_expires_at__lte=timezone.now()
    ):
        stale.expire()
        stale.save()


def _is_taken(organization) -> bool:
    """A unit has people already (or someone is registering it): a second registrant must
    be invited by its administrator. A unit known only as someone else's member, with no
    account, may be registered by its own people."""
    return (
        organization.users.filter(user__is_active=True).exists()
        or organization.registrations.filter(state__in=UnitRegistration.OPEN_STATES).exists()
        or organization.is_verified
    )


def email_link_refusal(registration) -> str | None:
    """Why a confirmation link cannot be used now, in Chinese; None when it can."""
    if registration is None:
        return _(
            "确认链接无效或已经使用过。如果您已确认过邮箱，请直接登录；"
            "否则请在“重新发送确认邮件”页面获取新的链接。"
        )
    if registration.email_token_expires_at <= timezone.now():
        return _(
            "确认链接已过期（有效期%(hours)d小时）。请在“重新发送确认邮件”页面获取新的链接。"
        ) % {"hours": EMAIL_CONFIRMATION_HOURS}
    return None


def confirm_email(*, token) -> UnitRegistration:
    """The registrant opened the link: the account becomes active and the registration
    goes to its verifiers. Raises ValidationError (code invalid_link) for a link that is
    unknown, used or expired."""
    with transaction.atomic():
        registration = (
            UnitRegistration.objects.select_for_update(of=("self",))
            .select_related("registrant", "county", "organization")
            .filter(selectors.token_q(token), state=UnitRegistration.State.EMAIL_PENDING)
            .first()
        )
        refusal = email_link_refusal(registration)
        if refusal:
            raise ValidationError(refusal, code="invalid_link")
        now = timezone.now()
        registration.confirm_email(at=now)
        registration.save()
        user = registration.registrant
        user.is_active = True
        user.save(update_fields=["is_active"])
        _tell_verifiers(registration)
        audit.record(
            kind=AuditEvent.Kind.REGISTRATION,
            actor=user,
            path=reverse("accounts:confirm_email", kwargs={"token": token}),
            detail={"outcome": "email_confirmed", "registration": registration.pk},
        )
    return registration


def resend_confirmation(*, email: str, ip: str | None = None) -> None:
    """A new link for a registration still waiting for its e-mail to be confirmed, sent to
    that address. Says nothing about whether there was one."""
    email = (email or "").strip().lower()
    with transaction.atomic():
        registration = (
            UnitRegistration.objects.select_for_update(of=("self",))
            .select_related("registrant")
            .filter(email__iexact=email, state=UnitRegistration.State.EMAIL_PENDING)
            .order_by("-created_at")
            .first()
        )
        if registration is not None:
            new_email_token(registration)
            registration.save(update_fields=["email_token", "email_token_expires_at"])
            _send_confirmation(registration, registration.registrant)
        audit.record(
            kind=AuditEvent.Kind.REGISTRATION,
            ip=ip,
            path=reverse("accounts:resend"),
            detail={
                "outcome": "link_resent" if registration else "resend_nothing_pending",
                "registration": registration.pk if registration else None,
            },
        )


def _verifiers(registration):
    User = get_user_model()
    if registration.handled_by_city:
        users = User.objects.filter(groups__name=Role.CITY_STAFF.value, is_active=True)
    else:
        users = User.objects.filter(
            groups__name=Role.COUNTY_REVIEWER.value,
            profile__county_id=registration.county_id,
            is_active=True,
        )
    return list(users.distinct())


def _tell_verifiers(registration) -> None:
    notifications.notify(
        recipients=_verifiers(registration),
        event="registration_pending",
        subject=_("新的单位注册待核验：%(unit)s") % {"unit": registration.name},
        body=_("%(unit)s（%(kind)s）提交了单位注册，请核对营业执照后核验通过或退回。")
        % {"unit": registration.name, "kind": registration.get_kind_display()},
        url=reverse("members:registration_detail", kwargs={"pk": registration.pk}),
    )


def _locked(registration) -> UnitRegistration:
    return (
        UnitRegistration.objects.select_for_update(of=("self",))
        .select_related("county", "organization", "registrant")
        .get(pk=registration.pk)
    )


def _stale() -> ValidationError:
    return ValidationError(_("该注册的状态已经改变，请刷新页面后查看。"), code="stale")


@transaction.atomic
def verify_registration(*, actor, registration) -> UnitRegistration:
    """The verifier checked the licence: the declared values become the unit's, the unit is
    verified, and the registrant becomes its administrator."""
    registration = _locked(registration)
    if not policy.may_verify(actor, registration):
        raise PermissionDenied(_("您无权核验该单位注册。"))
    if registration.state != UnitRegistration.State.PENDING:
        raise _stale()
    organization = Organization.objects.select_for_update().get(pk=registration.organization_id)
    old_uscc = organization.uscc
    if (
        registration.uscc != old_uscc
        and Organization.objects.filter(uscc=registration.uscc).exclude(pk=organization.pk).exists()
    ):
        raise ValidationError(
            _("申报的统一社会信用代码已属于平台上的另一家单位，不能核验通过，请退回并说明。")
        )
    now = timezone.now()
    registration.verify(by=actor, at=now)
    registration.save()
    organization.name = registration.name
    organization.uscc = registration.uscc
    organization.kind = registration.org_kind
    organization.county = registration.county
    organization.address = registration.address
    organization.legal_representative = registration.legal_representative
    organization.verified_at = now
    organization.save()
    if organization.uscc != old_uscc:
        # The unit's group is named by its code (members.services.unit_group).
        Group.objects.filter(name=f"{UNIT_GROUP_PREFIX}{old_uscc}").update(
            name=f"{UNIT_GROUP_PREFIX}{organization.uscc}"
        )
    registrant = registration.registrant
    if registration.kind == UnitRegistration.Kind.NEW and registrant.is_active:
        attach_user_to_unit(user=registrant, organization=organization, is_unit_admin=True)
    notifications.notify(
        recipients=[registrant],
        event="registration_verified",
        subject=_("单位注册已核验通过：%(unit)s") % {"unit": organization.name},
        body=_("%(unit)s的%(kind)s已核验通过。您可以提交创新联合体组建申请，并邀请本单位同事注册。")
        % {"unit": organization.name, "kind": registration.get_kind_display()},
        url=reverse("members:registration"),
    )
    audit.record(
        kind=AuditEvent.Kind.VERIFICATION,
        actor=actor,
        path=reverse("members:registration_detail", kwargs={"pk": registration.pk}),
        detail={"outcome": "verified", "registration": registration.pk, "uscc": organization.uscc},
    )
    return registration


@transaction.atomic
def return_registration(*, actor, registration, reason: str) -> UnitRegistration:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退回原因，注册人将看到这段说明。")})
    registration = _locked(registration)
    if not policy.may_verify(actor, registration):
        raise PermissionDenied(_("您无权核验该单位注册。"))
    if registration.state != UnitRegistration.State.PENDING:
        raise _stale()
    registration.send_back(by=actor, at=timezone.now(), reason=reason)
    registration.save()
    notifications.notify(
        recipients=[registration.registrant],
        event="registration_returned",
        subject=_("单位注册被退回修改：%(unit)s") % {"unit": registration.name},
        body=_("退回原因：%(reason)s\n\n请按要求修改后重新提交核验。") % {"reason": reason},
        url=reverse("members:registration"),
    )
    audit.record(
        kind=AuditEvent.Kind.VERIFICATION,
        actor=actor,
        path=reverse("members:registration_detail", kwargs={"pk": registration.pk}),
        detail={"outcome": "returned", "registration": registration.pk, "reason": reason[:500]},
    )
    return registration


def _check_code_free(uscc: str, organization) -> None:
    if Organization.objects.filter(uscc=uscc).exclude(pk=organization.pk).exists():
        raise known_code_error()


@transaction.atomic
def resubmit_registration(
    *, actor, registration, details: UnitDetails, licence=None
) -> UnitRegistration:
    """The registrant corrected a returned registration (and may replace the scan)."""
    registration = _locked(registration)
    if not policy.is_registrant_side(actor, registration):
        raise PermissionDenied(_("只有注册人可以修改该单位注册。"))
    if registration.state != UnitRegistration.State.RETURNED:
        raise _stale()
    _check_code_free(details.uscc, registration.organization)
    for name, value in _details_fields(details).items():
        setattr(registration, name, value)
    if licence is not None:
        for name, value in _licence_fields(licence).items():
            setattr(registration, name, value)
    registration.resubmit(at=timezone.now())
    _send_to_verifiers(registration, actor=actor, outcome="resubmitted")
    return registration


@transaction.atomic
def request_change(*, actor, details: UnitDetails, licence) -> UnitRegistration:
    """A verified unit's administrator asks to change its name or code (or the other
    declared details): the change waits for verification; until then the unit keeps the
    verified values."""
    profile = getattr(actor, "profile", None)
    if not (profile and profile.is_unit_admin and profile.organization_id):
        raise PermissionDenied(_("只有单位管理员可以申请变更单位信息。"))
    organization = Organization.objects.select_for_update().get(pk=profile.organization_id)
    if not organization.is_verified:
        raise ValidationError(_("单位注册尚未核验通过，请在注册页面修改。"))
    if organization.registrations.filter(state__in=UnitRegistration.OPEN_STATES).exists():
        raise ValidationError(_("本单位已有一项变更正在核验中，请等待核验结果。"))
    _check_code_free(details.uscc, organization)
    now = timezone.now()
    registration = UnitRegistration(
        kind=UnitRegistration.Kind.CHANGE,
        state=UnitRegistration.State.PENDING,
        organization=organization,
        registrant=actor,
        registrant_name=actor.get_full_name() or actor.username,
        mobile=normalize_mobile(profile.phone)[:11],
        email=actor.email,
        declared_at=now,
        email_confirmed_at=now,
        submitted_at=now,
        **_details_fields(details),
        **_licence_fields(licence),
    )
    _send_to_verifiers(registration, actor=actor, outcome="change_requested")
    return registration


def _save_open(registration) -> None:
    """Save a registration that is open: one per code (a partial unique constraint), so a
    concurrent one of the same code is refused as a known code."""
    try:
        with transaction.atomic():
            registration.save()
    except IntegrityError as exc:
        raise known_code_error() from exc


def _send_to_verifiers(registration, *, actor, outcome: str) -> None:
    _save_open(registration)
    _tell_verifiers(registration)
    audit.record(
        kind=AuditEvent.Kind.REGISTRATION,
        actor=actor,
        path=reverse("members:registration"),
        detail={"outcome": outcome, "registration": registration.pk},
    )


def refused_request(*, kind: str, ip: str | None, path: str, outcome: str = "invalid") -> None:
    """An anonymous account request refused by its form (a wrong captcha, say) still counts
    towards the rate limit: otherwise a captcha could be guessed without end."""
    audit.record(kind=kind, ip=ip, path=path, detail={"outcome": outcome})


# --- Passwords ---------------------------------------------------------------------------


def password_reset_requested(*, email: str, ip: str | None, sent: int) -> None:
    """The audit trail of a reset request (the count also feeds the rate limit)."""
    audit.record(
        kind=AuditEvent.Kind.PASSWORD_RESET,
        ip=ip,
        path=reverse("password_reset"),
        detail={"outcome": "requested", "mails": sent},
    )


@transaction.atomic
def password_was_reset(*, user, ip: str | None = None) -> None:
    """A new password set from a reset link: the lockout for this user ends (it was the
    reason to reset, often), and an admin-set password no longer needs changing. The
    user's other sessions end by themselves: their session hash no longer matches."""
    axes_reset(username=user.username)
    UserProfile.objects.filter(user=user).update(must_change_password=False)
    audit.record(
        kind=AuditEvent.Kind.PASSWORD_RESET,
        actor=user,
        ip=ip,
        path=reverse("password_reset"),
        detail={"outcome": "password_set"},
    )


def password_was_changed(*, user) -> None:
    UserProfile.objects.filter(user=user, must_change_password=True).update(
        must_change_password=False
    )


def require_password_change(*, user) -> None:
    """An admin set this user's password: the next sign-in must choose a new one."""
    UserProfile.objects.update_or_create(user=user, defaults={"must_change_password": True})

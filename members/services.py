"""Writes for units, users and roles."""

import logging
import smtplib
from functools import partial

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from members.models import UnitInvitation, UserProfile
from members.roles import UNIT_GROUP_PREFIX, Role, has_role

# Apps whose every permission the admin role holds (a bureau admin need not be superuser).
ADMIN_APPS = [
    "auth",
    "members",
    "applications",
    "reviews",
    "reporting",
    "axes",
    "guardian",
    # The audit trail (read-only) and the TOTP devices (to reset a lost authenticator).
    "liaoyang_consortia",
    "otp_totp",
    "django_celery_beat",
]
# City staff keep the register of units and the integrity records in the admin (they are
# staff users, and see there only what these permissions allow).
CITY_STAFF_PERMISSIONS = [
    "members.view_county",
    "members.view_industryfield",
    "members.view_organization",
    "members.add_organization",
    "members.change_organization",
    # The integrity blacklist and lead bans (article 24) are the bureau's to keep.
    "members.view_integrityrecord",
    "members.add_integrityrecord",
    "members.change_integrityrecord",
    # Read access to the records of the chain they run (the portal pages do the writing).
    "applications.view_consortium",
    "reviews.view_partygroupmeeting",
    "reviews.view_meetingdecision",
    "reviews.view_publicnotice",
    "reviews.view_objection",
    "reviews.view_expertprofile",
    "reviews.add_expertprofile",
    "reviews.change_expertprofile",
    "reviews.view_calendarday",
    "applications.view_consortiumproject",
    "applications.view_memberchange",
    "applications.view_leadchange",
    "applications.view_consortiummember",
]


@transaction.atomic
def sync_role_permissions() -> None:
    """Give each role group its model-level permissions. Idempotent; run after every
    migrate, because permissions of new models exist only after migrate creates them."""
    admin, _ = Group.objects.get_or_create(name=Role.ADMIN.value)
    admin.permissions.add(*Permission.objects.filter(content_type__app_label__in=ADMIN_APPS))
    city, _ = Group.objects.get_or_create(name=Role.CITY_STAFF.value)
    wanted = Q(pk__in=[])
    for dotted in CITY_STAFF_PERMISSIONS:
        app_label, codename = dotted.split(".")
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    city.permissions.add(*Permission.objects.filter(wanted))
    for role in Role:
        Group.objects.get_or_create(name=role.value)


def unit_group(organization) -> Group:
    """The group of a unit's users. Object permissions on the unit's applications are given
    to this group, so a colleague who joins later sees them at once."""
    group, _ = Group.objects.get_or_create(name=f"{UNIT_GROUP_PREFIX}{organization.uscc}")
    return group


@transaction.atomic
def attach_user_to_unit(*, user, organization, is_unit_admin: bool = False) -> None:
    from members.models import UserProfile

    profile, _ = UserProfile.objects.get_or_create(user=user)
    if profile.organization_id and profile.organization_id != organization.pk:
        user.groups.remove(unit_group(profile.organization))
    profile.organization = organization
    profile.is_unit_admin = is_unit_admin
    profile.save()
    user.groups.add(Group.objects.get(name=Role.APPLICANT.value), unit_group(organization))


# --- Several users per unit ------------------------------------------------------------
# A unit's first user (单位管理员) invites colleagues and removes them; each unit confirms
# its participation in a consortium from its own account or a one-time link.

logger = logging.getLogger(__name__)


def _administered_unit(actor):
    """The unit the actor administers, or PermissionDenied."""
    profile = getattr(actor, "profile", None)
    if not (
        actor.is_active
        and has_role(actor, Role.APPLICANT)
        and profile
        and profile.is_unit_admin
        and profile.organization_id
    ):
        raise PermissionDenied(_("只有本单位的单位管理员可以邀请或移除用户。"))
    return profile.organization


def invitation_link(invitation, *, site_url: str = "") -> str:
    """The acceptance link; absolute when the caller knows the site's address."""
    path = reverse("members:accept_invitation", kwargs={"token": invitation.token})
    return f"{site_url.rstrip('/')}{path}" if site_url else path


@transaction.atomic
def invite_colleague(*, actor, email: str = "", site_url: str = "") -> UnitInvitation:
    """A seven-day invitation to the actor's unit. With an email, the link is also mailed
    once the invitation is saved; the page always shows the link too, so a mail outage
    loses nothing."""
    organization = _administered_unit(actor)
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ValidationError({"email": _("请输入有效的电子邮箱地址。")}) from exc
    invitation = UnitInvitation.objects.create(
        organization=organization, email=email, invited_by=actor
    )
    logger.info("unit %s: %s invited a colleague", organization.uscc, actor.username)
    if email:
        link = invitation_link(invitation, site_url=site_url)
        transaction.on_commit(partial(_mail_invitation, invitation.pk, link))
    return invitation


def _mail_invitation(invitation_pk: int, link: str) -> None:
    invitation = UnitInvitation.objects.select_related("organization", "invited_by").get(
        pk=invitation_pk
    )
    inviter = invitation.invited_by.get_full_name() or invitation.invited_by.username
    expires = timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M")
    subject = _("【辽阳市创新联合体管理平台】%(unit)s邀请您注册") % {
        "unit": invitation.organization.name
    }
    body = _(
        "您好！\n\n%(inviter)s邀请您作为%(unit)s的用户，在辽阳市创新联合体管理平台办理"
        "创新联合体申报事项。\n\n请打开以下链接设置用户名和密码（%(expires)s前有效，只能使用一次）：\n"
        "%(link)s\n\n如果您不认识邀请人，请忽略本邮件。\n\n辽阳市科学技术局"
    ) % {
        "inviter": inviter,
        "unit": invitation.organization.name,
        "expires": expires,
        "link": link,
    }
    try:
        mail.send_mail(subject, body, None, [invitation.email])
    except (smtplib.SMTPException, OSError):
        # The unit admin still has the link on the unit page; a later outbox retries.
        logger.exception("invitation %s: the mail could not be sent", invitation.pk)


def invitation_refusal(invitation) -> str | None:
    """Why this invitation cannot be accepted now, in Chinese; None when it can."""
    if invitation is None:
        return _("邀请链接无效，请向本单位的单位管理员索取新的邀请链接。")
    status = invitation.status
    if status == UnitInvitation.Status.ACCEPTED:
        return _("该邀请链接已经使用过，不能再次注册。如需登录，请前往登录页面。")
    if status == UnitInvitation.Status.REVOKED:
        return _("该邀请已被单位管理员撤销，请向单位管理员索取新的邀请链接。")
    if status == UnitInvitation.Status.EXPIRED:
        return _("该邀请链接已过期（有效期7天），请向单位管理员索取新的邀请链接。")
    return None


def accept_invitation(*, token, username: str, password: str, name: str, phone: str = ""):
    """Register the invited colleague as a user of the inviting unit (not its admin)."""
    User = get_user_model()
    username = (username or "").strip()
    name = (name or "").strip()
    with transaction.atomic():
        invitation = (
            UnitInvitation.objects.select_for_update()
            .select_related("organization")
            .filter(token=token)
            .first()
        )
        refusal = invitation_refusal(invitation)
        if refusal:
            raise ValidationError(refusal, code="invalid_invitation")
        errors = {}
        if not username:
            errors["username"] = [_("请填写用户名。")]
        else:
            try:
                User.username_validator(username)
            except ValidationError:
                errors["username"] = [
                    _("用户名只能包含字母、数字、汉字和 @ . + - _ 符号，且不超过150个字符。")
                ]
            if len(username) > 150:
                errors["username"] = [_("用户名不能超过150个字符。")]
            elif User.objects.filter(username__iexact=username).exists():
                errors["username"] = [_("该用户名已被使用，请换一个。")]
        if not name:
            errors["name"] = [_("请填写姓名。")]
        user = User(username=username, first_name=name[:150], email=invitation.email)
        try:
            password_validation.validate_password(password, user=user)
        except ValidationError as exc:
            errors["password"] = exc.messages
        if errors:
            raise ValidationError(errors)
        user.set_password(password)
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:  # the same username registered a moment ago
            raise ValidationError({"username": [_("该用户名已被使用，请换一个。")]}) from exc
        attach_user_to_unit(user=user, organization=invitation.organization, is_unit_admin=False)
        if phone:
            UserProfile.objects.filter(user=user).update(phone=phone.strip()[:30])
        invitation.accepted_at = timezone.now()
        invitation.accepted_user = user
        invitation.save(update_fields=["accepted_at", "accepted_user"])
    logger.info("unit %s: %s joined by invitation", invitation.organization.uscc, username)
    return user


@transaction.atomic
def revoke_invitation(*, actor, invitation) -> UnitInvitation:
    organization = _administered_unit(actor)
    invitation = UnitInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.organization_id != organization.pk:
        raise PermissionDenied(_("只能撤销本单位的邀请。"))
    if invitation.accepted_at:
        raise ValidationError(_("该邀请已被接受，不能撤销；如需停用该用户，请将其移除。"))
    if not invitation.revoked_at:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
    return invitation


@transaction.atomic
def remove_colleague(*, actor, user) -> None:
    """Deactivate a colleague and take them out of the unit's group, so they lose access
    to the unit's applications at once (their sessions stop working too: inactive users
    are signed out by the authentication backend)."""
    organization = _administered_unit(actor)
    User = get_user_model()
    user = User.objects.select_for_update(of=("self",)).select_related("profile").get(pk=user.pk)
    profile = getattr(user, "profile", None)
    if not profile or profile.organization_id != organization.pk:
        raise PermissionDenied(_("只能移除本单位的用户。"))
    if user.pk == actor.pk:
        raise ValidationError(_("不能移除自己。如需更换单位管理员，请联系系统管理员。"))
    user.is_active = False
    user.save(update_fields=["is_active"])
    user.groups.remove(unit_group(organization))
    if profile.is_unit_admin:
        profile.is_unit_admin = False
        profile.save(update_fields=["is_unit_admin"])
    logger.info("unit %s: %s removed %s", organization.uscc, actor.username, user.username)


def _locked_membership(**lookup):
    from applications.models import Membership

    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("application", "organization")
        .get(**lookup)
    )


def _already_confirmed(membership) -> ValidationError:
    when = timezone.localtime(membership.confirmed_at).strftime("%Y-%m-%d %H:%M")
    return ValidationError(
        _("%(unit)s已于%(when)s确认，无需再次确认。")
        % {"unit": membership.organization.name, "when": when}
    )


@transaction.atomic
def confirm_participation(*, actor, membership):
    """A user of the unit confirms, from their own account, the unit's participation and
    task share."""
    from applications.services import confirm_membership

    profile = getattr(actor, "profile", None)
    membership = _locked_membership(pk=membership.pk)
    if not (
        has_role(actor, Role.APPLICANT)
        and profile
        and profile.organization_id
        and profile.organization_id == membership.organization_id
    ):
        raise PermissionDenied(_("只能确认本单位参与的联合体。"))
    if membership.confirmed_at:
        raise _already_confirmed(membership)
    return confirm_membership(
        membership=membership, confirmed_by=actor.get_full_name() or actor.username
    )


@transaction.atomic
def confirm_participation_by_link(*, token, name: str):
    """The member unit's contact confirms through the one-time link sent to them."""
    from applications.models import Membership
    from applications.services import confirm_membership

    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写确认人姓名。")})
    try:
        membership = _locked_membership(confirm_token=token)
    except Membership.DoesNotExist as exc:
        raise ValidationError(_("确认链接无效。")) from exc
    if membership.confirmed_at:
        raise _already_confirmed(membership)
    return confirm_membership(membership=membership, confirmed_by=f"{name}（确认链接）")

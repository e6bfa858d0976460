"""Reads for units and their users. Every list is one query whatever its length."""

from django.contrib.auth import get_user_model
from django.http import Http404
from django.utils import timezone

from applications.models import EDITABLE_STATES, Membership
from members.models import UnitInvitation
from members.roles import Role, has_role


def unit_of(user):
    """The unit an applicant user acts for, or None."""
    profile = getattr(user, "profile", None)
    if not (user.is_authenticated and has_role(user, Role.APPLICANT) and profile):
        return None
    return profile.organization if profile.organization_id else None


def is_unit_admin(user) -> bool:
    profile = getattr(user, "profile", None)
    return bool(unit_of(user) and profile.is_unit_admin)


def unit_for(user):
    """The user's unit, or 404 for anyone who does not act for a unit."""
    organization = unit_of(user)
    if organization is None:
        raise Http404
    return organization


def colleagues(organization) -> list:
    """The unit's active users, administrators first."""
    return list(
        get_user_model()
        .objects.filter(profile__organization=organization, is_active=True)
        .select_related("profile")
        .order_by("-profile__is_unit_admin", "date_joined", "pk")
    )


def colleague_for(actor, pk):
    """An active user of the actor's unit, or 404."""
    organization = unit_for(actor)
    user = (
        get_user_model()
        .objects.filter(pk=pk, profile__organization=organization, is_active=True)
        .select_related("profile")
        .first()
    )
    if user is None:
        raise Http404
    return user


def pending_invitations(organization) -> list[UnitInvitation]:
    return list(
        UnitInvitation.objects.filter(
            organization=organization,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("invited_by")
        .order_by("-created_at")
    )


def invitation_for(actor, pk) -> UnitInvitation:
    """An invitation of the actor's unit, or 404."""
    invitation = UnitInvitation.objects.filter(pk=pk, organization=unit_for(actor)).first()
    if invitation is None:
        raise Http404
    return invitation


def invitation_by_token(token) -> UnitInvitation | None:
    return UnitInvitation.objects.select_related("organization").filter(token=token).first()


def _open_memberships():
    return Membership.objects.filter(
        application__state__in=EDITABLE_STATES, confirmed_at__isnull=True
    ).select_related("application__lead", "organization")


def pending_confirmations(organization) -> list[Membership]:
    """The consortia, still being prepared, in which this unit has not yet confirmed its
    participation and task share. The lead unit confirms its own share too: the
    agreement_signed rule counts every unit."""
    return list(
        _open_memberships()
        .filter(organization=organization)
        .order_by("-application__updated_at", "pk")
    )


def membership_to_confirm(user, pk) -> Membership:
    """A membership of the user's own unit, or 404 (confirmed or not: the service says
    which are already done)."""
    membership = (
        Membership.objects.select_related("application__lead", "organization")
        .filter(pk=pk, organization=unit_for(user))
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def member_confirmations(organization) -> list[Membership]:
    """For the applications this unit leads that are still being prepared: every member
    unit, confirmed or not, so the applicant sees who has confirmed and can send the
    one-time link to those who have not."""
    return list(
        Membership.objects.filter(
            application__lead=organization,
            application__state__in=EDITABLE_STATES,
            role=Membership.Role.MEMBER,
        )
        .select_related("application", "organization")
        .order_by("-application__updated_at", "application_id", "sort_order", "pk")
    )


def membership_by_confirm_token(token) -> Membership:
    membership = (
        Membership.objects.select_related("application__lead", "organization")
        .filter(confirm_token=token)
        .first()
    )
    if membership is None:
        raise Http404
    return membership


def policy_in_force(today=None):
    """The PolicyVersion in force today (an unsaved default when admins set none)."""
    from django.utils import timezone

    from members.models import PolicyVersion

    return PolicyVersion.in_force(today or timezone.localdate())


def policy_validity_warning(today=None) -> str | None:
    """members.rules.validity_warning for the version in force (two queries)."""
    from django.utils import timezone

    from members import rules
    from members.models import PolicyVersion

    today = today or timezone.localdate()
    version = PolicyVersion.in_force(today)
    if version.pk is None or version.stated_end is None:
        return None
    return rules.validity_warning(
        name=version.source_title and f"《{version.source_title}》" or version.name,
        stated_end=version.stated_end,
        has_successor=PolicyVersion.objects.filter(
            effective_from__gt=version.effective_from
        ).exists(),
        today=today,
    )

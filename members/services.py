"""Writes for units, users and roles."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from members.roles import Role

# Apps whose every permission the admin role holds (a bureau admin need not be superuser).
ADMIN_APPS = ["auth", "members", "applications", "reviews", "reporting", "axes", "guardian"]
# City staff keep the reference data and the register of units in the admin.
CITY_STAFF_PERMISSIONS = [
    "members.view_county",
    "members.view_industryfield",
    "members.view_organization",
    "members.add_organization",
    "members.change_organization",
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
    group, _ = Group.objects.get_or_create(name=f"unit:{organization.uscc}")
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

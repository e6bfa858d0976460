"""The portal's roles. Each is a Django group of the same name (created by a data
migration); the group gives model-level abilities, guardian gives object-level ones."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("申报单位")
    COUNTY_REVIEWER = "county_reviewer", _("县区科技管理部门")
    CITY_STAFF = "city_staff", _("市科技局")
    EXPERT = "expert", _("评审专家")
    ADMIN = "admin", _("系统管理员")


def roles_of(user) -> list[Role]:
    """The roles of a user, in Role's order. Cached on the user object: templates and
    views ask several times per request, and this is one query."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = [role for role in Role if role.value in names]
        if user.is_superuser and Role.ADMIN not in cached:
            cached.append(Role.ADMIN)
        user._portal_roles = cached
        user._portal_group_names = names
    return cached


UNIT_GROUP_PREFIX = "unit:"


def unit_groups_of(user) -> list[str]:
    """The names of the unit groups (members.services.unit_group) the user belongs to, read
    with the roles (one query, cached on the user object)."""
    roles_of(user)
    names = getattr(user, "_portal_group_names", set())
    return sorted(n for n in names if n.startswith(UNIT_GROUP_PREFIX))


def has_role(user, role: Role) -> bool:
    return role in roles_of(user)

"""Demo data for `manage.py seed_demo` (DESIGN.md §10). Idempotent: every row is found by
a natural key and brought to the state below, so a second run changes nothing.

The units are invented but realistic: Liaoyang-registered codes (positions 3-8 are the
county's GB/T 2260 code) with correct check characters.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from members.models import County, Organization, UserProfile
from members.roles import Role
from members.services import attach_user_to_unit
from members.validators import uscc_check_character


def make_uscc(prefix17: str) -> str:
    return prefix17 + uscc_check_character(prefix17)


@dataclass(frozen=True)
class DemoUnit:
    key: str
    name: str
    uscc17: str
    kind: str
    county_code: str | None
    legal_representative: str
    address: str


UNITS = [
    DemoUnit(
        "lead_a",
        "辽阳华晟精细化工有限公司",
        "91211002MA0Y7K3Q2",
        "enterprise",
        "211002",
        "赵志刚",
        "辽阳市白塔区新运大街88号",
    ),
    DemoUnit(
        "lead_b",
        "灯塔市铝友精密部件有限公司",
        "91211081MA0XQ8T41",
        "enterprise",
        "211081",
        "孙立新",
        "灯塔市铝材产业园兴业路6号",
    ),
    DemoUnit(
        "univ",
        "辽东理工大学",
        "12210000MB1234567",
        "university",
        None,
        "周文博",
        "沈阳市浑南区智慧大街21号",
    ),
    DemoUnit(
        "institute",
        "辽阳市工业技术研究院",
        "12211000MB0A1B2C3",
        "institute",
        "211011",
        "钱卫东",
        "辽阳市太子河区科技路3号",
    ),
]

# username: (display name, role, unit key or None, county code or None, unit admin)
USERS = {
    "admin": ("系统管理员", Role.ADMIN, None, None, False),
    "city_staff": ("李静", Role.CITY_STAFF, None, None, False),
    "county_baita": ("王建国", Role.COUNTY_REVIEWER, None, "211002", False),
    "county_dengta": ("刘海燕", Role.COUNTY_REVIEWER, None, "211081", False),
    "applicant_a": ("张明", Role.APPLICANT, "lead_a", None, True),
    "applicant_b": ("陈晓东", Role.APPLICANT, "lead_b", None, True),
    "expert1": ("杨教授", Role.EXPERT, "univ", None, False),
    "expert2": ("吴研究员", Role.EXPERT, "institute", None, False),
    "expert3": ("郑高工", Role.EXPERT, None, None, False),
    "expert4": ("冯教授", Role.EXPERT, "univ", None, False),
    "expert5": ("何高工", Role.EXPERT, None, None, False),
}


@transaction.atomic
def seed_units() -> dict[str, Organization]:
    counties = {c.code: c for c in County.objects.exclude(code=None)}
    units = {}
    for unit in UNITS:
        units[unit.key], _ = Organization.objects.update_or_create(
            uscc=make_uscc(unit.uscc17),
            defaults={
                "name": unit.name,
                "kind": unit.kind,
                "county": counties.get(unit.county_code),
                "legal_representative": unit.legal_representative,
                "address": unit.address,
            },
        )
    # The demo's units were registered and verified long ago (DESIGN.md §13).
    Organization.objects.filter(
        pk__in=[u.pk for u in units.values()], verified_at__isnull=True
    ).update(verified_at=timezone.now())
    return units


@transaction.atomic
def seed_users(*, password: str) -> list[str]:
    """Create or refresh the demo users; returns their usernames in order."""
    User = get_user_model()
    units = seed_units()
    counties = {c.code: c for c in County.objects.exclude(code=None)}
    groups = {g.name: g for g in Group.objects.filter(name__in=[r.value for r in Role])}
    for username, (display, role, unit_key, county_code, unit_admin) in USERS.items():
        is_admin = role is Role.ADMIN
        # City staff use the admin for the integrity records and the unit register.
        is_staff = is_admin or role is Role.CITY_STAFF
        user, created = User.objects.update_or_create(
            username=username,
            defaults={
                "first_name": display,
                "email": f"{username}@demo.invalid",
                "is_staff": is_staff,
                "is_superuser": is_admin,
                "is_active": True,
            },
        )
        if created or not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        user.groups.set([groups[role.value]])
        UserProfile.objects.update_or_create(
            user=user,
            defaults={
                "organization": units.get(unit_key),
                "county": counties.get(county_code),
                "is_unit_admin": unit_admin,
            },
        )
        if role is Role.APPLICANT:
            attach_user_to_unit(user=user, organization=units[unit_key], is_unit_admin=unit_admin)
    return list(USERS)

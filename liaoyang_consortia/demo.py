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
    # Lead units: each demo application of a county has its own lead (DESIGN.md §10), as a
    # county's clerk would see it; applicant_a and applicant_b are the documented two.
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
        "lead_c",
        "辽阳博瑞催化新材料有限公司",
        "91211002MA0B4R6T8",
        "enterprise",
        "211002",
        "李国强",
        "辽阳市白塔区中华大街126号",
    ),
    DemoUnit(
        "lead_d",
        "辽阳鼎诚智能装备有限公司",
        "91211002MA0D2C7N5",
        "enterprise",
        "211002",
        "王德顺",
        "辽阳市白塔区卫进路45号",
    ),
    DemoUnit(
        "lead_e",
        "辽阳绿源节能环保科技有限公司",
        "91211002MA0L6Y3E9",
        "enterprise",
        "211002",
        "刘振东",
        "辽阳市白塔区民主路17号",
    ),
    DemoUnit(
        "lead_f",
        "辽阳精创增材制造技术有限公司",
        "91211002MA0J8C2M4",
        "enterprise",
        "211002",
        "陈志远",
        "辽阳市白塔区胜利路202号",
    ),
    DemoUnit(
        "lead_g",
        "辽阳天润新材料股份有限公司",
        "91211002MA0T7R1N6",
        "enterprise",
        "211002",
        "杨天明",
        "辽阳市白塔区新华路9号",
    ),
    DemoUnit(
        "lead_h",
        "辽阳宏泰精细化学品有限公司",
        "91211002MA0H5T9X2",
        "enterprise",
        "211002",
        "赵永和",
        "辽阳市白塔区南门路66号",
    ),
    DemoUnit(
        "lead_i",
        "辽阳康泽生物医药有限公司",
        "91211002MA0K7E4B3",
        "enterprise",
        "211002",
        "黄世康",
        "辽阳市白塔区青年大街31号",
    ),
    DemoUnit(
        "lead_j",
        "辽阳中研催化材料有限公司",
        "91211002MA0C9Y5H1",
        "enterprise",
        "211002",
        "周立峰",
        "辽阳市白塔区新运大街260号",
    ),
    DemoUnit(
        "lead_k",
        "灯塔市佳禾医药化工有限公司",
        "91211081MA0J3H8W5",
        "enterprise",
        "211081",
        "吴长青",
        "灯塔市万宝桥街道工业路12号",
    ),
    DemoUnit(
        "lead_l",
        "灯塔市金鼎铝业科技有限公司",
        "91211081MA0G6D1L7",
        "enterprise",
        "211081",
        "徐金山",
        "灯塔市铝材产业园兴业路28号",
    ),
    DemoUnit(
        "lead_m",
        "灯塔市驰远汽车部件有限公司",
        "91211081MA0C4Y7R2",
        "enterprise",
        "211081",
        "孙驰",
        "灯塔市烟台街道园区路5号",
    ),
    DemoUnit(
        "lead_n",
        "灯塔市华铝复合材料有限公司",
        "91211081MA0H9L2F6",
        "enterprise",
        "211081",
        "马建平",
        "灯塔市铝材产业园振兴路3号",
    ),
    # Members of the ready application (applications/demo.py MEMBER_UNITS), with their
    # legal representatives; no demo expert works at either.
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
    # The experts' employers: universities and institutes of Liaoning that are members of
    # no demo application, so a draw for any of them need not recuse anyone.
    DemoUnit(
        "hg_univ",
        "东北化工大学",
        "12210000MB0C5H7K2",
        "university",
        None,
        "高延平",
        "沈阳市铁西区经济技术开发区11号路",
    ),
    DemoUnit(
        "cl_inst",
        "辽宁材料科学研究院",
        "12210000MB0E8L3P6",
        "institute",
        None,
        "贺新民",
        "沈阳市沈河区文化路72号",
    ),
    DemoUnit(
        "ys_inst",
        "辽沈有色金属研究院",
        "12210100MB0F2N9Q4",
        "institute",
        None,
        "邓宝山",
        "沈阳市于洪区北陵大街16号",
    ),
    DemoUnit(
        "ln_univ",
        "辽南科技大学",
        "12210300MB0G4T6W1",
        "university",
        None,
        "罗振邦",
        "鞍山市高新区千山中路185号",
    ),
    DemoUnit(
        "zz_inst",
        "沈阳先进制造技术研究院",
        "12210100MB0H7X2R5",
        "institute",
        None,
        "谢广志",
        "沈阳市浑南区创新路199号",
    ),
    DemoUnit(
        "yy_inst",
        "辽宁生物医药研究院",
        "12210000MB0J9A4C8",
        "institute",
        None,
        "彭淑华",
        "沈阳市和平区南京南街36号",
    ),
    DemoUnit(
        "dt_center",
        "辽宁低碳发展研究中心",
        "12210000MB0K1D6E3",
        "institute",
        None,
        "蒋文清",
        "沈阳市皇姑区崇山东路48号",
    ),
]

# username: (display name, role, unit key or None, county code or None, unit admin).
# An expert's unit is their employer (reviews/experts/demo.py), used for recusal.
USERS = {
    "admin": ("系统管理员", Role.ADMIN, None, None, False),
    "city_staff": ("李静", Role.CITY_STAFF, None, None, False),
    "county_baita": ("王建国", Role.COUNTY_REVIEWER, None, "211002", False),
    "county_dengta": ("刘海燕", Role.COUNTY_REVIEWER, None, "211081", False),
    "applicant_a": ("张明", Role.APPLICANT, "lead_a", None, True),
    "applicant_b": ("陈晓东", Role.APPLICANT, "lead_b", None, True),
    "applicant_c": ("李娜", Role.APPLICANT, "lead_c", None, True),
    "applicant_d": ("王磊", Role.APPLICANT, "lead_d", None, True),
    "applicant_e": ("刘洋", Role.APPLICANT, "lead_e", None, True),
    "applicant_f": ("陈思远", Role.APPLICANT, "lead_f", None, True),
    "applicant_g": ("杨帆", Role.APPLICANT, "lead_g", None, True),
    "applicant_h": ("赵丽华", Role.APPLICANT, "lead_h", None, True),
    "applicant_i": ("黄伟", Role.APPLICANT, "lead_i", None, True),
    "applicant_j": ("周建华", Role.APPLICANT, "lead_j", None, True),
    "applicant_k": ("吴桂芳", Role.APPLICANT, "lead_k", None, True),
    "applicant_l": ("徐海涛", Role.APPLICANT, "lead_l", None, True),
    "applicant_m": ("孙浩", Role.APPLICANT, "lead_m", None, True),
    "applicant_n": ("马晓明", Role.APPLICANT, "lead_n", None, True),
    "expert1": ("杨文涛", Role.EXPERT, "hg_univ", None, False),
    "expert2": ("吴雅琴", Role.EXPERT, "cl_inst", None, False),
    "expert3": ("郑永刚", Role.EXPERT, "ys_inst", None, False),
    "expert4": ("冯淑芬", Role.EXPERT, "ln_univ", None, False),
    "expert5": ("何建军", Role.EXPERT, "zz_inst", None, False),
    "expert6": ("林晓燕", Role.EXPERT, "yy_inst", None, False),
    "expert7": ("韩志强", Role.EXPERT, "ln_univ", None, False),
    "expert8": ("唐慧敏", Role.EXPERT, "hg_univ", None, False),
    "expert9": ("曹德明", Role.EXPERT, "dt_center", None, False),
    "expert10": ("许振宇", Role.EXPERT, "yy_inst", None, False),
    # Spare breadth: with one expert 暂停 and one at the yearly cap (reviews/experts/demo.py),
    # every field still has one more expert than a draw needs.
    "expert11": ("孙立新", Role.EXPERT, "zz_inst", None, False),
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

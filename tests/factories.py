import functools
import hashlib
import itertools
from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone
from guardian.shortcuts import assign_perm
from zeal import zeal_ignore

from applications import policy
from applications.models import (
    AGREEMENT_CLAUSES,
    MECHANISMS,
    Agreement,
    Application,
    Attachment,
    ChiefExpert,
    Membership,
)
from members.models import County, IndustryField, Organization, UserProfile
from members.roles import Role
from members.services import attach_user_to_unit, unit_group
from members.validators import uscc_check_character

PASSWORD = "correct-horse-battery-9"
# The smallest file every PDF reader accepts as a (blank) one-page PDF.
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
_serial = itertools.count(1)


def arranging(helper):
    """Test data is made one row at a time on purpose (get_or_create, a County or Group
    looked up per user): the N+1 detector (tests/nplusone.py) watches the code under test,
    not the arrangement, so nothing a helper like this does counts towards an N+1."""

    @functools.wraps(helper)
    def wrapper(*args, **kwargs):
        with zeal_ignore():
            return helper(*args, **kwargs)

    return wrapper


class ArrangingFactory(factory.django.DjangoModelFactory):
    """A factory whose rows are arrangement, as for `arranging` above."""

    class Meta:
        abstract = True

    @classmethod
    def _generate(cls, strategy, params):
        with zeal_ignore():
            return super()._generate(strategy, params)


def valid_uscc(prefix: str = "91211002", serial: int | None = None) -> str:
    """A valid code: the prefix (kind + division), a serial organisation code, the check."""
    n = next(_serial) if serial is None else serial
    first17 = f"{prefix}{n:09d}"[:17]
    return first17 + uscc_check_character(first17)


class OrganizationFactory(ArrangingFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"辽阳测试单位{n}有限公司")
    uscc = factory.LazyFunction(valid_uscc)
    kind = Organization.Kind.ENTERPRISE
    county = factory.LazyFunction(lambda: County.objects.get(code="211002"))
    legal_representative = "张三"
    # Verified (DESIGN.md §13) unless a test makes a registrant's unit.
    verified_at = factory.LazyFunction(timezone.now)


class UserFactory(ArrangingFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


@arranging
def make_user(username: str, role: Role, *, county_code: str | None = None):
    """A user in the role's group, with the profile that role needs."""
    user = UserFactory(username=username, is_staff=role in (Role.ADMIN, Role.CITY_STAFF))
    user.groups.add(Group.objects.get(name=role.value))
    county = County.objects.get(code=county_code) if county_code else None
    organization = None
    if role is Role.APPLICANT:
        organization = OrganizationFactory(county=county)
    elif role is Role.EXPERT:
        organization = OrganizationFactory(
            kind=Organization.Kind.UNIVERSITY, uscc=valid_uscc("12210000"), county=None
        )
    UserProfile.objects.create(
        user=user,
        organization=organization,
        county=county if role is Role.COUNTY_REVIEWER else None,
        is_unit_admin=role is Role.APPLICANT,
    )
    if role is Role.APPLICANT:
        attach_user_to_unit(user=user, organization=organization, is_unit_admin=True)
    return user


# --- Applications ---------------------------------------------------------------------


@arranging
def pledge_all(subject):
    """Every current unit of an application or an assessment gives its research-integrity
    pledge (科研诚信承诺), as if each had done so through its link; units that already
    pledged are left as they are."""
    from members.integrity import rules as pledge_rules
    from members.integrity import selectors as pledges
    from members.integrity.models import IntegrityPledge

    kind = pledges.subject_kind(subject)
    done = pledges.pledges_of(subject)
    IntegrityPledge.objects.bulk_create(
        IntegrityPledge(
            **{kind: subject},
            organization=unit,
            person="单位负责人",
            person_title="法定代表人",
            pledged_on=timezone.localdate(),
            statement=pledge_rules.PLEDGE_STATEMENT,
            via=IntegrityPledge.Via.LINK,
        )
        for unit in pledges.current_units(subject)
        if unit.pk not in done
    )
    return subject


@arranging
def make_complete_application(
    *, lead=None, creator=None, units: int = 8, pledged: bool = True, **overrides
):
    """An application that passes every rule: the lead, units-1 members (one a university),
    a full plan, the agreement with every clause, a chief expert, every unit signed,
    confirmed and pledged (pledged=False leaves the pledges to the test). Tests then break
    one thing at a time."""

    lead = lead or OrganizationFactory(name="辽阳华晟精细化工有限公司")
    creator = creator or UserFactory()
    fields = {
        "name_core": "精细化工",
        "industry_field": IndustryField.objects.get(name="芳烃及精细化工"),
        "lead": lead,
        "lead_sales_revenue": Decimal("52000.00"),
        "lead_rd_spend": Decimal("2080.00"),
        "lead_platforms": "辽宁省精细化工技术创新中心（省级，2021年）",
        "lead_projects": "辽阳市重大科技专项：芳烃下游高端化学品关键技术（2023-2025）",
        "goals": "三年内突破芳烃精深加工关键技术5项。",
        "key_technologies": "高选择性催化加氢；连续流微反应。",
        "roadmap": "2026年中试，2027年示范线，2028年产业化。",
        "tasks": "协同攻关、成果转化、人才培养、标准制定。",
        "resources": "共享中试基地与分析测试平台。",
        "fund_supervision": "设立专账，理事会季度审计。",
        "council": "理事长：赵志刚（牵头单位）；理事：各成员单位负责人。",
        "research_team": "研发人员120人，其中高级职称35人。",
        "duration_years": 3,
        "created_by": creator,
        **{name: "已建立并写入章程。" for name, _ in MECHANISMS},
    }
    fields.update(overrides)
    application = Application.objects.create(**fields)
    for perm in (policy.VIEW, policy.CHANGE):
        assign_perm(perm, unit_group(lead), application)
    now = timezone.now()
    signed = {
        "signatory": "法定代表人",
        "signed_on": date(2026, 10, 8),
        "sealed": True,
        "confirmed_at": now,
        "confirmed_by": "单位联系人",
    }
    Membership.objects.create(
        application=application,
        organization=lead,
        role=Membership.Role.LEAD,
        task_share="总体设计与产业化",
        **signed,
    )
    for i in range(1, units):
        org = (
            OrganizationFactory(
                kind=Organization.Kind.UNIVERSITY,
                uscc=valid_uscc("12210000"),
                county=None,
                name="辽东理工大学",
            )
            if i == 1
            else OrganizationFactory()
        )
        Membership.objects.create(
            application=application,
            organization=org,
            task_share=f"子课题{i}",
            sort_order=i,
            **signed,
        )
    Agreement.objects.create(
        application=application,
        duration_years=3,
        signed_on=date(2026, 10, 8),
        clauses={code: f"第{n}条" for n, (code, _) in enumerate(AGREEMENT_CLAUSES, start=1)},
    )
    for kind, name in [
        (Attachment.Kind.AGREEMENT_SCAN, "组建协议（签章版）.pdf"),
        (Attachment.Kind.BUSINESS_LICENCE, "营业执照.pdf"),
    ]:
        content = MINIMAL_PDF
        Attachment.objects.create(
            application=application,
            kind=kind,
            file=ContentFile(content, name="upload"),
            original_name=name,
            content_type="application/pdf",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=creator,
        )
    ChiefExpert.objects.create(
        application=application,
        name="杨振华",
        title="教授",
        employer="辽东理工大学",
        field="精细化工",
        achievements="国家科技进步二等奖",
        phone="13800000000",
    )
    if pledged:
        pledge_all(application)
    return application


@arranging
def make_filed_member_change(*, consortium, organization, by):
    """A unit's withdrawal from a consortium, filed with its signed supplementary agreement
    (补充协议): what city staff find waiting to decide."""
    from applications.models import MemberChange

    return MemberChange.objects.create(
        consortium=consortium,
        kind=MemberChange.Kind.REMOVE,
        organization=organization,
        reason="战略调整退出",
        agreement=ContentFile(MINIMAL_PDF, name="upload"),
        agreement_name="补充协议.pdf",
        agreement_type="application/pdf",
        agreement_sha256=hashlib.sha256(MINIMAL_PDF).hexdigest(),
        status=MemberChange.Status.FILED,
        created_by=by,
        filed_at=timezone.now(),
    )

import itertools

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from members.models import County, Organization, UserProfile
from members.roles import Role
from members.validators import uscc_check_character

PASSWORD = "correct-horse-battery-9"
_serial = itertools.count(1)


def valid_uscc(prefix: str = "91211002", serial: int | None = None) -> str:
    """A valid code: the prefix (kind + division), a serial organisation code, the check."""
    n = next(_serial) if serial is None else serial
    first17 = f"{prefix}{n:09d}"[:17]
    return first17 + uscc_check_character(first17)


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"辽阳测试单位{n}有限公司")
    uscc = factory.LazyFunction(valid_uscc)
    kind = Organization.Kind.ENTERPRISE
    county = factory.LazyFunction(lambda: County.objects.get(code="211002"))
    legal_representative = "张三"


class UserFactory(factory.django.DjangoModelFactory):
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


def make_user(username: str, role: Role, *, county_code: str | None = None):
    """A user in the role's group, with the profile that role needs."""
    user = UserFactory(username=username, is_staff=role is Role.ADMIN)
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
    return user

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from members.models import County, IndustryField, Organization, UserProfile
from members.roles import Role
from tests.factories import OrganizationFactory, UserFactory, valid_uscc

pytestmark = pytest.mark.django_db


def test_it_seeds_the_seven_county_level_units_with_their_gb_t_2260_codes():
    coded = dict(County.objects.exclude(code=None).values_list("code", "name"))
    assert coded == {
        "211002": "白塔区",
        "211003": "文圣区",
        "211004": "宏伟区",
        "211005": "弓长岭区",
        "211011": "太子河区",
        "211021": "辽阳县",
        "211081": "灯塔市",
    }
    assert County.objects.filter(code=None, name="辽阳高新技术产业开发区").exists()


def test_it_seeds_the_industry_fields_of_article_5():
    names = set(IndustryField.objects.filter(in_scope=True).values_list("name", flat=True))
    assert {
        "增材制造",
        "双碳",
        "医药健康",
        "新材料",
        "芳烃及精细化工",
        "铝合金精深加工",
        "先进装备制造及汽车零部件",
    } <= names


def test_it_creates_a_group_per_role():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_it_grants_the_admin_role_every_permission_of_the_portal():
    admin = Group.objects.get(name=Role.ADMIN.value)
    codenames = set(admin.permissions.values_list("codename", flat=True))
    assert {
        "change_organization",
        "change_county",
        "change_user",
        "view_accessattempt",
    } <= codenames


def test_it_refuses_an_organization_with_a_bad_code():
    code = valid_uscc()
    wrong_check = "0" if code[-1] != "0" else "1"
    org = OrganizationFactory.build(uscc=code[:17] + wrong_check)
    with pytest.raises(ValidationError) as err:
        org.full_clean()
    assert "校验位" in err.value.message_dict["uscc"][0]


def test_it_stores_the_code_normalised_and_unique():
    code = valid_uscc()
    org = OrganizationFactory(uscc=code.lower())
    org.refresh_from_db()
    assert org.uscc == code
    dup = OrganizationFactory.build(uscc=f" {code.lower()} ")
    with pytest.raises(ValidationError) as err:
        dup.full_clean()
    assert "uscc" in err.value.message_dict


def test_it_treats_a_unit_without_county_as_outside_liaoyang():
    org = OrganizationFactory(county=None)
    assert not org.in_liaoyang
    assert org.location_display == "辽阳市外"
    assert Organization.objects.get(pk=org.pk).location_display == "辽阳市外"


def test_it_requires_a_county_for_a_county_reviewer_profile():
    user = UserFactory(username="reviewer")
    user.groups.add(Group.objects.get(name=Role.COUNTY_REVIEWER.value))
    with pytest.raises(ValidationError) as err:
        UserProfile(user=user).full_clean()
    assert "county" in err.value.message_dict


def test_it_requires_a_unit_for_an_applicant_profile():
    user = UserFactory(username="applicant")
    user.groups.add(Group.objects.get(name=Role.APPLICANT.value))
    with pytest.raises(ValidationError) as err:
        UserProfile(user=user).full_clean()
    assert "organization" in err.value.message_dict

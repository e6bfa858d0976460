"""Fuzzing the expert's self-registration and own profile forms (issue 14): hypothesis posts
generated input (long, empty, control characters with NUL, other scripts, wrong types) to
the public register page and to the expert's profile form. Never a server error; a refused
post answers 422 with what was typed still in the form and nothing written. Each example
runs in a savepoint rolled back."""

import pytest
from captcha.models import CaptchaStore
from django.db import transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from members.models import IndustryField
from reviews.experts import services_registration as services
from reviews.models import ExpertAvoidance, ExpertProfile
from tests.factories import OrganizationFactory
from tests.reviews.test_expert_registration import PASSWORD, details, pdf
from tests.security.test_fuzz_forms import FUZZ, VALUES
from tests.security.test_fuzz_pledges import _kept

pytestmark = pytest.mark.django_db

CHECKBOX = st.one_of(VALUES, st.sampled_from(["on", "1", "true", ""]))


def _rows():
    return (
        list(ExpertProfile.objects.order_by("pk").values()),
        list(ExpertAvoidance.objects.order_by("pk").values()),
    )


def _post(client, url, data, typed):
    before = _rows()
    with transaction.atomic():
        response = client.post(url, data)
        assert response.status_code in (302, 422), (data, response.status_code)
        if response.status_code == 422:
            body = response.content.decode()
            assert _rows() == before, "a refused post wrote something"
            for value in typed:
                assert _kept(body, value), (value, data)
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ACCOUNT_RATE_LIMIT_PER_HOUR = 0  # the limit has its own test


@pytest.fixture
def employer(db):
    return OrganizationFactory(name="辽东理工大学")


@pytest.fixture
def field(db):
    return IndustryField.objects.filter(is_active=True).first()


def _captcha():
    key = CaptchaStore.generate_key()
    return {"captcha_0": key, "captcha_1": CaptchaStore.objects.get(hashkey=key).response}


@FUZZ
@given(
    name=VALUES,
    phone=VALUES,
    email=VALUES,
    keywords=VALUES,
    title=VALUES,
    level=VALUES,
    unit=VALUES,
    avoid=VALUES,
    reason=VALUES,
    fields=st.one_of(VALUES, st.just("FIELD")),
    declaration=CHECKBOX,
)
def test_it_survives_any_input_to_the_register_page(
    client,
    employer,
    field,
    name,
    phone,
    email,
    keywords,
    title,
    level,
    unit,
    avoid,
    reason,
    fields,
    declaration,
):
    data = {
        "name": name,
        "phone": phone,
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "fields": str(field.pk) if fields == "FIELD" else fields,
        "keywords": keywords,
        "title": title,
        "title_level": level,
        "employer": unit or employer.uscc,
        "avoid_0_unit": avoid,
        "avoid_0_reason": reason,
        "cv": pdf(),
        "declaration": declaration,
        **_captcha(),
    }
    typed = [v for v in (name, keywords, title, avoid, reason) if len(v) <= 50]
    _post(client, reverse("experts:register"), data, typed)


@FUZZ
@given(
    phone=VALUES,
    email=VALUES,
    keywords=VALUES,
    title=VALUES,
    level=VALUES,
    unit=VALUES,
    avoid=VALUES,
    reason=VALUES,
)
def test_it_survives_any_input_to_the_profile_form(
    client, employer, field, charlie, phone, email, keywords, title, level, unit, avoid, reason
):
    profile = _active_expert(employer, field, charlie)
    client.force_login(profile.user)
    data = {
        "phone": phone,
        "email": email,
        "fields": [str(field.pk)],
        "keywords": keywords,
        "title": title,
        "title_level": level,
        "employer": unit,
        "avoid_0_unit": avoid,
        "avoid_0_reason": reason,
    }
    typed = [v for v in (keywords, title, avoid, reason) if len(v) <= 50]
    _post(client, reverse("experts:profile_update"), data, typed)


def _active_expert(employer, field, charlie):
    profile = ExpertProfile.objects.filter(user__username="fuzz@example.cn").first()
    if profile is None:
        made = services.register_expert(
            name="模糊测试专家",
            email="fuzz@example.cn",
            password=PASSWORD,
            details=details(employer, field),
            cv=pdf(),
        )
        profile = services.verify_registration(
            actor=charlie, profile=services.confirm_email(token=made.email_token)
        )
    return profile

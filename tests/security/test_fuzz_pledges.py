"""Fuzzing the research-integrity pledge forms (科研诚信承诺, issue 13 point 7): hypothesis
posts generated input (long, empty, control characters with NUL, other scripts, wrong
types) to the public link page and to the unit's account form, and generated tokens to the
link page. Never a server error; a refused post answers 422 with what was typed still in
the form and nothing written. Each example runs in a savepoint rolled back."""

import pytest
from django.db import transaction
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from members.integrity import services
from members.integrity.models import IntegrityPledge
from tests.factories import make_complete_application
from tests.security.test_fuzz_forms import FUZZ, VALUES

pytestmark = pytest.mark.django_db

CHECKBOX = st.one_of(VALUES, st.sampled_from(["on", "1", "true", ""]))


def _kept(body, value):
    """What was typed is in the re-rendered form (NUL aside: Django refuses it before the
    field sees it; surrounding blanks are stripped)."""
    value = value.strip()
    return not value or "\x00" in value or escape(value) in body


def _rows():
    return list(IntegrityPledge.objects.values())


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


@pytest.fixture
def application(alice):
    return make_complete_application(lead=alice.profile.organization, creator=alice, pledged=False)


@pytest.fixture
def token(application):
    member = application.memberships.exclude(role="lead").first().organization
    return services.pledge_token(subject=application, organization=member)


@FUZZ
@given(person=VALUES, person_title=VALUES, confirmed=CHECKBOX)
def test_it_survives_any_input_to_the_link_page(client, token, person, person_title, confirmed):
    data = {"person": person, "person_title": person_title, "confirmed": confirmed}
    typed = [v for v in (person, person_title) if len(v) <= 50]
    _post(client, f"/integrity/pledge/{token}/", data, typed)


@FUZZ
@given(person=VALUES, person_title=VALUES, confirmed=CHECKBOX)
def test_it_survives_any_input_to_the_account_form(
    client, application, alice, person, person_title, confirmed
):
    client.force_login(alice)
    data = {"person": person, "person_title": person_title, "confirmed": confirmed}
    typed = [v for v in (person, person_title) if len(v) <= 50]
    _post(client, f"/integrity/pledge/application/{application.pk}/", data, typed)


@FUZZ
@given(
    token=st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"),
        min_size=1,
        max_size=300,
    )
)
def test_it_answers_any_token_with_a_clear_page(client, application, token):
    from urllib.parse import quote

    response = client.get(f"/integrity/pledge/{quote(token, safe='')}/")
    assert response.status_code in (404, 200), response.status_code
    if response.status_code == 404:
        assert "承诺链接" in response.content.decode()

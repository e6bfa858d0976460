"""Fuzzing the guide and intent forms (issue 13, points 1 and 2): hypothesis posts
generated input (long, empty, control characters with NUL, other scripts, wrong types,
dates) to the guide editor as city staff, the intent form as the unit and the answer form
as city staff. Never a server error; a refused post answers 422 with what was typed still
in the form and nothing written. Each example runs in a savepoint rolled back."""

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from applications.guides import services
from applications.guides.models import Guide, Intent
from members.models import IndustryField
from tests.security.test_fuzz_forms import FUZZ, VALUES

pytestmark = pytest.mark.django_db

IDS = st.one_of(VALUES, st.sampled_from(["1", "2", "7", "999999"]))


def _kept(body, value):
    """What was typed is in the re-rendered form (NUL aside: browsers never send it, and
    Django refuses it before the field sees it; surrounding blanks are stripped)."""
    value = value.strip()
    return not value or "\x00" in value or escape(value) in body


def _post(client, url, data, typed, rows):
    before = rows()
    with transaction.atomic():
        response = client.post(url, data)
        assert response.status_code in (302, 422), (data, response.status_code)
        if response.status_code == 422:
            body = response.content.decode()
            assert rows() == before, "a refused post wrote something"
            for value in typed:
                assert _kept(body, value), (value, data)
        transaction.set_rollback(True)


def _guides():
    return list(Guide.objects.values())


@FUZZ
@given(title=VALUES, document_number=VALUES, body=VALUES, deadline=VALUES, fields=IDS)
def test_it_survives_any_input_to_the_guide_editor(
    client, charlie, title, document_number, body, deadline, fields
):
    client.force_login(charlie)
    data = {
        "title": title,
        "document_number": document_number,
        "body": body,
        "targets": body,
        "deadline": deadline,
        "industry_fields": fields,
    }
    # Only values a field keeps when refused (a bad date or choice is shown as typed too).
    typed = [v for v in (title, document_number) if len(v) <= 100]
    _post(client, reverse("guides:new"), data, typed, _guides)


@pytest.fixture
def published(charlie):
    guide = services.save_guide(
        actor=charlie, values={"title": "2026年指南", "body": "正文"}, industry_fields=[]
    )
    return services.publish_guide(actor=charlie, guide=guide)


def _intents():
    return list(Intent.objects.values())


@FUZZ
@given(
    guide=IDS,
    field=IDS,
    name_core=VALUES,
    partners=VALUES,
    goals=VALUES,
    contact=VALUES,
    phone=VALUES,
    email=VALUES,
)
def test_it_survives_any_input_to_the_intent_form(
    client, alice, published, guide, field, name_core, partners, goals, contact, phone, email
):
    client.force_login(alice)
    data = {
        "guide": guide,
        "industry_field": field,
        "name_core": name_core,
        "partners": partners,
        "goals": goals,
        "contact_name": contact,
        "contact_phone": phone,
        "contact_email": email,
    }
    typed = [v for v in (partners, goals) if len(v) <= 5000]
    _post(client, reverse("intents:new"), data, typed, _intents)


@pytest.fixture
def intent(alice, published):
    return services.register_intent(
        actor=alice,
        values={
            "guide": published,
            "industry_field": IndustryField.objects.order_by("pk").first(),
            "name_core": "芳烃新材料",
            "partners": "辽东理工大学",
            "goals": "目标",
            "contact_name": "张明",
            "contact_phone": "0419-2100000",
            "contact_email": "",
        },
    )


@FUZZ
@given(answer=st.one_of(VALUES, st.sampled_from(["encourage", "improve", "decline"])), note=VALUES)
def test_it_survives_any_input_to_the_answer_form(client, charlie, intent, answer, note):
    client.force_login(charlie)
    typed = [note] if len(note) <= 5000 else []
    _post(
        client,
        reverse("intents:answer", args=[intent.pk]),
        {"answer": answer, "note": note},
        typed,
        _intents,
    )


@FUZZ
@given(name_core=VALUES, partners=VALUES, goals=VALUES, phone=VALUES, email=VALUES)
def test_it_survives_any_input_to_the_intent_edit_form(
    client, alice, intent, name_core, partners, goals, phone, email
):
    client.force_login(alice)
    data = {
        "guide": intent.guide_id,
        "industry_field": intent.industry_field_id,
        "name_core": name_core,
        "partners": partners,
        "goals": goals,
        "contact_name": "张明",
        "contact_phone": phone,
        "contact_email": email,
    }
    typed = [v for v in (partners, goals) if len(v) <= 5000]
    _post(client, reverse("intents:edit", args=[intent.pk]), data, typed, _intents)

"""Fuzzing the coordination item forms (art. 22, issue 13 point 4) as city staff:
hypothesis posts generated input (long, empty, control characters with NUL, other
scripts, wrong types, dates) to the assign, progress and answer forms and the list's
filter. Never a server error; a refused post answers 422 with what was typed still in the
field, and leaves the item as it was. Each example runs in a savepoint rolled back."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from reporting.coordination import services
from reporting.coordination.models import CoordinationItem, Department
from reporting.models import AnnualReport
from tests.reporting import make_consortium
from tests.security.test_fuzz_forms import FUZZ, VALUES

pytestmark = pytest.mark.django_db

DATES = st.one_of(
    VALUES,
    st.dates().map(lambda d: d.isoformat()),
    st.integers(-400, 400).map(lambda n: (timezone.localdate() + timedelta(n)).isoformat()),
)


@pytest.fixture
def item(alice):
    consortium = make_consortium(lead=alice.profile.organization)
    report = AnnualReport.objects.create(consortium=consortium, year=2026)
    item = CoordinationItem.objects.create(
        report=report, consortium=consortium, sequence=1, text="协调示范线建设用地"
    )
    CoordinationItem.objects.filter(pk=item.pk).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    item.refresh_from_db()
    return item


@pytest.fixture
def in_progress(item, charlie):
    services.assign(
        actor=charlie,
        item=item,
        department=Department.objects.order_by("pk").first(),
        due_on=timezone.localdate(),
    )
    return item


def _row(item):
    return CoordinationItem.objects.filter(pk=item.pk).values().get()


def _kept(body, value):
    """The typed text is in the re-rendered form (NUL aside: browsers never send it, and
    Django refuses it before the field sees it)."""
    return "\x00" in value or escape(value) in body


def _post(client, url, data, item, typed):
    before = _row(item)
    with transaction.atomic():
        response = client.post(url, data)
        assert response.status_code in (302, 422), (data, response.status_code)
        if response.status_code == 422:
            body = response.content.decode()
            assert _row(item) == before, "a refused post changed the item"
            for value in typed:
                assert _kept(body, value), (value, data)
        transaction.set_rollback(True)


@FUZZ
@given(
    department=st.one_of(VALUES, st.sampled_from(["1", "5", "12", "999"])),
    due_on=DATES,
)
def test_it_survives_any_input_to_the_assign_form(client, charlie, item, department, due_on):
    client.force_login(charlie)
    data = {"assign-department": department, "assign-due_on": due_on}
    url = reverse("coordination:assign", args=[item.pk])
    _post(client, url, data, item, typed=[due_on.strip()] if due_on.strip() else [])


@FUZZ
@given(note=VALUES)
def test_it_survives_any_input_to_the_progress_form(client, charlie, in_progress, note):
    client.force_login(charlie)
    url = reverse("coordination:progress", args=[in_progress.pk])
    _post(client, url, {"progress-note": note}, in_progress, typed=[note] if note.strip() else [])


@FUZZ
@given(reply=VALUES)
def test_it_survives_any_input_to_the_answer_form(client, charlie, in_progress, reply):
    client.force_login(charlie)
    url = reverse("coordination:answer", args=[in_progress.pk])
    _post(client, url, {"answer-reply": reply}, in_progress, typed=[reply] if reply.strip() else [])


def test_a_blank_answer_is_refused_and_the_item_stays_in_progress(client, charlie, in_progress):
    client.force_login(charlie)
    for reply in ["", " ", "\u3000", "\r\n\t"]:
        r = client.post(
            reverse("coordination:answer", args=[in_progress.pk]), {"answer-reply": reply}
        )
        assert r.status_code == 422
        assert "请填写答复意见" in r.content.decode()
    assert _row(in_progress)["status"] == CoordinationItem.Status.IN_PROGRESS


@FUZZ
@given(status=VALUES, department=VALUES, overdue=VALUES)
def test_it_survives_any_filter_of_the_list(client, charlie, item, status, department, overdue):
    client.force_login(charlie)
    for url in (reverse("coordination:list"), reverse("coordination:export")):
        r = client.get(url, {"status": status, "department": department, "overdue": overdue})
        assert r.status_code == 200, (status, department, overdue)

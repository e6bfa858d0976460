"""Fuzzing the expert library's forms (DESIGN.md §16) as city staff: hypothesis posts
generated input (long, empty, control characters with NUL, other scripts, numbers out of
range) to the rating form and sends it to the library's filter and its export. Never a
server error; a refused rating answers 422 with the typed note kept and the review as it
was. Each example runs in a savepoint rolled back."""

# ruff: noqa: F811 (the fixtures imported from test_expert_library are arguments here)
import pytest
from django.db import transaction
from django.urls import reverse
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from reviews.models import ExpertAssignment
from tests.reviews.test_expert_library import submitted, world  # noqa: F401 (fixtures)
from tests.security.test_fuzz_forms import FUZZ, VALUES

pytestmark = pytest.mark.django_db

RATINGS = st.one_of(VALUES, st.integers(-3, 8).map(str))


def _row(assignment):
    return (
        ExpertAssignment.objects.filter(pk=assignment.pk)
        .values("rating", "rating_note", "rated_by", "rated_at")
        .get()
    )


@FUZZ
@given(rating=RATINGS, note=VALUES)
def test_it_survives_any_input_to_the_rating_form(client, charlie, submitted, rating, note):
    client.force_login(charlie)
    before = _row(submitted)
    with transaction.atomic():
        response = client.post(
            reverse("experts:rate", args=[submitted.pk]), {"rating": rating, "note": note}
        )
        assert response.status_code in (302, 422), (rating, note, response.status_code)
        after = _row(submitted)
        if response.status_code == 422:
            assert after == before, "a refused rating changed the review"
            if note.strip() and "\x00" not in note:
                assert escape(note) in response.content.decode()
        else:
            assert 1 <= after["rating"] <= 5 and str(after["rating"]) == rating.strip()
            assert after["rating"] > 2 or after["rating_note"]
        transaction.set_rollback(True)


@FUZZ
@given(q=VALUES, field=VALUES, status=VALUES, employer=VALUES, cap=VALUES)
def test_it_survives_any_filter_of_the_library(
    client,
    charlie,
    world,
    q,
    field,
    status,
    employer,
    cap,
):
    client.force_login(charlie)
    params = {"q": q, "field": field, "status": status, "employer": employer, "cap": cap}
    for url in (reverse("experts:pool"), reverse("experts:pool_export")):
        response = client.get(url, params)
        assert response.status_code == 200, params

"""Privacy of the expert library (issue 14, point 8): an applicant or lead never sees an
expert's name, score or rating; an expert never sees another expert; mobile numbers are
shown to city staff only. Each check reads the rendered HTML (and the PDF's text) of the
pages these roles can reach for an application under expert review and after naming, and
for an assessment under review and published."""

import random
import re
import subprocess
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import workflow
from applications.models import Consortium
from members.models import IndustryField
from reporting.assessments.models import Assessment
from reviews.experts import services as experts
from reviews.experts import services_library
from reviews.models import ExpertAssignment, ExpertProfile
from tests.factories import arranging
from tests.reviews.test_assessment_review import make_assessment
from tests.reviews.test_experts import (
    FIELD,
    accept_all,
    fetch,
    in_city_intake,
    make_experts,
    score_all,
)

pytestmark = pytest.mark.django_db

DORA_PHONE = "13911110000"


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "page.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return re.sub(r"\s+", "", text)


@arranging
def dora_expert(dora):
    profile = ExpertProfile.objects.create(
        user=dora, name="窦评审", phone=DORA_PHONE, status=ExpertProfile.Status.ACTIVE
    )
    profile.fields.set(IndustryField.objects.filter(name=FIELD))
    return profile


@arranging
def give_phones(profiles):
    for i, p in enumerate(profiles):
        ExpertProfile.objects.filter(pk=p.pk).update(phone=f"1397654{i:04d}")


def others_of(dora_profile):
    return list(ExpertProfile.objects.exclude(pk=dora_profile.pk))


def secrets_of(profiles):
    """What must not leak of these experts: their names and their mobiles."""
    out = []
    for p in ExpertProfile.objects.filter(pk__in=[p.pk for p in profiles]):
        out += [p.name, p.phone]
    return [s for s in out if s]


@pytest.fixture
def reviewed(alice, bob, charlie, dora):
    """alice's application under expert review: dora and two others scored, city staff
    rated every review with a note."""
    me = dora_expert(dora)
    others = make_experts(2, prefix="pv")
    give_phones(others)
    application = in_city_intake(alice, bob)
    experts.draw_experts(actor=charlie, application=application, count=3, rng=random.Random(3))
    accept_all(application)
    workflow.perform(actor=charlie, application_id=application.pk, transition="start_expert_review")
    score_all(application, [81, 86, 92], [True, True, False])
    for a in ExpertAssignment.objects.filter(application=application).select_related("expert"):
        services_library.rate_review(
            actor=charlie, assignment=a, rating=2, note=f"评价说明{a.expert.name}"
        )
    return {"application": fetch(application), "dora": me, "others": others}


def rating_notes():
    return list(
        ExpertAssignment.objects.exclude(rating_note="").values_list("rating_note", flat=True)
    )


def assert_hidden(body, secrets, where):
    for secret in secrets:
        assert secret not in body, f"{secret!r} shown on {where}"


def test_an_applicant_never_sees_an_expert_or_a_rating_during_the_review(
    client, alice, bob, reviewed, tmp_path
):
    app = reviewed["application"]
    secrets = secrets_of([reviewed["dora"], *reviewed["others"]]) + rating_notes()
    assert len(secrets) == 9
    for user in (alice, bob):
        client.force_login(user)
        page = client.get(reverse("applications:detail", args=[app.pk]))
        assert page.status_code == 200
        assert_hidden(page.content.decode(), secrets, f"the application page for {user}")
        pdf = client.get(reverse("applications:pdf", args=[app.pk]))
        assert pdf.status_code == 200
        assert_hidden(pdf_text(pdf.content, tmp_path), secrets, f"the PDF for {user}")


def test_an_expert_never_sees_another_expert(client, dora, reviewed):
    client.force_login(dora)
    secrets = secrets_of(reviewed["others"]) + rating_notes() + [DORA_PHONE]
    for url in (
        reverse("applications:detail", args=[reviewed["application"].pk]),
        reverse("experts:tasks"),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert_hidden(response.content.decode(), secrets, url)


def test_a_lead_never_sees_the_experts_after_naming(client, alice, reviewed, tmp_path):
    app = reviewed["application"]
    consortium = Consortium.objects.create(
        application=app,
        name=app.display_name,
        number="LYCXLHT-2026-901",
        decision_number="辽市科发〔2026〕901号",
        named_on=date(2026, 6, 1),
        lead=app.lead,
        industry_field=app.industry_field,
    )
    secrets = secrets_of([reviewed["dora"], *reviewed["others"]]) + rating_notes()
    client.force_login(alice)
    for url in (
        reverse("applications:detail", args=[app.pk]),
        reverse("consortia:detail", args=[consortium.pk]),
        reverse("consortia:detail", args=[consortium.pk]).replace("/consortia/", "/my-consortia/"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_hidden(response.content.decode(), secrets, url)
    pdf = client.get(reverse("applications:pdf", args=[app.pk]))
    assert_hidden(pdf_text(pdf.content, tmp_path), secrets, "the PDF after naming")


def test_a_lead_never_sees_the_experts_of_its_assessment(client, alice, charlie, dora, tmp_path):
    me = dora_expert(dora)
    [other] = make_experts(1, prefix="as")
    give_phones([other])
    assessment = make_assessment(
        lead=alice.profile.organization, charlie=charlie, state="expert_review"
    )
    for expert in (me, other):
        a = ExpertAssignment.objects.create(
            assessment=assessment,
            expert=expert,
            method=ExpertAssignment.Method.DRAW,
            sheet=assessment.round.template.score_sheet,
            assigned_by=charlie,
            status=ExpertAssignment.Status.SUBMITTED,
            submitted_at=timezone.now(),
        )
        services_library.rate_review(
            actor=charlie, assignment=a, rating=1, note=f"评价说明{expert.name}"
        )
    secrets = secrets_of([me, other]) + rating_notes()
    client.force_login(alice)
    for state in ("expert_review", "published"):
        Assessment.objects.filter(pk=assessment.pk).update(state=state, published_at=timezone.now())
        response = client.get(reverse("assessments:detail", args=[assessment.pk]))
        assert response.status_code == 200
        assert_hidden(response.content.decode(), secrets, f"the assessment page ({state})")
        pdf = client.get(reverse("assessments:pdf", args=[assessment.pk]))
        if pdf.status_code == 200:
            assert_hidden(pdf_text(pdf.content, tmp_path), secrets, f"the assessment PDF ({state})")


def test_only_city_staff_see_the_mobiles(client, charlie, reviewed):
    client.force_login(charlie)
    body = client.get(reverse("experts:pool")).content.decode()
    assert DORA_PHONE in body
    assert all(p.phone in body for p in ExpertProfile.objects.exclude(phone=""))
    page = client.get(reverse("experts:expert", args=[reviewed["dora"].pk])).content.decode()
    assert DORA_PHONE in page and "评价说明窦评审" in page

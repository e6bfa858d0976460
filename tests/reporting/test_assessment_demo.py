"""The assessment demo (issue 12 point 10, reporting/assessments/demo.py): seed_demo run twice
on a fresh database gives each demo round once, with every state of the round's life shown
by a demo lead's consortium, and changes nothing the second time."""

import pytest
from django.core.management import call_command

from reporting.assessments.demo import CURRENT, PAST, demo_assessments
from reporting.assessments.models import Rectification, Round
from reviews.models import ExpertAssignment, PublicNotice
from tests import nplusone

pytestmark = [pytest.mark.django_db, pytest.mark.zeal_allow(*nplusone.DEMO_SEEDING)]


def _rows():
    return sorted(
        (
            a.round.title,
            a.consortium.lead.uscc,
            a.state,
            a.grade,
            str(a.score),
            a.priority_recommendation,
        )
        for a in demo_assessments().select_related("consortium__lead")
    )


def test_seeding_twice_gives_the_rounds_once_with_every_state(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo")
    first = _rows()
    counts = (
        Round.objects.count(),
        ExpertAssignment.objects.filter(assessment__isnull=False).count(),
        PublicNotice.objects.filter(assessments__isnull=False).distinct().count(),
        Rectification.objects.count(),
    )
    call_command("seed_demo")
    assert _rows() == first
    assert counts == (
        Round.objects.count(),
        ExpertAssignment.objects.filter(assessment__isnull=False).count(),
        PublicNotice.objects.filter(assessments__isnull=False).distinct().count(),
        Rectification.objects.count(),
    )

    current = Round.objects.get(kind="annual", year=CURRENT[0])
    past = Round.objects.get(kind="annual", year=PAST[0])
    assert (current.title, current.status) == ("2026年度创新联合体考核", "open")
    assert past.status == "finished"  # closed, and every result published
    assessments = list(demo_assessments().select_related("consortium__lead"))
    states = sorted(a.state for a in assessments if a.round_id == current.pk)
    assert states == ["county_review", "expert_review", "self_assessment"]
    published = {a.grade: a for a in assessments if a.round_id == past.pk}
    assert set(published) == {"excellent", "fail"}
    assert all(a.state == "published" for a in published.values())

    # 优秀: recommended first; 不合格 (not submitted by the closing date): in rectification.
    assert published["excellent"].priority_recommendation
    assert published["excellent"].score >= past.band_excellent
    assert not published["fail"].priority_recommendation
    assert published["fail"].rectification.status == Rectification.Status.OPEN

    # Under expert review: the policy's experts drawn, one sheet in, the others still due.
    reviewing = next(a for a in assessments if a.state == "expert_review")
    statuses = sorted(reviewing.expert_assignments.values_list("status", flat=True))
    assert statuses == ["accepted", "accepted", "submitted"]
    # Every lead is a demo applicant's unit (the README says whom to sign in as).
    from django.contrib.auth import get_user_model

    leads = {
        u.profile.organization_id: u.username
        for u in get_user_model().objects.filter(username__startswith="applicant_")
    }
    assert {leads[a.consortium.lead_id] for a in assessments} == {
        "applicant_e",
        "applicant_j",
        "applicant_n",
    }

"""The demo can run its own chain (issue 11): after seed_demo, the ready application
(辽阳市芳烃精细化工创新联合体 of applicant_a) goes from submission to naming through the
services the views call, with a random draw of the policy's minimum number of experts that
nobody has to recuse from; and the demo's units are arranged as in life (one application
per lead unit in a county, no expert working at a unit of any demo application)."""

import random
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from applications import services, workflow
from applications.demo import CHAIN
from applications.models import Application, Consortium, Membership, State
from liaoyang_consortia import demo
from members.models import PolicyVersion
from reviews.decisions import services as decisions
from reviews.experts import services as experts
from reviews.experts.demo import EXPERTS
from reviews.models import Criterion, ExpertAssignment, ExpertProfile, MeetingDecision
from reviews.notices import services as notices
from tests import nplusone

pytestmark = [pytest.mark.django_db, pytest.mark.zeal_allow(*nplusone.DEMO_SEEDING)]

READY = "辽阳市芳烃精细化工创新联合体"
TZ = ZoneInfo("Asia/Shanghai")
# The states from which an application can still come to the expert review.
BEFORE_REVIEW = (State.DRAFT, State.RETURNED, State.COUNTY_REVIEW, State.CITY_INTAKE)


@pytest.fixture
def seeded(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo")
    return {u.username: u for u in get_user_model().objects.select_related("profile")}


def _ready():
    return next(a for a in Application.objects.select_related("lead") if a.display_name == READY)


def _pool(application):
    """The experts a draw for this application may pick (the service's own rule)."""
    today = timezone.localdate()
    return experts.eligible(
        experts._candidates(application, today=today),
        experts.member_unit_ids(application),
        application.industry_field_id,
        PolicyVersion.in_force(today).expert_yearly_cap,
    )


def test_it_takes_the_ready_application_from_submission_to_naming(seeded, time_machine):
    users = seeded
    city = users["city_staff"]
    application = _ready()
    assert application.lead == users["applicant_a"].profile.organization
    assert application.state == State.DRAFT

    services.submit(actor=users["applicant_a"], application_id=application.pk)
    workflow.perform(
        actor=users["county_baita"],
        application_id=application.pk,
        transition="county_recommend",
        comment="材料齐全，同意推荐。",
    )
    application = Application.objects.get(pk=application.pk)
    assert application.state == State.CITY_INTAKE

    # The draw the 抽取专家 button makes, with the number the form suggests.
    minimum = (
        application.policy_version or PolicyVersion.in_force(timezone.localdate())
    ).min_experts
    assert minimum >= 3
    drawn = experts.draw_experts(
        actor=city, application=application, count=minimum, rng=random.Random(11)
    )
    assert len(drawn) == minimum
    members = experts.member_unit_ids(application)
    assert all(a.expert.employer_id not in members for a in drawn)
    workflow.perform(actor=city, application_id=application.pk, transition="start_expert_review")

    for assignment in ExpertAssignment.objects.filter(application=application).select_related(
        "expert__user", "application"
    ):
        user = assignment.expert.user
        assert user.username in EXPERTS
        assignment = experts.declare(actor=user, assignment=assignment, conflict=False)
        assert assignment.status == ExpertAssignment.Status.ACCEPTED
        criteria = Criterion.objects.filter(sheet_id=assignment.sheet_id)
        experts.submit_scores(
            actor=user,
            assignment=assignment,
            points={c.pk: c.max_points * 9 // 10 for c in criteria},
            recommend=True,
            opinion="组建条件具备，建设方案可行，同意推荐。",
        )
    workflow.perform(
        actor=city,
        application_id=application.pk,
        transition="pass_review",
        comment="专家组一致推荐，评审通过。",
    )

    today = timezone.localdate()
    notice = notices.publish_notice(
        actor=city,
        applications=[application],
        start_date=today,
        business_contact="辽阳市科学技术局成果转化与区域创新科，0419-2126000",
        supervision_contact="辽阳市科学技术局机关纪委，0419-2126001",
    )
    # The notice runs its working days; the daily job closes it, then the Party group meets.
    after = notice.end_date + timedelta(days=2)
    time_machine.move_to(datetime(after.year, after.month, after.day, 10, tzinfo=TZ), tick=False)
    closed = notices.close_ended_notices(today=timezone.localdate())
    # (The demo's own running notice ends by then too.)
    assert application.pk in [a.pk for a in closed]
    decisions.record_meeting(
        actor=city,
        meeting_date=timezone.localdate(),
        minutes_number=f"局党组会议纪要〔{after.year}〕99号",
        decisions=[(application, MeetingDecision.Outcome.APPROVE, "同意认定。")],
    )
    assert Application.objects.get(pk=application.pk).state == State.APPROVED
    assert Consortium.objects.get(application=application).name == READY


def test_every_demo_application_that_can_reach_the_review_has_experts_to_draw(seeded):
    waiting = list(Application.objects.filter(state__in=BEFORE_REVIEW))
    assert len(waiting) >= 4  # the ready one, a draft, one at the county, one at intake
    short = {}
    for application in waiting:
        minimum = (
            application.policy_version or PolicyVersion.in_force(timezone.localdate())
        ).min_experts
        # One more than the minimum: an expert who declares a conflict is replaced.
        if len(_pool(application)) < minimum + 1:
            short[application.display_name] = len(_pool(application))
    assert not short, short


def test_no_two_demo_applications_of_a_county_share_a_lead_unit(seeded):
    leads = Counter(Application.objects.values_list("lead__county__name", "lead__name"))
    assert len(leads) == len(CHAIN) + 3
    assert {county for county, _lead in leads} == {"白塔区", "灯塔市"}
    # One live application per lead unit: applicant_e's withdrawn one and the re-application
    # named for the assessment demo (reporting/assessments/demo.py ASSESSED) are the only pair.
    assert Application.objects.count() == len(CHAIN) + 4
    assert [pair for pair, n in leads.items() if n > 1] == [
        ("白塔区", "辽阳绿源节能环保科技有限公司")
    ]
    assert sorted(
        Application.objects.filter(lead__name="辽阳绿源节能环保科技有限公司").values_list(
            "state", flat=True
        )
    ) == ["approved", "withdrawn"]
    # The documented accounts lead their documented units.
    assert seeded["applicant_a"].profile.organization.name == "辽阳华晟精细化工有限公司"
    assert seeded["applicant_b"].profile.organization.name == "灯塔市铝友精密部件有限公司"


def test_no_demo_expert_works_at_a_unit_of_any_demo_application(seeded):
    profiles = list(ExpertProfile.objects.select_related("employer", "user"))
    assert {p.user.username for p in profiles} == set(EXPERTS)
    assert len(EXPERTS) >= 8
    assert all(p.employer is not None for p in profiles)
    units = set(Membership.objects.values_list("organization_id", flat=True))
    units |= set(Application.objects.values_list("lead_id", flat=True))
    assert [p.name for p in profiles if p.employer_id in units] == []
    # Realistic names: a person's name, not a title (杨教授) or a placeholder.
    for profile in profiles:
        assert 2 <= len(profile.name) <= 3 and not profile.name.endswith(("教授", "高工")), profile
        assert demo.USERS[profile.user.username][0] == profile.name


def test_the_demo_has_no_placeholder_names(seeded):
    from members.models import Organization

    names = [
        *Organization.objects.values_list("name", flat=True),
        *get_user_model().objects.values_list("first_name", flat=True),
        *(a.display_name for a in Application.objects.all()),
    ]
    bad = [n for n in names if any(mark in n for mark in ("××", "测试", "示例", "演示"))]
    assert bad == []

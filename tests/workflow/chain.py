"""The approval chain walked with the real services, for the transition tests of this
package: the people who take part (and those who must hear nothing), and a builder per
state of DESIGN.md §4 that brings a fresh application there the way the portal does."""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from applications import services, workflow
from applications.models import Application, State
from members.models import IndustryField
from members.roles import Role
from reviews.experts import services as experts
from reviews.models import Criterion, ExpertAssignment, ExpertProfile
from reviews.notices import services as notices
from tests.factories import arranging, make_complete_application, make_user

FIELD = "芳烃及精细化工"
EXPERTS = 3


@dataclass
class People:
    alice: object  # the applicant (the lead unit's administrator)
    bob: object  # county reviewer of the lead unit's county (白塔区)
    oscar: object  # county reviewer of another county: never told anything here
    charlie: object  # city staff
    mallory: object  # another unit's applicant: never told anything here
    experts: list  # the expert users of the pool (exactly EXPERTS, all drawn)

    def audience(self, name: str) -> set:
        """The users DESIGN.md §4's audiences name, for these people."""
        return {
            "applicant": {self.alice},
            "county": {self.bob},
            "city": {self.charlie},
            "experts": set(self.experts),
        }[name]

    @property
    def everyone(self) -> set:
        return {self.alice, self.bob, self.oscar, self.charlie, self.mallory, *self.experts}


@arranging
def people(alice, bob, charlie) -> People:
    field = IndustryField.objects.get(name=FIELD)
    pool = []
    for i in range(EXPERTS):
        user = make_user(f"wf-expert{i}", Role.EXPERT)
        profile = ExpertProfile.objects.create(
            user=user,
            name=f"流程专家{i}号",
            employer=user.profile.organization,
            status=ExpertProfile.Status.ACTIVE,
        )
        profile.fields.set([field])
        pool.append(user)
    return People(
        alice=alice,
        bob=bob,
        oscar=make_user("oscar", Role.COUNTY_REVIEWER, county_code="211081"),
        charlie=charlie,
        mallory=make_user("mallory", Role.APPLICANT, county_code="211002"),
        experts=pool,
    )


def fetch(application) -> Application:
    # django-fsm's protected state field cannot be refreshed in place.
    return Application.objects.select_related("lead").get(pk=application.pk)


def perform(actor, application, transition, comment="", **kwargs) -> Application:
    workflow.perform(
        actor=actor,
        application_id=application.pk,
        transition=transition,
        comment=comment,
        **kwargs,
    )
    return fetch(application)


# --- one builder per state -----------------------------------------------------------------


@arranging
def draft(p: People, **overrides) -> Application:
    return make_complete_application(
        lead=p.alice.profile.organization, creator=p.alice, **overrides
    )


@arranging
def county_review(p: People, **overrides) -> Application:
    application = draft(p, **overrides)
    services.submit(actor=p.alice, application_id=application.pk)
    return fetch(application)


@arranging
def returned_by_county(p: People) -> Application:
    return perform(p.bob, county_review(p), "county_return", "县区退回：请补充签章。")


@arranging
def city_intake(p: People) -> Application:
    return perform(p.bob, county_review(p), "county_recommend", "县区同意推荐。")


@arranging
def returned_by_city(p: People) -> Application:
    return perform(p.charlie, city_intake(p), "city_return", "市局退回：附件不清晰。")


@arranging
def experts_accepted(p: People, application=None) -> Application:
    """City intake, with every expert of the pool drawn and having declared no conflict."""
    application = application or city_intake(p)
    experts.draw_experts(
        actor=p.charlie, application=application, count=EXPERTS, rng=random.Random(1)
    )
    for a in ExpertAssignment.objects.filter(application=application).select_related(
        "expert__user"
    ):
        experts.declare(actor=a.expert.user, assignment=a, conflict=False)
    return fetch(application)


@arranging
def expert_review(p: People) -> Application:
    return perform(p.charlie, experts_accepted(p), "start_expert_review")


@arranging
def score(application, recommends) -> Application:
    """The first len(recommends) accepted experts submit their sheets."""
    accepted = (
        ExpertAssignment.objects.filter(
            application=application, status=ExpertAssignment.Status.ACCEPTED
        )
        .select_related("expert__user")
        .order_by("id")
    )
    for a, recommend in zip(accepted, recommends, strict=False):
        criteria = Criterion.objects.filter(sheet_id=a.sheet_id).order_by("order")
        experts.submit_scores(
            actor=a.expert.user,
            assignment=a,
            points={c.pk: c.max_points for c in criteria},
            recommend=recommend,
            opinion=f"{a.expert.name}的评审意见：{'推荐' if recommend else '不推荐'}。",
        )
    return fetch(application)


@arranging
def scored(p: People, recommends=(True,) * EXPERTS) -> Application:
    return score(expert_review(p), recommends)


@arranging
def review_passed(p: People) -> Application:
    return perform(p.charlie, scored(p), "pass_review", "评审通过：三名专家一致推荐。")


@arranging
def publish(p: People, application, *, start_date=None):
    return notices.publish_notice(
        actor=p.charlie,
        applications=[application],
        start_date=start_date or timezone.localdate(),
        business_contact="市科技局 王老师 0419-1234567",
        supervision_contact="0419-7654321",
    )


@arranging
def public_notice(p: People, *, ended=False) -> tuple[Application, object]:
    """Under notice; `ended`: the notice's working days are over (it began a month ago)."""
    application = review_passed(p)
    start = timezone.localdate() - timedelta(days=30) if ended else None
    notice = publish(p, application, start_date=start)
    return fetch(application), notice


@arranging
def file_objection(notice, application, *, reasons="牵头单位研发投入数据有误。"):
    return notices.file_objection(
        notice=notice,
        application=application,
        name="实名异议人甲",
        unit="辽阳某材料公司",
        phone="13900000000",
        reasons=reasons,
        today=notice.start_date,
    )


@arranging
def objection_review(p: People) -> tuple[Application, object, object]:
    application, notice = public_notice(p)
    objection = file_objection(notice, application)
    notices.verify_objection(actor=p.charlie, objection=objection, note="受理核查。")
    return fetch(application), notice, objection


@arranging
def party_group_review(p: People) -> Application:
    application, _notice = public_notice(p, ended=True)
    notices.close_ended_notices(today=timezone.localdate())
    application = fetch(application)
    assert application.state == State.PARTY_GROUP_REVIEW
    return application

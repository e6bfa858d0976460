"""Demo assessments (考核评估) for seed_demo, made through the services a user's clicks call
(workflow.perform, services.*, the experts' declare and submit_scores, the result notice and
the daily job's closing), so the demo shows only states a real user could reach.

Two rounds, because a round's result notice waits until every assessment of the round has a
result (reviews.notices.services.result_notice_problems): one round cannot show a published
result beside a self-assessment still being written.
- 2025年度创新联合体考核, finished: applicant_j's consortium published 优秀 (priority
  recommendation), applicant_n's not submitted by the closing date, published 不合格 with an
  open rectification.
- 2026年度创新联合体考核, open now: applicant_n's self-assessing (自评中), applicant_e's at the
  county (白塔区), applicant_j's under expert review (three experts, one sheet submitted).

applicant_e's consortium is named here first (seed_assessed_consortia, run before
seed_consortia and seed_reports so that it gets its roster, project and reports like the
others): the demo chain names only two. Idempotent: a round is found by its kind and year
and left alone once it exists; the application by its lead and name.
"""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from applications import services as application_services
from applications import workflow as application_workflow
from applications.demo import (
    CHAIN_UNITS,
    _application,
    _approve,
    _county_reviewer,
    _fill,
    _through_expert_review,
)
from applications.models import Consortium
from reporting.assessments import services, workflow
from reporting.assessments.models import (
    Assessment,
    IndicatorTemplate,
    IndicatorValue,
    Method,
    Round,
    RoundKind,
)

# (name core, industry field, lead user): the consortium named for the assessment demo.
# applicant_e withdrew 绿色低碳技术 "to re-apply after adjusting its members" (applications/
# demo.py CHAIN): this is the re-application, taken to naming.
ASSESSED = ("节能降碳工艺", "双碳", "applicant_e")
# The consortia of the demo rounds, by (lead user, name core).
EXCELLENT = ("applicant_j", "先进催化材料")
FAILED = ("applicant_n", "铝基复合材料")
COUNTY = (ASSESSED[2], ASSESSED[0])

PAST = (2025, "2025年度创新联合体考核")
CURRENT = (2026, "2026年度创新联合体考核")

BUSINESS_CONTACT = "辽阳市科学技术局成果转化与区域创新科 王科长，0419-2126000"
SUPERVISION_CONTACT = "辽阳市科学技术局机关纪委，0419-2126001"

# What a lead writes per category (the expert-scored indicators' 完成情况).
TEXTS = {
    "joint_research": "围绕协议约定的3项关键核心技术组织联合攻关，完成高选择性催化剂中试，"
    "连续流工艺通过专家验收，形成工艺包1套。",
    "platform": "联合体中试基地建成并向成员单位开放共享，全年共享设备机时1,200小时。",
    "transfer": "2项成果在成员企业实施转化，新增产值1.2亿元，技术合同成交额320万元。",
    "ip_standards": "新申请发明专利6件、授权3件；牵头制定团体标准1项并发布。",
    "regional": "与沈阳、鞍山的3家单位开展产业链协同，组织供需对接会2次。",
    "finance": "成员单位投入研发资金1,860万元，引入银行科技贷款500万元。",
    "operation": "理事会按章程召开会议2次，专项资金专款专用，年度审计无问题。",
}
SUMMARY = "本年度联合体按协议推进各项任务，攻关、转化和平台共享取得阶段性成果，运行规范。"
DRAFT_CATEGORY = "joint_research"
DRAFT_TEXT = "已完成催化剂小试，中试方案正在理事会审议。"


def _lead(users, key):
    return users[key[0]]


def _consortium(users, key):
    lead_user, name_core = key
    return Consortium.objects.filter(
        application__lead=users[lead_user].profile.organization,
        application__name_core=name_core,
    ).first()


@transaction.atomic
def seed_assessed_consortia(users) -> Consortium | None:
    """applicant_e's re-application, submitted, recommended, reviewed, noticed and named
    through the chain's services (applications/demo.py), like the chain's named one."""
    name_core, field_name, lead_key = ASSESSED
    actor = users[lead_key]
    application, new = _application(actor, name_core, field_name)
    if new:
        _fill(application, actor, units=8, complete=True, catalogue=CHAIN_UNITS)
        application_services.submit(actor=actor, application_id=application.pk)
        application_workflow.perform(
            actor=_county_reviewer(users, actor),
            application_id=application.pk,
            transition="county_recommend",
            comment="材料齐全，同意推荐。",
        )
        _through_expert_review(application, users, score_all=True)
        _approve(application, users)
    return Consortium.objects.filter(application=application).first()


def _self_assess(lead, assessment, *, complete=True):
    """Each category's texts as the lead saves them on the page, and the summary."""
    values = IndicatorValue.objects.filter(
        assessment=assessment, indicator__method=Method.EXPERT
    ).select_related("indicator")
    by_category: dict[str, dict[int, str]] = {}
    for value in values:
        category = value.indicator.category
        if complete or category == DRAFT_CATEGORY:
            text = TEXTS[category] if complete else DRAFT_TEXT
            by_category.setdefault(category, {})[value.indicator_id] = text
    for category, texts in by_category.items():
        services.save_section(actor=lead, assessment=assessment, category=category, texts=texts)
    if complete:
        services.save_section(
            actor=lead, assessment=assessment, category="operation", texts={}, summary=SUMMARY
        )


def _experts(assessment):
    """The first demo experts (reviews/experts/demo.py's order) who know the consortium's
    field and work at none of its units, as many as the review needs: a fixed choice where
    the city's draw picks at random, so the demo's expert tasks are the same on every run."""
    from reporting.assessments.review import AssessmentSubject
    from reviews.experts.demo import EXPERTS
    from reviews.models import ExpertProfile

    subject = AssessmentSubject(assessment)
    excluded = subject.unit_ids()
    pool = {
        p.user.username: p
        for p in ExpertProfile.objects.select_related("user").filter(
            user__username__in=EXPERTS,
            fields__id=assessment.consortium.industry_field_id,
            status=ExpertProfile.Status.ACTIVE,
        )
        if p.employer_id not in excluded
    }
    return [pool[u] for u in EXPERTS if u in pool][: subject.min_experts]


def _submit(users, assessment, *, at=None):
    """`at`: when the lead submitted, for a round whose self-assessment closed already."""
    lead = _lead_of(users, assessment)
    _self_assess(lead, assessment)
    # Submit needs every current unit's research-integrity pledge (科研诚信承诺).
    from members.integrity.demo import seed_pledges

    seed_pledges(assessment, lead_user=lead)
    extra = {"at": at} if at is not None else {}
    workflow.perform(actor=lead, assessment_id=assessment.pk, transition="submit", **extra)


def _lead_of(users, assessment):
    return next(
        users[key[0]]
        for key in (EXCELLENT, FAILED, COUNTY)
        if users[key[0]].profile.organization_id == assessment.consortium.lead_id
    )


def _to_expert_review(users, assessment, *, scored: int, share: int, submitted_at=None):
    """Submitted, passed by the county and the city, experts assigned; the first `scored`
    experts submit their sheets at `share` per cent of each indicator's points."""
    from reviews.experts import services as experts
    from reviews.models import Criterion, ExpertAssignment

    city = users["city_staff"]
    lead = _lead_of(users, assessment)
    _submit(users, assessment, at=submitted_at)
    workflow.perform(
        actor=_county_reviewer(users, lead),
        assessment_id=assessment.pk,
        transition="county_pass",
        comment="自评材料齐全，佐证充分，同意上报。",
    )
    chosen = _experts(assessment)
    for profile in chosen:
        experts.assign_expert(actor=city, assessment=assessment, expert=profile)
    workflow.perform(actor=city, assessment_id=assessment.pk, transition="city_pass")
    assignments = ExpertAssignment.objects.filter(assessment=assessment).select_related(
        "expert__user"
    )
    order = {p.pk: n for n, p in enumerate(chosen)}
    for assignment in sorted(assignments, key=lambda a: order[a.expert_id]):
        user = assignment.expert.user
        experts.declare(actor=user, assignment=assignment, conflict=False)
        if order[assignment.expert_id] >= scored:
            continue
        criteria = Criterion.objects.filter(sheet_id=assignment.sheet_id)
        experts.submit_scores(
            actor=user,
            assignment=assignment,
            points={c.pk: c.max_points * share // 100 for c in criteria},
            opinion="联合体年度任务完成情况良好，攻关和成果转化成效明显，佐证材料充分。",
        )


def _round(users, *, year, title, opens_on, closes_on, consortia):
    city = users["city_staff"]
    template = IndicatorTemplate.in_force(opens_on)
    round_ = services.create_round(
        actor=city,
        kind=RoundKind.ANNUAL,
        year=year,
        title=title,
        template=template,
        opens_on=opens_on,
        closes_on=closes_on,
    )
    # The demo's consortia were named this year, less than a year before either round
    # opens: city staff put them in scope by hand (the default scope would be empty).
    in_scope = set(Assessment.objects.filter(round=round_).values_list("consortium_id", flat=True))
    for consortium in consortia:
        if consortium.pk not in in_scope:
            services.add_to_scope(actor=city, round=round_, consortium=consortium)
    services.open_round(actor=city, round=round_)
    found = Assessment.objects.filter(round=round_).select_related("consortium")
    return {a.consortium_id: a for a in found}, round_


@transaction.atomic
def seed_assessments(users) -> list[Round]:
    from reviews.notices import services as notices

    excellent, failed, county = (_consortium(users, k) for k in (EXCELLENT, FAILED, COUNTY))
    if None in (excellent, failed, county):
        return []
    city = users["city_staff"]
    today = timezone.localdate()
    made = []

    year, title = PAST
    if not Round.objects.filter(kind=RoundKind.ANNUAL, year=year).exists():
        # Closed five weeks before today; its result notice ended since.
        assessments, past = _round(
            users,
            year=year,
            title=title,
            opens_on=today - timedelta(days=75),
            closes_on=today - timedelta(days=40),
            consortia=[excellent, failed],
        )
        best = assessments[excellent.pk]
        # It submitted five days before the closing day (the rest happened since).
        submitted = datetime.combine(
            past.closes_on - timedelta(days=5), time(10), tzinfo=timezone.get_current_timezone()
        )
        _to_expert_review(users, best, scored=99, share=100, submitted_at=submitted)
        services.conclude(actor=city, assessment=best, comment="专家组评审完成，得分按规则计算。")
        # applicant_n's never submitted: 不合格 at closing, and its rectification opens.
        services.close_round(round=past, today=today, actor=city)
        notices.publish_result_notice(
            actor=city,
            round=past,
            title="",
            start_date=today - timedelta(days=35),
            business_contact=BUSINESS_CONTACT,
            supervision_contact=SUPERVISION_CONTACT,
        )
        notices.close_ended_notices(today=today)
        made.append(past)

    year, title = CURRENT
    if not Round.objects.filter(kind=RoundKind.ANNUAL, year=year).exists():
        # Opened a week ago and open for a month more: the self-assessment runs now.
        assessments, current = _round(
            users,
            year=year,
            title=title,
            opens_on=today - timedelta(days=7),
            closes_on=today + timedelta(days=30),
            consortia=[excellent, failed, county],
        )
        _self_assess(_lead(users, FAILED), assessments[failed.pk], complete=False)
        _submit(users, assessments[county.pk])
        _to_expert_review(users, assessments[excellent.pk], scored=1, share=90)
        made.append(current)
    return made


def demo_assessments():
    """The demo rounds' assessments (for the tests and the README)."""
    return Assessment.objects.filter(
        round__kind=RoundKind.ANNUAL, round__year__in=[PAST[0], CURRENT[0]]
    ).select_related("round", "consortium")

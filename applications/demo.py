"""Demo applications for seed_demo, made through the services a user's clicks call, so the
demo shows only states a real user could reach. Idempotent: an application is found by
its lead and name and left alone once it exists."""

from datetime import date, timedelta

import weasyprint
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from applications import services, workflow
from applications.models import AGREEMENT_CLAUSES, Application, Attachment
from liaoyang_consortia.demo import USERS, make_uscc
from members.models import County, IndustryField

# (name, uscc first 17, kind, county code or None) — the members of the demo consortia.
MEMBER_UNITS = [
    ("辽东理工大学", "12210000MB1234567", "university", None),
    ("辽阳市工业技术研究院", "12211000MB0A1B2C3", "institute", "211011"),
    ("辽阳石化新材料科技有限公司", "91211004MA0T5R8N3", "enterprise", "211004"),
    ("辽阳县润达化工有限公司", "91211021MA0W2E6J7", "enterprise", "211021"),
    ("辽阳恒信检测技术服务有限公司", "91211003MA0U9C4L1", "enterprise", "211003"),
    ("弓长岭区瑞丰精密机械有限公司", "91211005MA0P7D2K5", "enterprise", "211005"),
    ("辽宁北方生产力促进中心", "52210000MJ1H3F5G8", "service", None),
    ("沈阳华研催化材料有限公司", "91210100MA0R1B6M4", "enterprise", None),
    ("辽阳铝业精深加工有限公司", "91211081MA0M4H8Q9", "enterprise", "211081"),
    ("灯塔市宏达汽车零部件有限公司", "91211081MA0N6J2P3", "enterprise", "211081"),
]

PLAN = {
    "goals": "用三年时间，围绕芳烃下游高端精细化学品，突破关键核心技术5项，形成新产品10个，"
    "制定团体标准3项，建成中试基地1个，带动产业链新增产值20亿元。",
    "key_technologies": "1. 高选择性加氢催化剂及工艺；2. 连续流微通道反应技术；"
    "3. 高纯电子化学品分离提纯技术。",
    "roadmap": "2026年：完成催化剂小试与中试线设计；2027年：建成中试线并完成工艺包；"
    "2028年：示范线投产，成果在成员企业推广应用。",
    "tasks": "协同攻关：分解为5个子课题，由成员单位分工承担；成果转化：优先在成员企业转化；"
    "人才培养：联合培养研究生20名；标准创制：牵头制定团体标准3项；平台共享：开放中试和检测平台。",
    "resources": "牵头单位提供中试场地2000平方米，辽东理工大学开放重点实验室，检测机构提供检测服务。",
    "fund_supervision": "设立联合体专项资金账户，专款专用，理事会每季度审议资金使用情况，每年委托第三方审计。",
    # {chair} and {lead}: the lead unit's legal representative and name (_fill).
    "council": "理事长：{chair}（{lead}董事长）；副理事长：周文博（辽东理工大学副校长）；"
    "理事：各成员单位负责人。理事会每半年召开一次全体会议，重大事项三分之二以上理事同意。",
    "research_team": "首席专家杨振华教授领衔，研发人员126人，其中高级职称38人、博士21人。",
}
MECHANISM_TEXT = {
    "mechanism_decision": "理事会决策、专家委员会咨询、秘书处日常调度的三级决策调度机制。",
    "mechanism_collaboration": "“揭榜挂帅”确定子课题负责人，按里程碑节点考核。",
    "mechanism_benefit": "按投入和贡献比例分配收益，牵头单位不超过40%。",
    "mechanism_ip": "背景知识产权归原单位，项目新产生的知识产权按协议约定共有。",
    "mechanism_standards": "由牵头单位会同检测机构组织团体标准、行业标准的起草。",
    "mechanism_promotion": "成果优先在成员单位应用，再向全省同行业推广。",
    "mechanism_iteration": "每年根据市场和技术变化修订技术路线图。",
    "mechanism_funding": "成员单位按协议比例投入，积极争取各级科技计划支持。",
}
EXPERTS = [
    {
        "name": "杨振华",
        "title": "教授、博士生导师",
        "employer": "辽东理工大学",
        "field": "精细化工、催化",
        "achievements": "国家科技进步二等奖1项，授权发明专利40余件。",
        "phone": "13904190001",
        "email": "yangzh@demo.invalid",
    },
]


def _pdf_upload(title: str, filename: str) -> SimpleUploadedFile:
    html = f"<h1 style='font-family: Noto Sans CJK SC'>{title}</h1><p>（演示文件）</p>"
    return SimpleUploadedFile(
        filename, weasyprint.HTML(string=html).write_pdf(), content_type="application/pdf"
    )


def _fill(application, actor, *, units: int, complete: bool, catalogue=MEMBER_UNITS):
    lead = application.lead
    # The plan names its university and council chair: those of this application.
    university = next((name for name, _c, kind, _k in catalogue if kind == "university"), "")
    plan = {key: text.replace("辽东理工大学", university) for key, text in PLAN.items()}
    plan["council"] = plan["council"].format(chair=lead.legal_representative, lead=lead.name)
    values = {
        "lead_sales_revenue": 52000,
        "lead_rd_spend": 2080,
        "lead_platforms": "辽宁省精细化工技术创新中心（省科技厅认定，2021年）",
        "lead_projects": "辽阳市重大科技专项“芳烃下游高端化学品关键技术研究”（2023—2025年）",
        **plan,
    }
    if complete:
        values.update(MECHANISM_TEXT)
    else:
        values = {k: values[k] for k in ("lead_sales_revenue", "lead_rd_spend", "goals")}
    services.save_fields(actor=actor, application=application, values=values)
    counties = {c.code: c for c in County.objects.exclude(code=None)}
    for name, uscc17, kind, county_code in catalogue[: units - 1]:
        county = counties.get(county_code)
        services.add_member(
            actor=actor,
            application=application,
            uscc=make_uscc(uscc17),
            name=name,
            kind=kind,
            county=county,
        )
    from members.integrity.demo import seed_pledges

    if not complete:
        # A draft shows the pledges coming in: all units but the last have pledged.
        seed_pledges(application, lead_user=actor, leave_out=1)
        return
    # Every unit's research-integrity pledge (科研诚信承诺): submission needs them all.
    seed_pledges(application, lead_user=actor)
    for membership in application.memberships.select_related("organization"):
        services.update_member(
            actor=actor,
            membership=membership,
            values={
                "task_share": f"{membership.organization.name}承担相应子课题研究与成果转化。",
                "contribution_funds": 300,
                "signatory": "法定代表人",
                "signed_on": date(2026, 10, 8),
                "sealed": True,
            },
        )
        services.confirm_membership(membership=membership, confirmed_by="单位联系人（演示）")
    services.save_agreement(
        actor=actor,
        application=application,
        duration_years=3,
        signed_on=date(2026, 10, 8),
        clauses={code: f"第{n}条" for n, (code, _l) in enumerate(AGREEMENT_CLAUSES, start=1)},
    )
    for expert in EXPERTS:
        values = {**expert, "employer": university or expert["employer"]}
        services.add_chief_expert(actor=actor, application=application, values=values)
    services.add_attachment(
        actor=actor,
        application=application,
        kind=Attachment.Kind.AGREEMENT_SCAN,
        uploaded_file=_pdf_upload("创新联合体组建协议（签章版）", "组建协议（签章版）.pdf"),
    )
    services.add_attachment(
        actor=actor,
        application=application,
        kind=Attachment.Kind.BUSINESS_LICENCE,
        uploaded_file=_pdf_upload("营业执照（副本）", "营业执照.pdf"),
    )


def _application(actor, name_core, field_name):
    lead = actor.profile.organization
    existing = Application.objects.filter(lead=lead, name_core=name_core).first()
    if existing:
        return existing, False
    application = services.create_application(actor=actor)
    services.save_fields(
        actor=actor,
        application=application,
        values={
            "name_core": name_core,
            "duration_years": 3,
            "industry_field": IndustryField.objects.get(name=field_name),
        },
    )
    return application, True


# The aluminium application's members: the aluminium and automotive units first.
ALUMINIUM_UNITS = [*MEMBER_UNITS[8:], *MEMBER_UNITS[:8]]


@transaction.atomic
def seed_applications(users) -> list[Application]:
    a, b, c = users["applicant_a"], users["applicant_b"], users["applicant_c"]
    ready, new = _application(a, "芳烃精细化工", "芳烃及精细化工")
    if new:
        _fill(ready, a, units=8, complete=True)
    draft, new = _application(c, "高端催化材料", "新材料")
    if new:
        _fill(draft, c, units=3, complete=False)
    submitted, new = _application(b, "铝合金精深加工", "铝合金精深加工")
    if new:
        _fill(submitted, b, units=9, complete=True, catalogue=ALUMINIUM_UNITS)
        services.submit(actor=b, application_id=submitted.pk)
    return [ready, draft, submitted]


# Units for the applications taken along the approval chain: a university and an institute
# that employ none of the demo experts, so the experts need not recuse.
CHAIN_UNITS = [
    ("辽宁石化工程大学", "12210000MB2468135", "university", None),
    ("辽阳市新材料研究所", "12211000MB1357924", "institute", "211002"),
    *MEMBER_UNITS[2:8],
]

# (name core, industry field, the lead unit's user, how far along the chain it goes). Each
# has its own lead unit (liaoyang_consortia/demo.py): a county's clerk sees one
# application per enterprise, as in life.
CHAIN = [
    ("智能制造装备", "先进装备制造及汽车零部件", "applicant_d", "returned"),
    ("医药中间体", "医药健康", "applicant_k", "rejected"),
    ("绿色低碳技术", "双碳", "applicant_e", "withdrawn"),
    ("高性能铝材", "铝合金精深加工", "applicant_l", "city_intake"),
    ("增材制造", "增材制造", "applicant_f", "expert_review"),
    ("芳烃下游新材料", "新材料", "applicant_g", "review_passed"),
    ("精细化学品", "芳烃及精细化工", "applicant_h", "notice"),
    ("汽车轻量化部件", "先进装备制造及汽车零部件", "applicant_m", "notice"),
    ("铝基复合材料", "铝合金精深加工", "applicant_n", "notice"),
    ("生物医药", "医药健康", "applicant_i", "notice"),
    ("先进催化材料", "新材料", "applicant_j", "approved"),
]
# The county reviewer of each county that has demo lead units.
COUNTY_REVIEWERS = {
    county: username
    for username, (_d, _role, _unit, county, _admin) in USERS.items()
    if county is not None
}


def _county_reviewer(users, actor):
    return users[COUNTY_REVIEWERS[actor.profile.organization.county.code]]


def _field_experts(application, count=3):
    """The first `count` demo experts (in reviews/experts/demo.py's order) who know the
    application's field and work at none of its units: a fixed choice, where the city's
    draw would pick at random, so the demo's expert tasks are the same on every run."""
    from reviews.experts import services as experts
    from reviews.experts.demo import EXPERTS
    from reviews.models import ExpertProfile

    excluded = experts.member_unit_ids(application)
    field = Application.objects.values_list("industry_field__name", flat=True).get(
        pk=application.pk
    )
    pool = {
        p.user.username: p
        for p in ExpertProfile.objects.select_related("user").filter(
            user__username__in=EXPERTS, fields__name=field
        )
        if p.employer_id not in excluded
    }
    return [pool[u] for u in EXPERTS if u in pool][:count]


def _through_expert_review(application, users, *, score_all: bool):
    from reviews.experts import services as experts
    from reviews.models import Criterion

    city = users["city_staff"]
    chosen = _field_experts(application)
    for profile in chosen:
        experts.assign_expert(actor=city, application=application, expert=profile)
    workflow.perform(actor=city, application_id=application.pk, transition="start_expert_review")
    for assignment in application.expert_assignments.select_related("expert__user"):
        user = assignment.expert.user
        experts.declare(actor=user, assignment=assignment, conflict=False)
        # Under review: only the first expert has scored (the others still have to).
        if not score_all and assignment.expert_id != chosen[0].pk:
            continue
        criteria = Criterion.objects.filter(sheet_id=assignment.sheet_id)
        experts.submit_scores(
            actor=user,
            assignment=assignment,
            points={c.pk: c.max_points * 8 // 10 for c in criteria},
            recommend=True,
            opinion="组建条件具备，建设方案可行，同意推荐。",
        )
    if score_all:
        workflow.perform(
            actor=city,
            application_id=application.pk,
            transition="pass_review",
            comment="专家组多数推荐，评审通过。",
        )


def _approve(application, users):
    """Its own notice, ended five weeks ago, then the Party group names it."""
    from reviews.decisions.demo import seed_decisions
    from reviews.notices import services as notices

    city = users["city_staff"]
    today = timezone.localdate()
    notices.publish_notice(
        actor=city,
        applications=[application],
        start_date=today - timedelta(days=35),
        business_contact="辽阳市科学技术局成果转化与区域创新科 王科长，0419-2126000",
        supervision_contact="辽阳市科学技术局机关纪委，0419-2126001",
    )
    notices.close_ended_notices(today=today)
    seed_decisions(application=application, actor=city, meeting_date=today - timedelta(days=20))


@transaction.atomic
def seed_chain(users) -> list[Application]:
    """Applications in every state of the approval chain, one running notice with an
    objection under verification, one ended notice, one named consortium."""
    from reviews.decisions.demo import seed_decisions
    from reviews.experts.demo import seed_experts
    from reviews.models import Objection
    from reviews.notices.demo import seed_notices
    from reviews.notices.services import verify_objection

    seed_experts(users)
    city = users["city_staff"]
    made, to_notice, to_approve = [], [], []
    for name_core, field_name, lead_user, stop in CHAIN:
        actor = users[lead_user]
        application, new = _application(actor, name_core, field_name)
        made.append(application)
        if not new:
            continue
        _fill(application, actor, units=8, complete=True, catalogue=CHAIN_UNITS)
        if stop == "withdrawn":
            services.submit(actor=actor, application_id=application.pk)
            workflow.perform(
                actor=actor,
                application_id=application.pk,
                transition="withdraw",
                comment="拟调整成员单位后重新申报。",
            )
            continue
        services.submit(actor=actor, application_id=application.pk)
        county = _county_reviewer(users, actor)
        if stop == "returned":
            workflow.perform(
                actor=county,
                application_id=application.pk,
                transition="county_return",
                comment="请补充牵头单位省级平台认定文件，并核实成员单位签章。",
            )
            continue
        if stop == "rejected":
            workflow.perform(
                actor=county,
                application_id=application.pk,
                transition="county_decline",
                comment="牵头单位上年度研发投入不足，且未说明理由。",
            )
            continue
        workflow.perform(
            actor=county,
            application_id=application.pk,
            transition="county_recommend",
            comment="材料齐全，同意推荐。",
        )
        if stop == "city_intake":
            continue
        _through_expert_review(application, users, score_all=stop != "expert_review")
        if stop == "notice":
            to_notice.append(application)
        if stop == "approved":
            to_approve.append(application)
    if to_notice:
        seed_notices(city_staff=city, applications=to_notice)
        objection = Objection.objects.filter(status=Objection.Status.RECEIVED).first()
        if objection:
            verify_objection(actor=city, objection=objection, note="已受理，正在核查。")
        ended = [
            a for a in to_notice if Application.objects.get(pk=a.pk).state == "party_group_review"
        ]
        if ended:
            seed_decisions(application=ended[0], actor=city)
    # After the notices above: seed_notices makes its notices only where none exist yet.
    for application in to_approve:
        _approve(application, users)
    return made

"""`manage.py seed_scale`: a large, realistic data set for `make bench` (DESIGN.md §11).

Bulk inserts only (no services, no notifications): the point is the shape the queries meet
in production — applications in every state and county, eight units each, the unit groups'
object permissions guardian checks, a transition log for the statistics, named consortia
with their annual reports, and one public notice. Run it on an empty database (after
migrate); it refuses to seed twice.
"""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_fsm_log.models import StateLog

from applications.models import (
    Application,
    ApplicationGroupObjectPermission,
    Consortium,
    Membership,
    State,
)
from liaoyang_consortia.demo import seed_users
from members.models import County, IndustryField, Organization, PolicyVersion, UserProfile
from members.roles import Role
from members.validators import uscc_check_character
from reporting.models import AnnualReport, ReportStatus
from reviews.models import ExpertAssignment, ExpertProfile, PublicNotice, ScoreSheet

BATCH = 2000
# Codes of the seeded units: "91" + division + "8" + serial. The demo units' codes carry
# letters in these places, so the two never collide.
SCALE_MARK = "8"
OUTSIDE_DIVISION = "210100"  # 沈阳市: member units outside Liaoyang

# Share of the applications that are not approved (the approved ones are the consortia).
WEIGHTS = {
    State.DRAFT: 16,
    State.COUNTY_REVIEW: 14,
    State.RETURNED: 6,
    State.CITY_INTAKE: 10,
    State.EXPERT_REVIEW: 10,
    State.REVIEW_PASSED: 5,
    State.PUBLIC_NOTICE: 3,
    State.OBJECTION_REVIEW: 1,
    State.PARTY_GROUP_REVIEW: 3,
    State.REJECTED: 8,
    State.WITHDRAWN: 4,
}
# The states an application passes through on its way to its current one (for the log).
CHAIN = [
    State.DRAFT,
    State.COUNTY_REVIEW,
    State.CITY_INTAKE,
    State.EXPERT_REVIEW,
    State.REVIEW_PASSED,
    State.PUBLIC_NOTICE,
    State.PARTY_GROUP_REVIEW,
    State.APPROVED,
]
CLOSED = (State.APPROVED, State.REJECTED, State.WITHDRAWN)
TEXT = (
    "围绕辽阳市精细化工与芳烃产业链关键环节，联合高校、科研院所和上下游企业开展协同攻关，"
    "突破关键核心技术，建设中试验证平台，推动成果在本地转化应用。"
)


def uscc(division: str, serial: int) -> str:
    first17 = f"91{division}{SCALE_MARK}{serial:08d}"
    return first17 + uscc_check_character(first17)


def batches(items, size=BATCH):
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Command(BaseCommand):
    help = "为性能测试批量生成大规模数据（申请、成员单位、权限、日志、联合体、年度报告）。"

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, default=10000)
        parser.add_argument("--consortia", type=int, default=2000)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, applications, consortia, seed, **options):
        if consortia > applications:
            raise CommandError("--consortia 不能多于 --applications。")
        if Organization.objects.filter(uscc__regex=rf"^91\d{{6}}{SCALE_MARK}").exists():
            raise CommandError("数据库中已有规模测试数据；请在空数据库上运行。")
        rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        started = timezone.now()
        with transaction.atomic():
            self.seed(rng, applications, consortia)
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成 {applications} 件申请、{consortia} 个创新联合体，用时 {seconds:.1f} 秒。"
            )
        )

    def seed(self, rng, n_apps, n_consortia):  # noqa: C901 - one linear script
        now = timezone.now()
        today = timezone.localdate()
        seed_users(password=settings.DEMO_PASSWORD)
        User = get_user_model()
        users = {u.username: u for u in User.objects.filter(username__in=["admin", "applicant_a"])}
        admin, applicant = users["admin"], users["applicant_a"]
        lead_a = applicant.profile.organization
        counties = list(County.objects.exclude(code=None).order_by("code"))
        fields = list(IndustryField.objects.filter(is_active=True)) or [
            IndustryField.objects.create(name="精细化工")
        ]
        policy = PolicyVersion.in_force(today) or PolicyVersion.objects.order_by("-pk").first()
        if not counties or policy is None:
            raise CommandError("缺少县区或办法参数：请先运行 migrate。")

        # Units: one lead per application (applicant_a's unit leads a few of them) and a
        # pool of member units, some outside Liaoyang.
        n_members = max(200, n_apps // 2)
        orgs = []
        for i in range(n_apps + n_members):
            # Leads are Liaoyang units in every county; one member unit in five is outside.
            outside = i >= n_apps and i % 5 == 0
            county = None if outside else counties[i % len(counties)]
            kind = "enterprise" if i < n_apps or i % 3 else rng.choice(["university", "institute"])
            orgs.append(
                Organization(
                    name=f"辽阳规模测试{'企业' if kind == 'enterprise' else '院所'}{i:05d}有限公司",
                    uscc=uscc(county.code if county else OUTSIDE_DIVISION, i),
                    kind=kind,
                    county=county,
                    legal_representative="张三",
                    address=f"辽阳市测试路{i}号",
                )
            )
        for chunk in batches(orgs):
            Organization.objects.bulk_create(chunk)
        leads, pool = orgs[:n_apps], orgs[n_apps:]
        # applicant_a's own unit leads every 500th application (its work list has rows).
        for i in range(0, n_apps, 500):
            leads[i] = lead_a

        # Applications: exactly n_consortia approved, the rest spread by WEIGHTS.
        states = [State.APPROVED] * n_consortia
        others = list(WEIGHTS)
        states += rng.choices(others, weights=[WEIGHTS[s] for s in others], k=n_apps - n_consortia)
        rng.shuffle(states)
        # applicant_a's first application (index 0) is a draft: the load test edits it.
        states[0], states[states.index(State.DRAFT)] = State.DRAFT, states[0]
        apps = []
        for i, (lead, state) in enumerate(zip(leads, states, strict=True)):
            submitted = state != State.DRAFT
            # Open applications entered their state in the last two months (a few are past
            # their time limit); closed ones at any time in the last two years.
            days = 700 if state in CLOSED else 60
            since = now - timedelta(days=rng.randint(0, days), hours=rng.randint(0, 23))
            sub_at = since - timedelta(days=rng.randint(0, 120)) if submitted else None
            apps.append(
                Application(
                    name_core=f"规模测试{i:05d}",
                    industry_field=fields[i % len(fields)],
                    lead=lead,
                    lead_sales_revenue=Decimal(rng.randint(3000, 90000)),
                    lead_rd_spend=Decimal(rng.randint(100, 4000)),
                    lead_platforms="辽宁省企业技术中心（省级，2021年）",
                    lead_projects="辽宁省重点研发计划项目（2023—2025年）",
                    goals=TEXT,
                    key_technologies=TEXT,
                    roadmap=TEXT,
                    tasks=TEXT,
                    mechanism_decision=TEXT,
                    mechanism_collaboration=TEXT,
                    mechanism_benefit=TEXT,
                    mechanism_ip=TEXT,
                    mechanism_standards=TEXT,
                    mechanism_promotion=TEXT,
                    mechanism_iteration=TEXT,
                    mechanism_funding=TEXT,
                    resources=TEXT,
                    fund_supervision=TEXT,
                    council="理事长：张三（牵头单位总经理）",
                    research_team="研发人员120人，其中高级职称35人。",
                    duration_years=3,
                    state=state,
                    policy_version=policy if submitted else None,
                    submitted_at=sub_at,
                    returned_stage=State.COUNTY_REVIEW if state == State.RETURNED else "",
                    rejected_stage=State.EXPERT_REVIEW if state == State.REJECTED else "",
                    state_since=since,
                    created_by=applicant if lead is lead_a else admin,
                )
            )
        for chunk in batches(apps):
            Application.objects.bulk_create(chunk)
        # auto_now stamped every row "now"; spread them like real edits.
        Application.objects.filter(pk__in=[a.pk for a in apps]).update(
            updated_at=F("state_since"), created_at=F("state_since")
        )
        self.stdout.write(f"  申请 {len(apps)} 件")

        # Eight units per application: the lead and seven members.
        memberships = []
        for app in apps:
            signed = app.state != State.DRAFT
            units = [app.lead, *rng.sample(pool, 7)]
            for order, unit in enumerate(units):
                memberships.append(
                    Membership(
                        application=app,
                        organization=unit,
                        role=Membership.Role.LEAD if order == 0 else Membership.Role.MEMBER,
                        task_share="负责关键材料制备与中试验证。",
                        contribution_funds=Decimal(rng.randint(50, 2000)),
                        contribution_people=rng.randint(3, 40),
                        signatory="李四" if signed else "",
                        signed_on=today - timedelta(days=30) if signed else None,
                        sealed=signed,
                        confirmed_at=now if signed else None,
                        confirmed_by="李四" if signed else "",
                        sort_order=order,
                    )
                )
        for chunk in batches(memberships, 5000):
            Membership.objects.bulk_create(chunk)
        self.stdout.write(f"  成员单位 {len(memberships)} 条")

        # The owners: each lead unit's group holds view and change on its applications, as
        # applications.services.create_application grants them.
        app_ct = ContentType.objects.get_for_model(Application)
        perms = list(
            Permission.objects.filter(
                content_type=app_ct, codename__in=["view_application", "change_application"]
            )
        )
        existing = {g.name: g for g in Group.objects.filter(name__startswith="unit:")}
        new_groups = {
            f"unit:{o.uscc}": Group(name=f"unit:{o.uscc}")
            for o in set(leads)
            if f"unit:{o.uscc}" not in existing
        }
        for chunk in batches(list(new_groups.values())):
            Group.objects.bulk_create(chunk)
        groups = {**existing, **new_groups}
        gops = [
            ApplicationGroupObjectPermission(
                group=groups[f"unit:{app.lead.uscc}"], permission=perm, content_object_id=app.pk
            )
            for app in apps
            for perm in perms
        ]
        for chunk in batches(gops, 5000):
            ApplicationGroupObjectPermission.objects.bulk_create(chunk)
        self.stdout.write(f"  单位组 {len(new_groups)} 个，对象权限 {len(gops)} 条")

        # A unit administrator for every seeded lead unit, in the unit's group (so guardian's
        # group checks meet real membership rows, and the reporting cycle has people to
        # notify). One password hash for all: hashing is slow on purpose.
        password = make_password(settings.DEMO_PASSWORD)
        applicant_group = Group.objects.get(name=Role.APPLICANT.value)
        seeded_leads = [o for o in dict.fromkeys(leads) if o is not lead_a]
        lead_users = [
            User(
                username=f"scale{o.uscc}",
                first_name="测试联系人",
                email=f"{o.uscc.lower()}@scale.invalid",
                password=password,
            )
            for o in seeded_leads
        ]
        for chunk in batches(lead_users):
            User.objects.bulk_create(chunk)
        for chunk in batches(list(zip(seeded_leads, lead_users, strict=True))):
            UserProfile.objects.bulk_create(
                UserProfile(user=u, organization=o, is_unit_admin=True) for o, u in chunk
            )
            User.groups.through.objects.bulk_create(
                row
                for o, u in chunk
                for row in (
                    User.groups.through(user_id=u.pk, group_id=applicant_group.pk),
                    User.groups.through(user_id=u.pk, group_id=groups[f"unit:{o.uscc}"].pk),
                )
            )
        self.stdout.write(f"  单位管理员 {len(lead_users)} 人")

        # The transition log of 40 % of the submitted applications (the statistics' pipeline).
        logs = []
        for app in apps:
            if app.submitted_at is None or rng.random() > 0.4:
                continue
            if app.state in CHAIN:
                path = CHAIN[: CHAIN.index(app.state) + 1]
            elif app.state == State.OBJECTION_REVIEW:
                path = [*CHAIN[:6], State.OBJECTION_REVIEW]
            else:  # returned, rejected, withdrawn: left the chain after a step or two
                path = [*CHAIN[: rng.randint(2, 4)], app.state]
            span = max((app.state_since - app.submitted_at).total_seconds(), 3600)
            step = span / max(len(path) - 2, 1)
            for k in range(1, len(path)):
                logs.append(
                    StateLog(
                        timestamp=app.submitted_at + timedelta(seconds=step * (k - 1)),
                        by=admin,
                        source_state=path[k - 1],
                        state=path[k],
                        transition="seed",
                        content_type=app_ct,
                        object_id=app.pk,
                        description="批量生成",
                    )
                )
        for chunk in batches(logs, 5000):
            StateLog.objects.bulk_create(chunk)
        self.stdout.write(f"  流转日志 {len(logs)} 条")

        # The consortia (one per approved application) and their annual reports.
        approved = [a for a in apps if a.state == State.APPROVED]
        consortia = []
        for i, app in enumerate(approved):
            named_on = today - timedelta(days=rng.randint(30, 3 * 365))
            consortia.append(
                Consortium(
                    application=app,
                    name=app.display_name,
                    number=f"LYCX-{named_on.year}-{i:05d}",
                    decision_number=f"{policy.decision_number_prefix}〔{named_on.year}〕{i}号",
                    named_on=named_on,
                    lead=app.lead,
                    industry_field=app.industry_field,
                    status=Consortium.Status.ACTIVE if i % 50 else Consortium.Status.DISSOLVED,
                )
            )
        for chunk in batches(consortia):
            Consortium.objects.bulk_create(chunk)
        reports = []
        for c in consortia:
            for year in range(c.named_on.year, today.year):
                status = rng.choices(
                    [ReportStatus.ACCEPTED, ReportStatus.SUBMITTED, ReportStatus.RETURNED],
                    weights=[8, 1, 1],
                )[0]
                reports.append(
                    AnnualReport(
                        consortium=c,
                        year=year,
                        status=status,
                        rd_progress=TEXT,
                        results_projects=rng.randint(0, 6),
                        results_patents=rng.randint(0, 20),
                        results_standards=rng.randint(0, 3),
                        results_transfers=rng.randint(0, 5),
                        funds_amount=Decimal(rng.randint(100, 5000)),
                        plan_this_year=TEXT,
                        problems="无",
                        coordination_needed="无",
                        submitted_at=datetime(year + 1, 3, 15, tzinfo=now.tzinfo),
                        submitted_by=admin,
                    )
                )
        for chunk in batches(reports, 5000):
            AnnualReport.objects.bulk_create(chunk)
        self.stdout.write(f"  创新联合体 {len(consortia)} 个，年度报告 {len(reports)} 份")

        # One public notice listing the applications now in public notice.
        noticed = [a for a in apps if a.state == State.PUBLIC_NOTICE][:30]
        notice = PublicNotice.objects.create(
            number=f"{policy.notice_number_prefix}〔{today.year}〕999号",
            title="关于辽阳市创新联合体拟认定名单的公示（规模测试）",
            start_date=today,
            end_date=today + timedelta(days=7),
            working_days=policy.notice_working_days,
            business_contact="科技局成果转化科 0419-0000000",
            supervision_contact="0419-0000001",
            published_by=admin,
        )
        notice.applications.add(*noticed)

        # expert1 reviews forty applications (the expert's work list has rows).
        sheet = ScoreSheet.objects.filter(is_active=True).order_by("-is_default").first()
        expert_user = User.objects.get(username="expert1")
        profile, _ = ExpertProfile.objects.get_or_create(
            user=expert_user, defaults={"name": expert_user.first_name or "专家"}
        )
        if sheet:
            ExpertAssignment.objects.bulk_create(
                ExpertAssignment(
                    application=a,
                    expert=profile,
                    method=ExpertAssignment.Method.DRAW,
                    status=ExpertAssignment.Status.ACCEPTED,
                    sheet=sheet,
                    assigned_by=admin,
                    declared_at=now,
                )
                for a in [a for a in apps if a.state == State.EXPERT_REVIEW][:40]
            )
        self.stdout.write(f"  公示 1 件（{len(noticed)} 件申请），专家评审任务 40 件")
        # Refresh the planner's statistics after the bulk load, as autovacuum would.
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

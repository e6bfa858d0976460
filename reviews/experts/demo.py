"""Demo expert pool for `manage.py seed_demo`. Idempotent: a profile is found by its user
and brought to the values below, so a second run changes nothing."""

import importlib
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from members.models import IndustryField, Organization, PolicyVersion
from reviews.experts import rules
from reviews.models import (
    Criterion,
    ExpertAssignment,
    ExpertAvoidance,
    ExpertProfile,
    ScoreSheet,
)

# username: (title, fields, phone). Each expert works at a university or institute that is
# a unit of no demo application (liaoyang_consortia/demo.py), and every industry field has
# at least four experts from two or more employers: a draw of three for any demo
# application finds them with no recusal, and one spare replaces an expert who declares a
# conflict (tests/site/test_demo_chain.py).
EXPERTS = {
    "expert1": ("教授", ["芳烃及精细化工", "新材料", "增材制造", "双碳"], "13804190101"),
    "expert2": ("研究员", ["新材料", "增材制造", "铝合金精深加工"], "13804190102"),
    "expert3": (
        "正高级工程师",
        ["铝合金精深加工", "先进装备制造及汽车零部件", "增材制造"],
        "13804190103",
    ),
    "expert4": ("教授", ["医药健康", "芳烃及精细化工", "新材料"], "13804190104"),
    "expert5": (
        "高级工程师",
        ["先进装备制造及汽车零部件", "增材制造", "铝合金精深加工"],
        "13804190105",
    ),
    "expert6": ("研究员", ["医药健康", "芳烃及精细化工"], "13804190106"),
    "expert7": ("教授", ["先进装备制造及汽车零部件", "双碳", "新材料"], "13804190107"),
    "expert8": ("教授", ["芳烃及精细化工", "医药健康", "双碳"], "13804190108"),
    "expert9": ("研究员", ["双碳", "先进装备制造及汽车零部件", "铝合金精深加工"], "13804190109"),
    "expert10": ("研究员", ["医药健康", "新材料"], "13804190110"),
    "expert11": (
        "正高级工程师",
        ["芳烃及精细化工", "先进装备制造及汽车零部件", "铝合金精深加工"],
        "13804190111",
    ),
}


# username: (title level, research keywords). Every demo expert has a full profile.
PROFILES = {
    "expert1": ("senior", "精细化工工艺、催化剂、碳减排核算"),
    "expert2": ("senior", "金属基复合材料、粉末冶金、3D打印材料"),
    "expert3": ("senior", "铝合金熔铸、挤压成形、激光熔覆"),
    "expert4": ("senior", "药物合成、芳烃衍生物、高分子材料"),
    "expert5": ("associate", "数控装备、汽车零部件检测、增材制造装备"),
    "expert6": ("senior", "中药现代化、精细化学品分析"),
    "expert7": ("senior", "智能制造、储能材料、轻量化设计"),
    "expert8": ("senior", "化工安全、制药工程、节能减排"),
    "expert9": ("senior", "碳捕集利用、汽车电子、铝加工节能"),
    "expert10": ("senior", "生物医药、功能材料"),
    "expert11": ("senior", "化工装备、铝材热处理、工艺优化"),
}
# A unit to avoid besides the employer: a unit of no demo application (so no demo draw
# runs short), with the reason the expert declared.
AVOIDANCES = {"expert4": ("东北化工大学", "在该校兼任博士生导师")}
SUSPENDED = {"expert9": "本人申请暂停一年（赴外地挂职）"}
# The application under review whose invitation history shows a decline and an expiry.
HISTORY_APPLICATION = "增材制造"


def ensure_default_sheet() -> ScoreSheet:
    """The default score sheet of migration 0002. A database flushed after migrating (the
    browser tests) no longer has it; the demo needs it to draw experts."""
    seed = importlib.import_module("reviews.migrations.0002_default_score_sheet")
    sheet, created = ScoreSheet.objects.get_or_create(
        name=seed.SHEET_NAME, is_default=True, defaults={"is_active": True}
    )
    if created:
        Criterion.objects.bulk_create(
            Criterion(sheet=sheet, order=o, name=n, description=d, max_points=p)
            for o, n, d, p in seed.CRITERIA
        )
    return sheet


@transaction.atomic
def seed_experts(users) -> list[ExpertProfile]:
    """Expert profiles for the demo users expert1..expert10 (`users`: username → User, as
    seed_demo builds it), employed by their profile's unit. In EXPERTS' order."""
    ensure_default_sheet()
    fields = {f.name: f for f in IndustryField.objects.all()}
    profiles = []
    for username, (title, field_names, phone) in EXPERTS.items():
        user = users.get(username)
        if user is None:
            continue
        profile = getattr(user, "profile", None)
        expert, _ = ExpertProfile.objects.update_or_create(
            user=user,
            defaults={
                "name": user.get_full_name() or user.username,
                "title": title,
                "employer": profile.organization if profile else None,
                "phone": phone,
                "email": user.email,
                "title_level": PROFILES[username][0],
                "keywords": PROFILES[username][1],
                "status": ExpertProfile.Status.ACTIVE,
                "status_reason": "",
                "last_updated_on": date(timezone.localdate().year, 1, 12),
                "update_asked_year": timezone.localdate().year,
            },
        )
        expert.fields.set([fields[name] for name in field_names if name in fields])
        profiles.append(expert)
    return profiles


@transaction.atomic
def seed_library(users) -> None:
    """After the chain and the assessments (which drew the demo experts): one expert 暂停,
    an avoided unit, the application under review's invitation history with a decline and
    an expiry (each replaced), and one expert at the yearly cap. Idempotent."""
    from applications.models import Application

    today = timezone.localdate()
    for username, (unit_name, reason) in AVOIDANCES.items():
        unit = Organization.objects.filter(name=unit_name).first()
        expert = ExpertProfile.objects.filter(user__username=username).first()
        if unit and expert:
            ExpertAvoidance.objects.update_or_create(
                expert=expert, organization=unit, defaults={"reason": reason}
            )
    for username, reason in SUSPENDED.items():
        ExpertProfile.objects.filter(user__username=username).update(
            status=ExpertProfile.Status.SUSPENDED,
            status_reason=reason,
            status_changed_on=today - timedelta(days=40),
        )
    application = next(
        (
            a
            for a in Application.objects.select_related("lead")
            if HISTORY_APPLICATION in a.display_name
        ),
        None,
    )
    if application is not None:
        _invitation_history(application, users, today=today)
    _turnaround_and_ratings(users)
    _busiest_at_the_cap(today=today)


def _invitation_history(application, users, *, today):
    """The live experts of the application came in place of two others: expert5 declined
    the draw, expert7 (named by hand) never answered and the daily job replaced them."""
    live = list(
        application.expert_assignments.exclude(status__in=ExpertAssignment.ENDED).order_by(
            "assigned_at", "id"
        )
    )
    if (
        len(live) < 3
        or application.expert_assignments.filter(status__in=ExpertAssignment.ENDED).exists()
    ):
        return
    experts = {
        p.user.username: p
        for p in ExpertProfile.objects.filter(user__username__in=["expert5", "expert7"])
    }
    if len(experts) < 2:
        return
    first = live[0].assigned_at - timedelta(days=8)
    invited_on = timezone.localtime(first).date()
    city = users["city_staff"]
    sheet = live[0].sheet
    declined = ExpertAssignment.objects.create(
        application=application,
        expert=experts["expert5"],
        method=ExpertAssignment.Method.DRAW,
        sheet=sheet,
        assigned_by=city,
        status=ExpertAssignment.Status.DECLINED,
        respond_by=invited_on + timedelta(days=5),
        declared_at=first + timedelta(days=1),
        ended_at=first + timedelta(days=1),
        decline_reason="当周在外地参加国家重点研发计划项目验收，时间冲突。",
    )
    expired = ExpertAssignment.objects.create(
        application=application,
        expert=experts["expert7"],
        method=ExpertAssignment.Method.MANUAL,
        sheet=sheet,
        assigned_by=city,
        status=ExpertAssignment.Status.EXPIRED,
        respond_by=invited_on + timedelta(days=5),
        reminded_at=first + timedelta(days=3),
        ended_at=first + timedelta(days=6),
    )
    ExpertAssignment.objects.filter(pk__in=[declined.pk, expired.pk]).update(assigned_at=first)
    # The second and third live experts are the replacements.
    ExpertAssignment.objects.filter(pk=live[1].pk).update(replaces=declined)
    ExpertAssignment.objects.filter(pk=live[2].pk).update(replaces=expired)


# City staff's ratings of some demo reviews (the rest are not rated yet), by position.
RATINGS = [
    (5, "意见具体，论证充分，按时提交。"),
    (4, "意见较具体。"),
    (3, "意见偏简略，建议补充依据。"),
]


def _turnaround_and_ratings(users):
    """The demo's sheets were all made at seeding time: date each invitation a few days
    before its sheet (so the library shows turnarounds), and rate some reviews. Only rows
    not done yet are touched, so a second run changes nothing."""
    submitted = list(
        ExpertAssignment.objects.filter(status=ExpertAssignment.Status.SUBMITTED).order_by("pk")
    )
    for n, assignment in enumerate(submitted):
        if (
            assignment.submitted_at
            and assignment.assigned_at.date() == assignment.submitted_at.date()
        ):
            invited = assignment.submitted_at - timedelta(days=2 + n % 6)
            ExpertAssignment.objects.filter(pk=assignment.pk).update(
                assigned_at=invited,
                respond_by=rules.respond_by(
                    timezone.localtime(invited).date(), rules.DEFAULT_INVITATION_DAYS
                ),
            )
        if n % 2 == 0 and assignment.rating is None:
            rating, note = RATINGS[(n // 2) % len(RATINGS)]
            ExpertAssignment.objects.filter(pk=assignment.pk).update(
                rating=rating,
                rating_note=note,
                rated_by=users["city_staff"],
                rated_at=assignment.submitted_at,
            )


def _busiest_at_the_cap(*, today):
    """The policy in force caps reviews at the busiest demo expert's count this year, so
    the library shows one expert at the cap (the Measures' default is 10; a bureau sets
    its own in 办法参数版本)."""
    counted = (
        ExpertAssignment.objects.filter(
            assigned_at__year=today.year,
            status__in=ExpertAssignment.COUNTED,
        )
        .values("expert_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    version = PolicyVersion.in_force(today)
    if counted and version.pk and counted["n"] >= 3:
        PolicyVersion.objects.filter(pk=version.pk).update(expert_yearly_cap=counted["n"])

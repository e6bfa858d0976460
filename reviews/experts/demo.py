"""Demo expert pool for `manage.py seed_demo`. Idempotent: a profile is found by its user
and brought to the values below, so a second run changes nothing."""

import importlib

from django.db import transaction

from members.models import IndustryField
from reviews.models import Criterion, ExpertProfile, ScoreSheet

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
}


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
                "status": ExpertProfile.Status.ACTIVE,
            },
        )
        expert.fields.set([fields[name] for name in field_names if name in fields])
        profiles.append(expert)
    return profiles

"""Demo expert pool for `manage.py seed_demo`. Idempotent: a profile is found by its user
and brought to the values below, so a second run changes nothing."""

import importlib

from django.db import transaction

from members.models import IndustryField
from reviews.models import Criterion, ExpertProfile, ScoreSheet

# username: (title, fields). Every field of the demo applications has experts from several
# employers, so a draw with recusal still finds enough of them.
EXPERTS = {
    "expert1": ("教授", ["芳烃及精细化工", "新材料", "医药健康"]),
    "expert2": ("研究员", ["新材料", "铝合金精深加工", "先进装备制造及汽车零部件"]),
    "expert3": ("正高级工程师", ["芳烃及精细化工", "铝合金精深加工", "先进装备制造及汽车零部件"]),
    "expert4": ("教授", ["医药健康", "新材料", "芳烃及精细化工"]),
    "expert5": (
        "高级工程师",
        ["芳烃及精细化工", "铝合金精深加工", "先进装备制造及汽车零部件", "新材料"],
    ),
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
    """Expert profiles for the demo users expert1..expert5 (`users`: username → User, as
    seed_demo builds it), employed by their profile's unit."""
    ensure_default_sheet()
    fields = {f.name: f for f in IndustryField.objects.all()}
    profiles = []
    for username, (title, field_names) in EXPERTS.items():
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
                "phone": "",
                "is_active": True,
            },
        )
        expert.fields.set([fields[name] for name in field_names if name in fields])
        profiles.append(expert)
    return profiles

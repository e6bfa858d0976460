"""The default score sheet (评分表), following articles 5, 7 and 8 of the Measures. Admins
edit its criteria and points; this only seeds it. The data is copied here on purpose: a
migration must keep meaning what it meant when it was written."""

from django.db import migrations

SHEET_NAME = "创新联合体组建评审评分表（默认）"

CRITERIA = [
    (
        1,
        "产业领域与建设目标（第五条）",
        "属于我市重点产业集群或增材制造、双碳、医药健康、新材料等领域；建设目标明确、可考核，"
        "聚焦产业关键核心技术。",
        15,
    ),
    (
        2,
        "牵头单位条件（第七条：省级平台、研发投入、承担项目）",
        "在辽阳注册；拥有省级及以上技术创新平台；上年度研发投入占销售收入比例不低于3%；"
        "承担过市级及以上重大科技项目；具备组织协调能力。",
        25,
    ),
    (
        3,
        "成员构成与产学研结合（第六条、第八条）",
        "独立法人单位原则上不少于8家；有高校、科研院所参与；成员优势互补、分工明确，"
        "产学研用深度结合。",
        20,
    ),
    (
        4,
        "组建协议与运行机制（第八条、第九条）",
        "组建协议载明期限、目标任务、分工、权利义务、知识产权归属与许可、收益分配、违约责任，"
        "各方签字盖章；理事会及决策调度、协同攻关、利益分配等机制健全。",
        20,
    ),
    (
        5,
        "技术路线与任务可行性",
        "技术路线图清晰，攻关任务可行；资源保障和资金投入落实，资金监管措施到位；预期成果可考核。",
        20,
    ),
]


def create_sheet(apps, schema_editor):
    ScoreSheet = apps.get_model("reviews", "ScoreSheet")
    Criterion = apps.get_model("reviews", "Criterion")
    sheet, created = ScoreSheet.objects.get_or_create(
        name=SHEET_NAME, is_default=True, defaults={"is_active": True}
    )
    if created:
        Criterion.objects.bulk_create(
            Criterion(sheet=sheet, order=order, name=name, description=description, max_points=points)
            for order, name, description, points in CRITERIA
        )


def remove_sheet(apps, schema_editor):
    ScoreSheet = apps.get_model("reviews", "ScoreSheet")
    ScoreSheet.objects.filter(name=SHEET_NAME, is_default=True).delete()


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]

    operations = [migrations.RunPython(create_sheet, remove_sheet)]

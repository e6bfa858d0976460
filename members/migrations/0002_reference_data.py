"""Groups for the portal's roles and the reference data every deployment starts with.
Admins edit the lists afterwards; reversing removes only what this migration added."""

from django.db import migrations

ROLES = ["applicant", "county_reviewer", "city_staff", "expert", "admin"]

# GB/T 2260 codes of Liaoyang's seven county-level divisions.
COUNTIES = [
    ("211002", "白塔区"),
    ("211003", "文圣区"),
    ("211004", "宏伟区"),
    ("211005", "弓长岭区"),
    ("211011", "太子河区"),
    ("211021", "辽阳县"),
    ("211081", "灯塔市"),
]
# Recommending units without a division code.
RECOMMENDING_UNITS = ["辽阳高新技术产业开发区"]

# (name, is_cluster): the city's clusters we could source, then the Measures' named fields.
INDUSTRY_FIELDS = [
    ("芳烃及精细化工", True),
    ("铝合金精深加工", True),
    ("先进装备制造及汽车零部件", True),
    ("增材制造", False),
    ("双碳", False),
    ("医药健康", False),
    ("新材料", False),
]


def forwards(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    County = apps.get_model("members", "County")
    IndustryField = apps.get_model("members", "IndustryField")
    for name in ROLES:
        Group.objects.get_or_create(name=name)
    for order, (code, name) in enumerate(COUNTIES, start=1):
        County.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    for order, name in enumerate(RECOMMENDING_UNITS, start=len(COUNTIES) + 1):
        County.objects.get_or_create(name=name, defaults={"sort_order": order})
    for order, (name, is_cluster) in enumerate(INDUSTRY_FIELDS, start=1):
        IndustryField.objects.get_or_create(
            name=name, defaults={"is_cluster": is_cluster, "sort_order": order}
        )


def backwards(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()
    County = apps.get_model("members", "County")
    County.objects.filter(code__in=[c for c, _ in COUNTIES]).delete()
    County.objects.filter(name__in=RECOMMENDING_UNITS).delete()
    apps.get_model("members", "IndustryField").objects.filter(
        name__in=[n for n, _ in INDUSTRY_FIELDS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

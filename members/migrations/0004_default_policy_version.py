"""The thresholds of the Measures as issued on 2023-05-23; admins add a new version when
the bureau revises them (DESIGN.md §2)."""

import datetime

from django.db import migrations

NAME = "《辽阳市创新联合体建设管理办法》（2023年5月23日印发）"


def forwards(apps, schema_editor):
    PolicyVersion = apps.get_model("members", "PolicyVersion")
    PolicyVersion.objects.get_or_create(
        name=NAME,
        defaults={
            "effective_from": datetime.date(2023, 5, 23),
            "min_units": 8,
            "min_rd_ratio": 3,
            "lead_ban_years": 3,
        },
    )


def backwards(apps, schema_editor):
    apps.get_model("members", "PolicyVersion").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("members", "0003_policyversion_integrityrecord")]

    operations = [migrations.RunPython(forwards, backwards)]

"""The objector's receipt number (受理编号, YY2026-0007): a running number per year, unique.

Objections filed before this migration get theirs in the order they were received, per year
of receipt, so the person who calls about an old objection can be given one. The format is
copied here on purpose: a migration must keep meaning what it meant when it was written."""

from django.db import migrations, models
from django.utils import timezone


def backfill(apps, schema_editor):
    Objection = apps.get_model("reviews", "Objection")
    counters: dict[int, int] = {}
    for objection in Objection.objects.filter(receipt_number__isnull=True).order_by(
        "received_at", "pk"
    ):
        year = timezone.localtime(objection.received_at).year
        counters[year] = counters.get(year, 0) + 1
        objection.receipt_number = f"YY{year}-{counters[year]:04d}"
        objection.save(update_fields=["receipt_number"])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0002_default_score_sheet"),
    ]

    operations = [
        migrations.AddField(
            model_name="objection",
            name="receipt_number",
            field=models.CharField(
                blank=True,
                editable=False,
                max_length=20,
                null=True,
                unique=True,
                verbose_name="受理编号",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]

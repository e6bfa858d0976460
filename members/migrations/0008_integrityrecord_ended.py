"""Who ended an integrity record early, when and why (members.integrity, issue 11).

On SQLite the text column rebuilds members_integrityrecord; that table carries none of the
work-list version triggers (liaoyang_consortia.dataversion.WORK_LIST_TABLES), so, unlike
0007, there is nothing to restore."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0007_unit_registration"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="integrityrecord",
            name="ended_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="终止时间"),
        ),
        migrations.AddField(
            model_name="integrityrecord",
            name="ended_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="终止人",
            ),
        ),
        migrations.AddField(
            model_name="integrityrecord",
            name="ended_reason",
            field=models.TextField(blank=True, verbose_name="终止原因"),
        ),
    ]

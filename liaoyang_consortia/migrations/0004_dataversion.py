from django.db import migrations, models

from liaoyang_consortia.vendor_sql import VendorSQL

# As liaoyang_consortia.dataversion had them when this migration was written (a migration
# keeps its own copy; tests/site/test_dataversion.py checks the database has a trigger on
# every table the module lists).
WORK_LIST = "work_list"
WORK_LIST_TABLES = [
    "applications_application",
    "applications_applicationgroupobjectpermission",
    "applications_applicationuserobjectpermission",
    "auth_user",
    "auth_user_groups",
    "members_userprofile",
    "members_organization",
    "members_county",
    "members_policyversion",
    "reviews_expertassignment",
    "reviews_calendarday",
]

# PostgreSQL: one statement-level trigger per table, calling a PL/pgSQL function.
FUNCTION = """
CREATE OR REPLACE FUNCTION portal_bump_data_version() RETURNS trigger AS $$
BEGIN
    INSERT INTO liaoyang_consortia_dataversion (name, version) VALUES (TG_ARGV[0], 1)
    ON CONFLICT (name) DO UPDATE SET version = liaoyang_consortia_dataversion.version + 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def _trigger(table):
    return (
        f"CREATE TRIGGER portal_{WORK_LIST}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION portal_bump_data_version('{WORK_LIST}');"
    )


def _drop(table):
    return f"DROP TRIGGER IF EXISTS portal_{WORK_LIST}_version ON {table};"


POSTGRESQL_FORWARD = [FUNCTION, *[_trigger(t) for t in WORK_LIST_TABLES]]
POSTGRESQL_BACKWARD = [
    *[_drop(t) for t in WORK_LIST_TABLES],
    "DROP FUNCTION portal_bump_data_version();",
]

# SQLite (the demo, `make run`): no functions, no statement-level or multi-event triggers,
# no TRUNCATE. Three row-level triggers per table, each raising the version itself, in the
# writing statement's transaction as on PostgreSQL. (A statement touching many rows raises
# it once per row: more than needed, never less.) Trigger names are per database in
# SQLite, hence the table in the name. Migrations 0005 and 0006 replace some of them.
SQLITE_EVENTS = ["INSERT", "UPDATE", "DELETE"]
SQLITE_BUMP = (
    "INSERT INTO liaoyang_consortia_dataversion (name, version) VALUES ('{name}', 1) "
    "ON CONFLICT (name) DO UPDATE SET version = version + 1;"
)


def _sqlite_name(event, table):
    return f"portal_{WORK_LIST}_version_{event.lower()}_{table}"


def _sqlite_trigger(event, table):
    return (
        f"CREATE TRIGGER {_sqlite_name(event, table)} AFTER {event} ON {table} "
        f"BEGIN {SQLITE_BUMP.format(name=WORK_LIST)} END;"
    )


SQLITE_FORWARD = [_sqlite_trigger(e, t) for t in WORK_LIST_TABLES for e in SQLITE_EVENTS]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {_sqlite_name(e, t)};" for t in WORK_LIST_TABLES for e in SQLITE_EVENTS
]


class Migration(migrations.Migration):
    dependencies = [
        ("liaoyang_consortia", "0003_notification_sending_claim"),
        ("applications", "0006_work_list_index"),
        ("members", "0006_policyversion_decision_number_prefix_and_more"),
        ("reviews", "0002_default_score_sheet"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="DataVersion",
            fields=[
                ("name", models.CharField(max_length=40, primary_key=True, serialize=False)),
                ("version", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "数据版本", "verbose_name_plural": "数据版本"},
        ),
        VendorSQL(
            forward={"postgresql": POSTGRESQL_FORWARD, "sqlite": SQLITE_FORWARD},
            backward={"postgresql": POSTGRESQL_BACKWARD, "sqlite": SQLITE_BACKWARD},
        ),
    ]

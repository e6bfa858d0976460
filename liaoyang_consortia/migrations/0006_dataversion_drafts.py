from django.db import migrations

from liaoyang_consortia.vendor_sql import VendorSQL

# Applications never submitted (drafts) are seen only by their own unit (and superusers):
# a draft saved must not empty the cached work list of every county and city clerk. The
# applications table gets its own triggers, which look at the rows the statement touched
# (transition tables; PostgreSQL allows them on single-event triggers only, hence three)
# and raise "work_list" when a submitted application changed, "work_list_drafts" when a
# draft did. liaoyang_consortia.dataversion says which lists include which version.
TABLE = "applications_application"

FUNCTION = """
CREATE OR REPLACE FUNCTION portal_bump_applications_version() RETURNS trigger AS $$
DECLARE
    shared boolean := false;
    drafts boolean := false;
    s boolean;
    d boolean;
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT bool_or(submitted_at IS NOT NULL), bool_or(submitted_at IS NULL)
            INTO s, d FROM new_rows;
        shared := shared OR coalesce(s, false);
        drafts := drafts OR coalesce(d, false);
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT bool_or(submitted_at IS NOT NULL), bool_or(submitted_at IS NULL)
            INTO s, d FROM old_rows;
        shared := shared OR coalesce(s, false);
        drafts := drafts OR coalesce(d, false);
    END IF;
    IF shared THEN
        INSERT INTO liaoyang_consortia_dataversion (name, version) VALUES ('work_list', 1)
        ON CONFLICT (name) DO UPDATE SET version = liaoyang_consortia_dataversion.version + 1;
    END IF;
    IF drafts THEN
        INSERT INTO liaoyang_consortia_dataversion (name, version)
        VALUES ('work_list_drafts', 1)
        ON CONFLICT (name) DO UPDATE SET version = liaoyang_consortia_dataversion.version + 1;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

FORWARD = [
    f"DROP TRIGGER IF EXISTS portal_work_list_version ON {TABLE};",
    FUNCTION,
    f"CREATE TRIGGER portal_work_list_version_insert AFTER INSERT ON {TABLE} "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION portal_bump_applications_version();",
    f"CREATE TRIGGER portal_work_list_version_update AFTER UPDATE ON {TABLE} "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION portal_bump_applications_version();",
    f"CREATE TRIGGER portal_work_list_version_delete AFTER DELETE ON {TABLE} "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION portal_bump_applications_version();",
    # TRUNCATE has no rows to look at: both.
    f"CREATE TRIGGER portal_work_list_version AFTER TRUNCATE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION portal_bump_data_version('work_list');",
    f"CREATE TRIGGER portal_work_list_drafts_version AFTER TRUNCATE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION portal_bump_data_version('work_list_drafts');",
]

BACKWARD = [
    *[
        f"DROP TRIGGER IF EXISTS {name} ON {TABLE};"
        for name in (
            "portal_work_list_version_insert",
            "portal_work_list_version_update",
            "portal_work_list_version_delete",
            "portal_work_list_version",
            "portal_work_list_drafts_version",
        )
    ],
    "DROP FUNCTION IF EXISTS portal_bump_applications_version();",
    f"CREATE TRIGGER portal_work_list_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
    f"ON {TABLE} FOR EACH STATEMENT EXECUTE FUNCTION portal_bump_data_version('work_list');",
]

# SQLite (row-level triggers, one event each, no TRUNCATE): the row itself says which
# version a change raises: "work_list" when the row is or was submitted, "work_list_drafts"
# when it is or was a draft (a submission raises both, as on PostgreSQL). Two triggers per
# event, each with its WHEN, replace the three of migration 0004 on this table.
SQLITE_BUMP = (
    "BEGIN INSERT INTO liaoyang_consortia_dataversion (name, version) VALUES ('{name}', 1) "
    "ON CONFLICT (name) DO UPDATE SET version = version + 1; END;"
)
SQLITE_EVENTS = ["INSERT", "UPDATE", "DELETE"]
# (version, event): when the row counts for that version
SQLITE_WHEN = {
    ("work_list", "INSERT"): "NEW.submitted_at IS NOT NULL",
    ("work_list", "UPDATE"): "OLD.submitted_at IS NOT NULL OR NEW.submitted_at IS NOT NULL",
    ("work_list", "DELETE"): "OLD.submitted_at IS NOT NULL",
    ("work_list_drafts", "INSERT"): "NEW.submitted_at IS NULL",
    ("work_list_drafts", "UPDATE"): "OLD.submitted_at IS NULL OR NEW.submitted_at IS NULL",
    ("work_list_drafts", "DELETE"): "OLD.submitted_at IS NULL",
}


def _sqlite_name(name, event):
    return f"portal_{name}_version_{event.lower()}_{TABLE}"


SQLITE_FORWARD = [
    *[f"DROP TRIGGER IF EXISTS {_sqlite_name('work_list', e)};" for e in SQLITE_EVENTS],
    *[
        f"CREATE TRIGGER {_sqlite_name(name, event)} AFTER {event} ON {TABLE} WHEN {when} "
        f"{SQLITE_BUMP.format(name=name)}"
        for (name, event), when in SQLITE_WHEN.items()
    ],
]

SQLITE_BACKWARD = [
    *[f"DROP TRIGGER IF EXISTS {_sqlite_name(name, event)};" for name, event in SQLITE_WHEN],
    # Migration 0004's.
    *[
        f"CREATE TRIGGER {_sqlite_name('work_list', e)} AFTER {e} ON {TABLE} "
        f"{SQLITE_BUMP.format(name='work_list')}"
        for e in SQLITE_EVENTS
    ],
]


class Migration(migrations.Migration):
    dependencies = [("liaoyang_consortia", "0005_dataversion_user_columns")]

    operations = [
        VendorSQL(
            forward={"postgresql": FORWARD, "sqlite": SQLITE_FORWARD},
            backward={"postgresql": BACKWARD, "sqlite": SQLITE_BACKWARD},
        )
    ]

from django.db import migrations

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


class Migration(migrations.Migration):
    dependencies = [("liaoyang_consortia", "0005_dataversion_user_columns")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

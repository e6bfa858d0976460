from django.db import migrations

from liaoyang_consortia.vendor_sql import VendorSQL

# The work list reads only is_superuser and is_active of auth_user; every sign-in writes
# last_login, which must not empty everyone's cached work list.
TRIGGER = "portal_work_list_version"
NARROW = (
    f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR DELETE OR TRUNCATE "
    "OR UPDATE OF is_superuser, is_active ON auth_user "
    "FOR EACH STATEMENT EXECUTE FUNCTION portal_bump_data_version('work_list');"
)
WIDE = (
    f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON auth_user "
    "FOR EACH STATEMENT EXECUTE FUNCTION portal_bump_data_version('work_list');"
)
DROP = f"DROP TRIGGER IF EXISTS {TRIGGER} ON auth_user;"

# SQLite (migration 0004's row-level triggers, one per event): only the update trigger
# changes; SQLite has UPDATE OF too (it fires when the statement sets one of the columns).
SQLITE_TRIGGER = "portal_work_list_version_update_auth_user"
SQLITE_BUMP = (
    "BEGIN INSERT INTO liaoyang_consortia_dataversion (name, version) VALUES ('work_list', 1) "
    "ON CONFLICT (name) DO UPDATE SET version = version + 1; END;"
)
SQLITE_NARROW = (
    f"CREATE TRIGGER {SQLITE_TRIGGER} AFTER UPDATE OF is_superuser, is_active ON auth_user "
    f"{SQLITE_BUMP}"
)
SQLITE_WIDE = f"CREATE TRIGGER {SQLITE_TRIGGER} AFTER UPDATE ON auth_user {SQLITE_BUMP}"
SQLITE_DROP = f"DROP TRIGGER IF EXISTS {SQLITE_TRIGGER};"


class Migration(migrations.Migration):
    dependencies = [("liaoyang_consortia", "0004_dataversion")]

    operations = [
        VendorSQL(
            forward={"postgresql": [DROP, NARROW], "sqlite": [SQLITE_DROP, SQLITE_NARROW]},
            backward={"postgresql": [DROP, WIDE], "sqlite": [SQLITE_DROP, SQLITE_WIDE]},
        )
    ]

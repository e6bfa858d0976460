from django.db import migrations

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


class Migration(migrations.Migration):
    dependencies = [("liaoyang_consortia", "0004_dataversion")]

    operations = [migrations.RunSQL([DROP, NARROW], [DROP, WIDE])]

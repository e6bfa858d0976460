from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("单位与基础数据")

    def ready(self):
        from django.db.models.signals import post_migrate

        # Every app's emission, not only ours: permissions of apps migrated after members
        # exist only once their own post_migrate has run.
        post_migrate.connect(_sync_role_permissions, dispatch_uid="sync_role_permissions")


def _sync_role_permissions(**kwargs):
    from members.services import sync_role_permissions

    sync_role_permissions()

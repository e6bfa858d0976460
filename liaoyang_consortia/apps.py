from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    name = "liaoyang_consortia"
    verbose_name = _("站点")

    def ready(self):
        # The audit trail listens to sign-ins and state changes from here on.
        from liaoyang_consortia import audit

        audit.connect()

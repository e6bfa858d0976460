from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    name = "liaoyang_consortia"
    verbose_name = _("站点")

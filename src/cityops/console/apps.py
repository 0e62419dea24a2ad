from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "cityops.console"
    label = "console"
    verbose_name = _("Operator console")

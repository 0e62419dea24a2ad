from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cityops.core.navigation import NavEntry, nav_entry_register
from cityops.core.permissions import Role


class ExportsConfig(AppConfig):
    name = "cityops.exports"
    label = "exports"
    verbose_name = _("Exports")

    def ready(self) -> None:
        nav_entry_register(NavEntry(
            key="monthly", label=_("Monthly report"), url_name="exports:monthly-report", order=90,
            roles=(Role.LEADER, Role.SHIFT_LEADER, Role.DISPATCHER, Role.ACCEPTOR, Role.HANDLER),
            pages=("monthly-report",),
        ))
        nav_entry_register(NavEntry(key="exports", label=_("My exports"), url_name="exports:list", order=100))

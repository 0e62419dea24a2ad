from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cityops.core.navigation import NavEntry, nav_entry_register
from cityops.core.permissions import Role


class AnalyticsConfig(AppConfig):
    name = "cityops.analytics"
    label = "analytics"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        # One link for the three statistics pages (their own tabs switch between them).
        nav_entry_register(NavEntry(
            key="analytics", label=_("Statistics (统计分析)"), url_name="analytics:index", order=80,
            roles=(Role.LEADER, Role.SHIFT_LEADER, Role.DISPATCHER, Role.ACCEPTOR, Role.HANDLER),
            pages=("index", "highs", "forecast"),
        ))

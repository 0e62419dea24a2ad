from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cityops.core.navigation import NavEntry, nav_entry_register
from cityops.core.permissions import Role


class CommandConfig(AppConfig):
    name = "cityops.command"
    label = "command"
    verbose_name = _("Command one map")

    def ready(self) -> None:
        # The command centre's staff see the one map in the console's navigation.
        nav_entry_register(NavEntry(
            key="command", label=_("One map (一张图)"), url_name="command:map", order=60,
            roles=(Role.LEADER, Role.SHIFT_LEADER, Role.DISPATCHER, Role.ACCEPTOR),
        ))

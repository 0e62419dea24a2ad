from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cityops.core.navigation import NavEntry, nav_entry_register
from cityops.core.permissions import Role


class IntakeConfig(AppConfig):
    name = "cityops.intake"
    label = "intake"
    verbose_name = _("Intake channels")

    def ready(self) -> None:
        from cityops.cases.photos import public_photo_rule_register
        from cityops.intake.integrations import callbacks
        from cityops.intake.portal.selectors import photo_is_public

        callbacks.connect()
        # A photo on an accepted report's public page may be fetched by anyone (the photo download asks).
        public_photo_rule_register(photo_is_public)
        # The acceptors' desks in the console's navigation.
        nav_entry_register(NavEntry(key="hotline", label=_("Hotline desk"), url_name="hotline:desk", order=40,
                                    roles=(Role.ACCEPTOR,)))
        nav_entry_register(NavEntry(key="moderation", label=_("Moderation queue"), url_name="moderation", order=50,
                                    roles=(Role.ACCEPTOR,)))

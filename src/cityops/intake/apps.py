from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "cityops.intake"
    label = "intake"
    verbose_name = _("Intake channels")

    def ready(self) -> None:
        from cityops.intake.integrations import callbacks

        callbacks.connect()

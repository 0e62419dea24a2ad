from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "cityops.org"
    label = "org"
    verbose_name = _("Organisation and access")

    def ready(self) -> None:
        # Connects the audit of login lock-outs (django-axes' user_locked_out signal); here, not at the top: it
        # imports the audit's model, which loads only after every app's apps.py.
        from cityops.org import lockout  # noqa: F401

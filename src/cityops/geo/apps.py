from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cityops.core.warmup import warm_up_register


class GeoConfig(AppConfig):
    name = "cityops.geo"
    label = "geo"
    verbose_name = _("Geography")

    def ready(self) -> None:
        # Here, not at the top: both hold models, which load only after every app's apps.py.
        from cityops.geo import signals  # noqa: F401  (connects the locate index to region changes)
        from cityops.geo.locate import warm_up

        warm_up_register(warm_up)

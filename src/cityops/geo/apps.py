from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "cityops.geo"
    label = "geo"
    verbose_name = _("Geography")

    def ready(self) -> None:
        from cityops.core.warmup import warm_up_register
        from cityops.geo import signals  # noqa: F401  (connects the locate index to region changes)
        from cityops.geo.locate import warm_up

        warm_up_register(warm_up)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cityops.core.maplayers import MapLayer, map_layer_register


class TrackingConfig(AppConfig):
    name = "cityops.tracking"
    label = "tracking"
    verbose_name = _("Positions")

    def ready(self) -> None:
        # The inspectors' last positions on the one map; a click shows one's track of the day.
        map_layer_register(MapLayer(
            key="inspectors", label=_("Inspectors (last 8 h)"), order=20,
            endpoints={"inspectors": ("api-v1:command_inspectors", ()),
                       "track": ("api-v1:command_track", ("__user__",))},
        ))

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cityops.core.maplayers import MapLayer, map_layer_register


class AssetsConfig(AppConfig):
    name = "cityops.assets"
    label = "assets"
    verbose_name = _("Component census")

    def ready(self) -> None:
        # The component census on the one map, at close zooms only.
        map_layer_register(MapLayer(key="components", label=_("Components (close zoom)"), order=30,
                                    endpoints={"components": ("api-v1:command_components", ())}))

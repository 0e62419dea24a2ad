"""The one map's layers (一张图图层): a registry each app fills from its `AppConfig.ready()`.

A layer is a toggle in the map's layer box and the API endpoints its script reads, by URL name. The map page
(`command`) renders whatever is registered, in `order`, so a domain adds its layer without the map importing
it. The registry knows no domain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class MapLayer:
    key: str  # the toggle's id is `command-layer-<key>`
    label: Any  # a lazy translation
    order: int
    # Config name → (URL name, URL args): reversed into the page's config for its script.
    endpoints: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)


_LAYERS: dict[str, MapLayer] = {}


def map_layer_register(layer: MapLayer) -> None:
    """Add (or replace, for a reloaded app) one layer of the one map."""
    _LAYERS[layer.key] = layer


def map_layers() -> list[MapLayer]:
    """Every registered layer, in order."""
    return sorted(_LAYERS.values(), key=lambda layer: (layer.order, layer.key))


def map_layer_endpoints() -> dict[str, str]:
    """Each registered layer's endpoints as URLs, by config name."""
    return {name: reverse(url_name, args=list(args))
            for layer in map_layers() for name, (url_name, args) in layer.endpoints.items()}

"""The one map's layer registry: apps add their layers when they load, the map lists them in order."""

from __future__ import annotations

from cityops.core.maplayers import map_layer_endpoints, map_layers


def test_the_installed_apps_register_the_inspectors_and_the_components_in_that_order():
    assert [layer.key for layer in map_layers()] == ["inspectors", "components"]


def test_each_layer_names_the_endpoints_its_script_reads():
    assert map_layer_endpoints() == {
        "inspectors": "/api/v1/command/inspectors", "track": "/api/v1/command/inspectors/__user__/track",
        "components": "/api/v1/command/components",
    }

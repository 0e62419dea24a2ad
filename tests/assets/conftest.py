from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(fast_password_hashing):
    """Every test here uses the shared fast hasher."""




# Points inside the small city (see cityops.testing.factories): east district 510104 spans lon 104.00–104.02,
# west district 510105 spans 104.02–104.04; both lat 30.00–30.02.
EAST = (104.005, 30.015)  # grid 510104001001001
WEST = (104.025, 30.015)  # grid 510105001001001
OUTSIDE = (105.0, 31.0)


@pytest.fixture
def census(personas):
    """A few components: two manhole covers in the east, one in the west."""
    from cityops.assets.services import component_create

    admin = personas["admin"]
    return {
        "east1": component_create(data={"catalog_class": "01001", "lon": 104.005, "lat": 30.015}, actor=admin),
        "east2": component_create(data={"catalog_class": "01001", "lon": 104.0055, "lat": 30.015}, actor=admin),
        "east_lamp": component_create(data={"catalog_class": "01032", "lon": 104.006, "lat": 30.015}, actor=admin),
        "west1": component_create(data={"catalog_class": "01001", "lon": 104.025, "lat": 30.015}, actor=admin),
    }

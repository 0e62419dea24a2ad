"""Writes of the geo domain: region imports, edits, grid inspectors. Each one audited, in one transaction."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cityops.geo.locate import invalidate_index
from cityops.geo.models import RegionSetVersion


def region_set_changed() -> int:
    """Bump the region-set version (所有进程重建定位索引) after any change to regions; returns the new version."""
    now = timezone.now()
    # A conditional UPDATE, not read-modify-write: two concurrent imports each get their own increment.
    updated = RegionSetVersion.objects.filter(pk=1).update(version=F("version") + 1, changed_at=now)
    if not updated:
        RegionSetVersion.objects.get_or_create(pk=1, defaults={"version": 1, "changed_at": now})
    invalidate_index()
    transaction.on_commit(invalidate_index)
    return RegionSetVersion.objects.values_list("version", flat=True).get(pk=1)

"""Keep this process's locate index in step with the regions table."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from cityops.geo.locate import invalidate_index
from cityops.geo.models import Region, RegionSetVersion


@receiver(post_save, sender=Region, dispatch_uid="geo_region_saved")
@receiver(post_delete, sender=Region, dispatch_uid="geo_region_deleted")
@receiver(post_save, sender=RegionSetVersion, dispatch_uid="geo_region_set_version_saved")
def _regions_changed(sender: Any, **kwargs: Any) -> None:
    invalidate_index()
    # Again after commit: a rebuild that ran before the commit (from another thread's connection)
    # could not see the new rows yet.
    transaction.on_commit(invalidate_index)

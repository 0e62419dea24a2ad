from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _

from cityops.core.office_hours import office_hours


class CoreConfig(AppConfig):
    name = "cityops.core"
    label = "core"
    verbose_name = _("Platform core")

    def ready(self) -> None:
        # Here, not at the top: both modules hold or read models, which load only after every app's apps.py.
        from cityops.core import worktime
        from cityops.core.models import ArrangementDay, CalendarOverride

        # weak=False: a local function would otherwise be garbage-collected and never called.
        def _calendar_changed(**kwargs: Any) -> None:
            worktime.clear_caches()

        post_save.connect(_calendar_changed, sender=CalendarOverride, weak=False, dispatch_uid="core.calendar.saved")
        post_delete.connect(_calendar_changed, sender=CalendarOverride, weak=False, dispatch_uid="core.calendar.deleted")
        post_save.connect(_calendar_changed, sender=ArrangementDay, weak=False, dispatch_uid="core.arrangement.saved")
        post_delete.connect(_calendar_changed, sender=ArrangementDay, weak=False,
                            dispatch_uid="core.arrangement.deleted")
        checks.register(_check_office_hours)


def _check_office_hours(app_configs: Any, **kwargs: Any) -> list:
    """`manage.py check` (and every command) reports malformed CITYOPS_OFFICE_HOURS before first use."""
    try:
        office_hours()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="cityops.E001")]
    return []

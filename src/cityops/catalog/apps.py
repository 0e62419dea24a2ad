from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "cityops.catalog"
    label = "catalog"
    verbose_name = _("National catalogue")

    def ready(self) -> None:
        from cityops.catalog import (
            cache,  # here, not at the top: it holds models, which load after every apps.py
        )

        cache.connect()  # the report path's in-process copy of the policy follows catalogue edits

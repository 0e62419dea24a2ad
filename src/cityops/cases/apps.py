from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cityops.core.navigation import NavEntry, nav_entry_register
from cityops.core.signals import calendar_changed


class CasesConfig(AppConfig):
    name = "cityops.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        # Here, not at the top: these hold models, which load only after every app's apps.py.
        from cityops.cases import notices, sla
        from cityops.cases.subscribers import case_event_subscribe

        calendar_changed.connect(sla.calendar_changed_receiver, dispatch_uid="cases.clocks.recompute")
        # The first subscribers of every case event, in this order (cases.subscribers); other apps' follow.
        case_event_subscribe("cases.staff_notices", notices.staff_notices)
        case_event_subscribe("cases.citizen_messages", notices.citizen_messages)
        # The case pages lead the console's navigation, for every user.
        nav_entry_register(NavEntry(key="queue", label=_("My work queue"), url_name="console:queue", order=10))
        nav_entry_register(NavEntry(key="search", label=_("Search cases"), url_name="console:search", order=20))
        nav_entry_register(NavEntry(key="report", label=_("New report"), url_name="console:report", order=30))

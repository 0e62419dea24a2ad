from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from cityops.core.navigation import NavEntry, nav_entry_register


class EvaluationConfig(AppConfig):
    name = "cityops.evaluation"
    label = "evaluation"
    verbose_name = _("Comprehensive evaluation")

    def ready(self) -> None:
        # Everyone in the console sees the evaluation (its pages show what the user's scope allows).
        nav_entry_register(NavEntry(key="evaluation", label=_("Evaluation (综合评价)"), url_name="evaluation:index",
                                    order=70))

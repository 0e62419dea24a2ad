"""The one map's filter form (GET): rendering only; `command.selectors.map_filters` parses the same names."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cityops.cases.models import CaseState, Source
from cityops.command.selectors import MAP_STATES
from cityops.core.permissions import department_scope_q, region_scope_q
from cityops.geo.models import Level, Region
from cityops.org.models import Department

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser

MAX_REGION_CHOICES = 300


class MapFilterForm(forms.Form):
    """Class, state, region, department, source, reported since/until, overdue only."""

    klass = forms.CharField(label=_("Class"), required=False, max_length=120, widget=forms.TextInput(
        attrs={"list": "command-class-options", "placeholder": _("code or name"), "autocomplete": "off"}))
    state = forms.ChoiceField(label=_("State"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False,
                               choices=[("", _("All sources")), *Source.choices])
    reported_from = forms.DateField(label=_("Reported since"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    reported_to = forms.DateField(label=_("Reported until"), required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, user: AnyUser | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(CaseState.choices)
        self.fields["state"].choices = [("", _("All open states")), *[(s, labels[s]) for s in MAP_STATES]]
        self.fields["region"].choices = [("", _("Whole scope")), *_region_choices(user)]
        self.fields["department"].choices = [("", _("All departments")), *_department_choices(user)]

    def add_prefix(self, field_name: str) -> str:
        # The inputs carry the API's parameter names ("class", "from", "to"), so the page and the API share them.
        return {"klass": "class", "reported_from": "from", "reported_to": "to"}.get(field_name, field_name)


def _region_choices(user: AnyUser | None) -> list[tuple[str, str]]:
    """Districts and streets of the viewer's scope (an indent marks a street)."""
    regions = Region.objects.filter(region_scope_q(user), level__in=[Level.DISTRICT, Level.STREET]).order_by("path")
    return [(r.code, f"{'— ' if r.level == Level.STREET else ''}{r.name}")
            for r in regions.only("code", "name", "level")[:MAX_REGION_CHOICES]]


def _department_choices(user: AnyUser | None) -> list[tuple[str, str]]:
    departments = Department.objects.filter(department_scope_q(user), is_active=True).order_by("path")
    return [(d.code, d.name) for d in departments.only("code", "name")[:MAX_REGION_CHOICES]]

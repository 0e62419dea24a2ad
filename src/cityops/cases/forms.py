"""Forms of the operator console: list filters, the new-report form and one form per workflow action.

The forms only parse and check the shape of the input; every rule lives in `cases.services`.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cityops.cases.models import CaseState, PhotoPhase, RequestKind, Source, VoidReason
from cityops.catalog.models import Urgency
from cityops.org.models import Department

if TYPE_CHECKING:
    from cityops.core.typing import AnyUser

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _yes(value: str) -> bool:
    return value == "yes"


class FilterForm(forms.Form):
    """Narrowing a queue or a search (GET)."""

    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states")), *CaseState.choices])
    klass = forms.CharField(label=_("Class"), required=False, max_length=40,
                            widget=forms.TextInput(attrs={"list": "class-options", "placeholder": _("code or name")}))
    region = forms.CharField(label=_("Region code"), required=False, max_length=15)
    source = forms.ChoiceField(label=_("Source"), required=False, choices=[("", _("All sources")), *Source.choices])
    overdue = forms.ChoiceField(label=_("Overdue"), required=False,
                                choices=[("", _("Any")), ("yes", _("Overdue")), ("no", _("Not overdue"))])
    q = forms.CharField(label=_("Search"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"placeholder": _("case number or words"), "type": "search"}))

    def clean_klass(self) -> str:
        # The datalist offers "06010 name": keep the code (or "kind:code") the user picked.
        value = (self.cleaned_data.get("klass") or "").strip()
        return value.split(" ", 1)[0] if value else ""


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photo files in one input (each one checked by content when stored)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


REPORT_SOURCES = [Source.INSPECTOR, Source.STAFF, Source.HOTLINE, Source.CITIZEN]


class ReportForm(forms.Form):
    """A new report entered by staff (an inspector on patrol, or an acceptor taking a call)."""

    source = forms.ChoiceField(label=_("Channel"), choices=[(s.value, s.label) for s in REPORT_SOURCES])
    klass = forms.CharField(label=_("Class"), max_length=120,
                            widget=forms.TextInput(attrs={"list": "class-options", "autocomplete": "off",
                                                          "placeholder": _("type a code, a name or pinyin initials")}))
    urgency = forms.ModelChoiceField(label=_("Urgency"), queryset=Urgency.objects.order_by("rank"), required=False,
                                     empty_label=_("Default"))
    description = forms.CharField(label=_("Description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180,
                           widget=forms.NumberInput(attrs={"step": "any"}))
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90,
                           widget=forms.NumberInput(attrs={"step": "any"}))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    reporter_name = forms.CharField(label=_("Reporter name"), max_length=60, required=False)
    reporter_contact = forms.CharField(label=_("Reporter contact"), max_length=120, required=False)
    photos = MultipleImageField(label=_("Photos"), required=False)
    self_handled = forms.BooleanField(label=_("Fixed on the spot (自处理)"), required=False)
    result = forms.CharField(label=_("What was done"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    # A fresh key per rendered form: a double submit or a resend after a timeout returns the same case.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean_klass(self) -> str:
        return (self.cleaned_data.get("klass") or "").strip().split(" ", 1)[0]


# --- workflow actions --------------------------------------------------------------------------------------


class ActionForm(forms.Form):
    """The common part of every action: the case version the page showed, and a note."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, case: Any = None, user: AnyUser | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case, self.user = case, user
        if case is not None and not self.is_bound:
            self.initial.setdefault("version", case.version)


class DecisionForm(ActionForm):
    """An action answered yes or no with one of two buttons (verify, check, decide)."""

    answer = forms.ChoiceField(choices=YES_NO)

    @property
    def yes(self) -> bool:
        return _yes(self.cleaned_data["answer"])


class DispatchForm(ActionForm):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False,
                                        empty_label=_("The proposed department"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(is_active=True).order_by("path")
        if self.case is not None and self.case.proposed_department_id and not self.is_bound:
            self.initial.setdefault("department", self.case.proposed_department_id)


class PassDownForm(ActionForm):
    unit = forms.ModelChoiceField(label=_("Sub-unit"), queryset=Department.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        department = getattr(self.case, "department", None)
        if department is not None:
            self.fields["unit"].queryset = Department.objects.filter(
                path__startswith=department.path, is_active=True).exclude(pk=department.pk).order_by("path")


class HandleForm(ActionForm):
    result = forms.CharField(label=_("Result"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultipleImageField(label=_("Photos after handling"), required=False)


class MergeForm(ActionForm):
    master = forms.CharField(label=_("Master case number"), max_length=16)


class RequestForm(ActionForm):
    kind = forms.ChoiceField(label=_("Request"), choices=RequestKind.choices)
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    extra_minutes = forms.IntegerField(label=_("Extra minutes (extension)"), required=False, min_value=1)
    void_reason = forms.ChoiceField(label=_("Void reason"), required=False,
                                    choices=[("", "—"), *VoidReason.choices])

    def __init__(self, *args: Any, kinds: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kinds is not None:
            self.fields["kind"].choices = [(k, v) for k, v in RequestKind.choices if k in kinds]


class DecideForm(DecisionForm):
    request_id = forms.IntegerField(widget=forms.HiddenInput)


class PhotoForm(ActionForm):
    phase = forms.ChoiceField(label=_("Phase"), choices=PhotoPhase.choices)
    photos = MultipleImageField(label=_("Photos"))

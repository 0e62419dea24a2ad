"""Forms of the hotline desk (热线受理)."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class HotlineCallForm(forms.Form):
    """One call taken by an operator: the caller, the place, the class and what they said."""

    caller_phone = forms.CharField(label=_("Caller number"), max_length=120)
    caller_name = forms.CharField(label=_("Caller name"), max_length=60, required=False)
    klass = forms.CharField(label=_("Class"), max_length=120)
    description = forms.CharField(label=_("Description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    lon = forms.FloatField(label=_("Longitude"), min_value=-180, max_value=180,
                           widget=forms.NumberInput(attrs={"step": "any"}))
    lat = forms.FloatField(label=_("Latitude"), min_value=-90, max_value=90,
                           widget=forms.NumberInput(attrs={"step": "any"}))
    # The number of an open case the operator chose: the call is added to it instead of a new case.
    duplicate_of = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    # A fresh key per rendered form: a double submit returns the case the first one made.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def clean_klass(self) -> str:
        # The datalist's option reads "kind:code name": the ref is its first word.
        return (self.cleaned_data.get("klass") or "").strip().split(" ", 1)[0]

"""Forms of the citizen portal: they only parse; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cityops.cases.forms import MultipleImageField


class ChallengeFields(forms.Form):
    challenge_token = forms.CharField(widget=forms.HiddenInput, required=False)
    challenge_answer = forms.CharField(label=_("Your answer"), max_length=6, required=False,
                                       widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))


class PortalReportForm(ChallengeFields):
    """Report a problem (我要举报)."""

    category = forms.TypedChoiceField(label=_("What is the problem?"), coerce=int, widget=forms.RadioSelect)
    description = forms.CharField(label=_("Describe it"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    lon = forms.FloatField(label=_("Longitude"), required=False, widget=forms.HiddenInput)
    lat = forms.FloatField(label=_("Latitude"), required=False, widget=forms.HiddenInput)
    address = forms.CharField(label=_("Address or landmark"), max_length=200, required=False)
    place = forms.CharField(max_length=40, required=False, widget=forms.HiddenInput)
    contact = forms.CharField(label=_("Phone or e-mail (optional, for updates)"), max_length=120, required=False)
    photos = MultipleImageField(label=_("Photos (up to 3)"), required=False)

    def __init__(self, *args: Any, categories: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = categories


class RatingForm(forms.Form):
    satisfaction = forms.TypedChoiceField(label=_("How satisfied are you?"), coerce=int, widget=forms.RadioSelect,
                                          choices=[(i, str(i)) for i in range(5, 0, -1)])
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(ChallengeFields):
    description = forms.CharField(label=_("What is still wrong?"), max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    photos = MultipleImageField(label=_("Photos (up to 3)"), required=False)


class TrackForm(forms.Form):
    code = forms.CharField(label=_("Tracking code"), max_length=20)

"""The scheme in the Django admin: edits are audited, formulas checked against the kind's counters."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cityops.core.audit import AuditEvent
from cityops.evaluation.models import GradeBand, Indicator


def test_the_default_scheme_weights_sum_to_100_for_every_kind(db):
    weights = {}
    for indicator in Indicator.objects.all():
        weights[indicator.kind] = weights.get(indicator.kind, 0) + indicator.weight
    assert set(weights.values()) == {100} and len(weights) == 9
    assert Indicator.objects.get(kind="district", code="on_time_closing_rate").weight == 40
    assert list(GradeBand.objects.values_list("grade", "lower")) == [("A", 90), ("B", 75), ("C", 60), ("D", 40),
                                                                     ("E", 0)]


def test_an_admin_edit_of_an_indicator_is_audited(client, cast):
    client.force_login(cast["admin"])
    indicator = Indicator.objects.get(kind="department", code="rework_rate")
    url = reverse("admin:evaluation_indicator_change", args=[indicator.pk])
    data = {"kind": "department", "position": 3, "code": "rework_rate", "name": "返工率", "name_en": "Rework rate",
            "numerator": "reworks", "denominator": "handled", "method": "inverse_rate", "weight": "25",
            "bins": "[]", "source": indicator.source, "active": "on"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    indicator.refresh_from_db()
    assert (indicator.denominator, indicator.weight) == ("handled", 25)
    event = AuditEvent.objects.get(action="evaluation.indicator.updated")
    assert event.data["after"]["denominator"] == "handled"


@pytest.mark.parametrize("changes, field", [
    ({"numerator": "missed"}, "numerator"),  # an inspector counter on a department
    ({"method": "rate", "denominator": ""}, "denominator"),
    ({"weight": 120}, "weight"),
    ({"method": "bins", "bins": [[0, 10, 100], [5, None, 50]]}, "bins"),
    ({"method": "bins", "bins": [[0, 10, 140]]}, "bins"),
])
def test_a_formula_outside_the_kinds_vocabulary_or_bad_bins_is_refused(db, changes, field):
    indicator = Indicator.objects.get(kind="department", code="closing_rate")
    for name, value in changes.items():
        setattr(indicator, name, value)
    with pytest.raises(ValidationError) as refused:
        indicator.full_clean()
    assert field in refused.value.message_dict

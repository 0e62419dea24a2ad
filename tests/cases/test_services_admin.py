"""The case admin shows cases, their clocks and history read-only: state changes only go through the services."""

from __future__ import annotations

from django.urls import reverse

from cityops.cases.models import CaseState
from cityops.testing import factories as f
from tests.cases.workflow_cast import *  # noqa: F403
from tests.cases.workflow_cast import drive, report


def test_the_case_admin_lists_and_shows_a_case_but_offers_no_editing(cast, client):
    case = drive(report(cast), cast, CaseState.DISPATCHED)
    client.force_login(f.make_user("root", is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:cases_case_changelist") + "?q=" + case.number)
    assert listing.status_code == 200 and case.number in listing.content.decode()
    page = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "case.dispatched" in body
    assert 'name="_save"' not in body
    response = client.post(reverse("admin:cases_case_change", args=[case.pk]), {"state": "closed"})
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.state == CaseState.DISPATCHED

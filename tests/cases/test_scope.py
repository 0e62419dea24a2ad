"""Case visibility: region subtree, department subtree, admins, users without scope."""

from __future__ import annotations

import pytest
from django.db.models import Q

from cityops.cases.scope import case_scope_q, ensure_case_visible
from cityops.core.errors import NotFound


def test_a_user_without_scope_sees_no_case(personas):
    assert case_scope_q(personas["nobody"]) == Q(pk__in=[])


def test_an_admin_sees_every_case(personas):
    assert case_scope_q(personas["admin"]) == Q()


def test_a_region_scope_filters_by_path_prefix(personas, city):
    q = case_scope_q(personas["dispatcher"])
    assert ("region_path__startswith", city.districts[0].path) in q.children


def test_ensure_case_visible_refuses_with_not_found(personas, db):
    class Unsaved:
        pk = -1

    with pytest.raises(NotFound):
        ensure_case_visible(personas["dispatcher"], Unsaved())

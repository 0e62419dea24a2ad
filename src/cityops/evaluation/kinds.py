"""The evaluation's vocabularies: who is evaluated and how an indicator is scored (below the counters and models)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubjectKind(models.TextChoices):
    """Who or what is evaluated (评价对象)."""

    INSPECTOR = "inspector", _("Inspector (监督员)")
    ACCEPTOR = "acceptor", _("Acceptor (受理员)")
    SHIFT_LEADER = "shift_leader", _("Shift leader (值班长)")
    DISPATCHER = "dispatcher", _("Dispatcher (派遣员)")
    DEPARTMENT = "department", _("Department (专业部门)")
    GRID = "grid", _("Unit grid (单元网格)")
    COMMUNITY = "community", _("Community (社区)")
    STREET = "street", _("Street (街道)")
    DISTRICT = "district", _("District (区)")


class ScoringMethod(models.TextChoices):
    """How an indicator's value becomes a 0–100 score."""

    RATE = "rate", _("Rate × 100 (比率)")
    INVERSE_RATE = "inverse_rate", _("(1 − rate) × 100 (反向比率)")
    BINS = "bins", _("Score bins on a count (分档)")


RATE_METHODS = frozenset({ScoringMethod.RATE, ScoringMethod.INVERSE_RATE})

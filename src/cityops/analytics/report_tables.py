"""The analytics app's own report kinds for the exports (the statistics tables live in `analytics.reports`)."""

from __future__ import annotations

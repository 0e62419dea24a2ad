"""Pages of the exports and the monthly report, mounted at /console/exports/."""

from __future__ import annotations

app_name = "exports"

urlpatterns: list = []

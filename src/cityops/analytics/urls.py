"""Pages of the analytics app, mounted under /console/."""

from __future__ import annotations

app_name = "analytics"

urlpatterns: list = []

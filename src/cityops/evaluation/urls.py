"""Pages of the evaluation app, mounted under /console/."""

from __future__ import annotations

app_name = "evaluation"

urlpatterns: list = []

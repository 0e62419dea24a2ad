"""Pages of the command app, mounted under /console/."""

from __future__ import annotations

app_name = "command"

urlpatterns: list = []

"""Pages of the analytics app, mounted at /console/analytics/: statistics, the three highs, the forecast."""

from __future__ import annotations

from django.urls import path

from cityops.analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.index, name="index"),
    path("highs/", views.highs_page, name="highs"),
    path("forecast/", views.forecast_page, name="forecast"),
]

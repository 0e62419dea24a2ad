"""Pages of the evaluation app, mounted under /console/evaluation/."""

from __future__ import annotations

from django.urls import path

from cityops.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.index, name="index"),
    path("cases/", views.drilldown, name="drilldown"),
    path("snapshots/", views.snapshot_list, name="snapshots"),
    path("snapshots/<int:snapshot_id>/", views.snapshot_detail, name="snapshot"),
    path("publish/", views.publish, name="publish"),
]

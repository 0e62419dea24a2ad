"""Pages of the exports and the monthly report, mounted at /console/exports/."""

from __future__ import annotations

from django.urls import path

from cityops.exports import views

app_name = "exports"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("new/", views.start, name="start"),
    path("<int:job_id>/", views.job_detail, name="job"),
    path("<int:job_id>/download/", views.download, name="download"),
    path("monthly-report/", views.monthly_report, name="monthly-report"),
]

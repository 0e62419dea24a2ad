"""URLs of the inspector app, mounted at /m/."""

from django.urls import path

from cityops.intake.inspector import views

app_name = "inspector"

urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report, name="report"),
    path("tasks/<str:number>/", views.task, name="task"),
    path("sw.js", views.service_worker, name="sw"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]

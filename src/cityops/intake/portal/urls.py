"""URLs of the citizen portal, mounted at /portal/ (namespace ``portal``)."""

from django.urls import path

from cityops.intake.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("report/", views.report, name="report"),
    path("track/", views.track_lookup, name="track-lookup"),
    path("track/<str:code>/", views.track, name="track"),
    path("nearby/", views.nearby, name="nearby"),
]

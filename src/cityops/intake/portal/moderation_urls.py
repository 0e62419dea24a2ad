"""The moderation queue of citizen reports, mounted by the console at /console/moderation/ (URL name ``moderation``)."""

from django.urls import path

from cityops.intake.portal import views

urlpatterns = [
    path("", views.moderation, name="moderation"),
]

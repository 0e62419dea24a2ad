"""Pages of the command app, mounted under /console/command/."""

from __future__ import annotations

from django.urls import path

from cityops.command import views

app_name = "command"

urlpatterns = [
    path("", views.map_page, name="map"),
    path("feed/", views.feed, name="feed"),
    path("headline/", views.headline, name="headline"),
    path("cases/<str:number>/card/", views.card, name="card"),
]

"""URLs of the hotline desk (热线受理), mounted at /hotline/."""

from django.urls import path

from cityops.intake.hotline import views

app_name = "hotline"

urlpatterns = [
    path("", views.desk, name="desk"),
    path("places/", views.places, name="places"),
    path("nearby/", views.nearby, name="nearby"),
]

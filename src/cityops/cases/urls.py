"""URLs of the operator console, mounted at /console/."""

from django.urls import path

from cityops.cases import views

app_name = "console"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("search/", views.search, name="search"),
    path("new/", views.report, name="report"),
    path("classes/", views.class_options, name="class-options"),
    path("cases/<str:number>/", views.detail, name="detail"),
    path("cases/<str:number>/<str:action>/", views.action, name="action"),
]

"""The case pages of the operator console, mounted by the console at /console/ in its `console` namespace."""

from django.urls import path

from cityops.cases import views

urlpatterns = [
    path("", views.queue, name="queue"),
    path("search/", views.search, name="search"),
    path("new/", views.report, name="report"),
    path("classes/", views.class_options, name="class-options"),
    path("cases/<str:number>/", views.detail, name="detail"),
    path("cases/<str:number>/<str:action>/", views.action, name="action"),
]

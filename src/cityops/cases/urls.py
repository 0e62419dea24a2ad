"""URLs of the operator console, mounted at /console/."""

from django.urls import path

from cityops.cases import views
from cityops.notify import views as inbox_views

app_name = "console"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("search/", views.search, name="search"),
    path("new/", views.report, name="report"),
    path("classes/", views.class_options, name="class-options"),
    path("inbox/", inbox_views.inbox, name="inbox"),
    path("inbox/read-all/", inbox_views.mark_all_read, name="inbox-read-all"),
    path("inbox/<int:pk>/read/", inbox_views.mark_read, name="inbox-read"),
    path("cases/<str:number>/", views.detail, name="detail"),
    path("cases/<str:number>/<str:action>/", views.action, name="action"),
]

"""The inbox pages, mounted by the console at /console/inbox/ in its `console` namespace."""

from django.urls import path

from cityops.notify import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.mark_all_read, name="inbox-read-all"),
    path("<int:pk>/read/", views.mark_read, name="inbox-read"),
]

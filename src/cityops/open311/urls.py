"""GeoReport v2 routes; the format is the extension (`services.json`, `requests/123.xml`).

The extension is taken as written (whatever follows the last dot, or nothing) so that the view answers an
unknown or missing format with the spec's 400, and any other address gets the spec's 404 list, never HTML.
"""

from django.urls import path, re_path

from cityops.open311 import views

app_name = "open311"

FMT = r"(?:\.(?P<fmt>[^/.]*))?$"

urlpatterns = [
    path("", views.discovery, {"fmt": "json"}, name="root"),
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^services" + FMT, views.service_list, name="services"),
    re_path(r"^services/(?P<service_code>[^/]+?)" + FMT, views.service_definition, name="service"),
    re_path(r"^requests" + FMT, views.requests, name="requests"),
    re_path(r"^requests/(?P<service_request_id>[^/]+?)" + FMT, views.request_detail, name="request"),
    re_path(r"^servicerequestupdates" + FMT, views.request_updates, name="updates"),
    re_path(r"^tokens/(?P<token>[^/]+?)" + FMT, views.token, name="token"),
    re_path(r"^(?P<path>.*)$", views.unknown, name="unknown"),
]

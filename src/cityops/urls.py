from django.contrib import admin
from django.urls import include, path, re_path

from cityops.api import api
from cityops.assets import photo_views as component_photo_views
from cityops.cases import photo_views as case_photo_views
from cityops.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("portal/", include("cityops.intake.portal.urls")),
    # Uploads are served only through these views, which check who asks (no route maps onto MEDIA_ROOT).
    re_path(r"^photos/cases/(?P<photo_id>[0-9]{1,18})/(?P<variant>full|thumb)$", case_photo_views.case_photo,
            name="case_photo"),
    re_path(r"^photos/components/(?P<photo_id>[0-9]{1,18})$", component_photo_views.component_photo,
            name="component_photo"),
    # The operators' pages: the home page, /console/ and the hotline desk.
    path("", include("cityops.console.urls")),
    path("open311/v2/", include("cityops.open311.urls")),
    path("m/", include("cityops.intake.inspector.urls")),
]

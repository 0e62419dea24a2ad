"""The operators' URL tree: the home page, the hotline desk and /console/, where each domain's pages are mounted.

The domains contribute their URL modules and the console includes them; no app below includes another's. The
case pages and the inbox share the `console` namespace (`console:queue`, `console:inbox`).
"""

from django.urls import include, path

from cityops.cases import urls as case_urls
from cityops.console import views
from cityops.notify import urls as inbox_urls

console_pages = [
    path("moderation/", include("cityops.intake.portal.moderation_urls")),
    path("command/", include("cityops.command.urls")),
    path("evaluation/", include("cityops.evaluation.urls")),
    path("analytics/", include("cityops.analytics.urls")),
    path("exports/", include("cityops.exports.urls")),
    path("", include(([*case_urls.urlpatterns, path("inbox/", include(inbox_urls))], "console"))),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("console/", include(console_pages)),
    path("hotline/", include("cityops.intake.hotline.urls")),
]

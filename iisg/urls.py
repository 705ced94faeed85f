from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from iisg.core import health
from iisg.core.twofactor import two_factor
from iisg.website import views as website_views

handler500 = website_views.server_error

urlpatterns = [
    path("admin/", admin.site.urls),
    path("account/two-factor/", two_factor, name="two-factor"),
    path("account/tokens/", include("iisg.api.account_urls")),
    path("account/notifications/", include("iisg.workplace.urls")),
    path("account/", include("iisg.workplace.account_urls")),
    path("api/", include("iisg.api.urls")),
    path("threads/", include("iisg.workplace.thread_urls")),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", website_views.favicon, name="favicon"),
    path("", include("iisg.website.urls")),
    path("", include("iisg.events.urls")),
    path("", include("iisg.governance.urls")),
    path("", include("iisg.iati.urls")),
    path("", include("iisg.analysis.urls")),
    path("", include("iisg.reports.urls")),
]

if settings.MODE == "embedded":
    # The embedded mode has no web server in front; production serves media from its own storage.
    urlpatterns += [path(f"{settings.MEDIA_URL.lstrip('/')}<path:path>", serve, {"document_root": settings.MEDIA_ROOT})]

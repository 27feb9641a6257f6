"""URL map. Each app contributes `<app>/api/urls.py` under /api/v1/ and its pages under its own prefix."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from common.health import healthz
from console.views.home import home

api_v1 = [
    path("", include("agencies.api.urls")),
    path("", include("reads.api.urls")),
    path("", include("hotlists.api.urls")),
    path("", include("sharing.api.urls")),
    path("", include("transparency.api.urls")),
    path("", include("recognition.api.urls")),
]

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("agencies.signin.urls")),
    path("console/", include("console.urls")),
    path("admin/", admin.site.urls),
    path("transparency/", include("transparency.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from here rather than inline (no CSP exception needed).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
]

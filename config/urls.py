"""URL map. Each app contributes `<app>/api/urls.py` under /api/v1/ and its pages under its own prefix."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from common.health import healthz
from common.middleware import build_content_security_policy, content_security_policy
from console.views.home import home

api_v1 = [
    path("", include("agencies.api.urls")),
    path("", include("reads.api.urls")),
    path("", include("hotlists.api.urls")),
    path("", include("sharing.api.urls")),
    path("", include("transparency.api.urls")),
    path("", include("recognition.api.urls")),
]

# Swagger UI loads from its CDN (nothing else in the system does); the split view serves its start-up script
# from here rather than inline, so the CDN is the only addition to the default policy.
_CDN = "https://cdn.jsdelivr.net"
API_DOCS_CSP = build_content_security_policy({"script-src": _CDN, "style-src": _CDN, "img-src": _CDN})

urlpatterns = [
    path("", home, name="home"),
    path("accounts/", include("agencies.signin.urls")),
    path("console/", include("console.urls")),
    path("admin/", admin.site.urls),
    path("transparency/", include("transparency.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        content_security_policy(API_DOCS_CSP)(SpectacularSwaggerSplitView.as_view(url_name="schema")),
        name="api-docs",
    ),
    path("healthz", healthz, name="healthz"),
]

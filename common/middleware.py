"""Middleware of every request: security headers on every response, and addresses the database could not take
refused before anything looks them up."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse

from .inputs import PATH_FORBIDDEN, QUERY_FORBIDDEN, path_problem, printable, text_problem


def _tile_origin() -> str:
    """The map tile server's origin (console/maps.py), the only image source outside this origin."""
    parts = urlsplit(getattr(settings, "MAP_TILE_URL", "") or "")
    return f" {parts.scheme}://{parts.netloc}" if parts.scheme in ("https", "http") and parts.netloc else ""


# Server-rendered pages with no external resources: everything from this origin, no inline script or style,
# no plugins, no framing, forms post only here. Data URIs for images (Django admin's and inline SVG icons), and
# the map tile server's images.
CSP_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:" + _tile_origin(),
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


CONTENT_SECURITY_POLICY = "; ".join(f"{directive} {sources}" for directive, sources in CSP_DIRECTIVES.items())
# Nothing in this system needs a browser's sensors, camera or microphone (images are uploaded as files).
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in [
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


class SecurityHeadersMiddleware:
    """Adds SECURITY_HEADERS to every response, every page included (the API docs too: their files are served
    from this origin). First in MIDDLEWARE, so redirects and errors produced by other middleware get them too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


class RequestTextMiddleware:
    """Refuses, with 400, a request whose path or query string holds a control character or an unpaired surrogate
    (common.inputs), before sessions, authentication or any view touch the database: `/api/v1/agencies/a%00b/`
    would otherwise reach a lookup that PostgreSQL refuses with an error (a 500). Query values may hold tabs and
    line breaks, as any text field may; the path and parameter names may not. A cookie that holds such characters
    is dropped rather than refused, so that a browser holding one is not locked out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        refusal = self._refusal(request)
        if refusal is not None:
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": refusal}, status=400)
            return HttpResponseBadRequest(refusal, content_type="text/plain; charset=utf-8")
        for name, value in list(request.COOKIES.items()):
            if path_problem(name) or text_problem(value):
                del request.COOKIES[name]
        return self.get_response(request)

    @staticmethod
    def _refusal(request) -> str | None:
        if char := path_problem(request.path_info):
            return PATH_FORBIDDEN.format(char=char)
        for name, values in request.GET.lists():
            if char := path_problem(name):
                return QUERY_FORBIDDEN.format(name=printable(name), char=char)
            for value in values:
                if char := text_problem(value):
                    return QUERY_FORBIDDEN.format(name=printable(name), char=char)
        return None

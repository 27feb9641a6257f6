"""Security headers on every response."""

from __future__ import annotations

from functools import wraps

# Server-rendered pages with no external resources: everything from this origin, no inline script or style,
# no plugins, no framing, forms post only here. Data URIs for images (Django admin's and inline SVG icons).
CSP_DIRECTIVES = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def build_content_security_policy(extra_sources: dict[str, str] | None = None) -> str:
    """The default policy, with `extra_sources` added to the named directives (for `content_security_policy`)."""
    extra_sources = extra_sources or {}
    return "; ".join(
        f"{directive} {sources} {extra_sources[directive]}" if directive in extra_sources else f"{directive} {sources}"
        for directive, sources in CSP_DIRECTIVES.items()
    )


CONTENT_SECURITY_POLICY = build_content_security_policy()
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
    """Adds SECURITY_HEADERS to every response. First in MIDDLEWARE, so redirects and errors produced by
    other middleware get them too. A header a view set itself (see `content_security_policy`) is kept."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


def content_security_policy(policy: str):
    """Give one view its own Content-Security-Policy, for a page that cannot live with the default (say why)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            response.headers["Content-Security-Policy"] = policy
            return response

        return wrapped

    return decorator

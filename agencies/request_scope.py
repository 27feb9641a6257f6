"""A cache that lives exactly as long as one request.

What a request needs to know about its user (agency, role, training, the agencies visible per scope) is computed
once per request (agencies.access.access_of) and dropped when the response leaves: a lapse of training or the end
of an MOU takes effect on the next request. Outside a request (Celery tasks, management commands, a test calling
a service) nothing is cached, so every call computes afresh.
"""

from __future__ import annotations

from contextvars import ContextVar

_scope: ContextVar[dict | None] = ContextVar("alpr_request_scope", default=None)


def request_cache() -> dict | None:
    """The current request's cache, or None outside a request."""
    return _scope.get()


class RequestScopeMiddleware:
    """Opens an empty cache for each request and closes it after the response (also when the view raises)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _scope.set({})
        try:
            return self.get_response(request)
        finally:
            _scope.reset(token)

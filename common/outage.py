"""What the system answers when a service it depends on is down: 503 with Retry-After, never a 500.

One classification (`unavailable_service`) serves the API (common.api.exception_handler) and the web pages
(`ServiceUnavailableMiddleware`). Which parts keep working without which service is a decision made where the
service is used, and written down in docs/reliability.md: rate limits fail open, sign-in fails closed (the
lockout count lives in Redis and a sign-in that cannot be counted is refused), the portal's cache is optional.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = "5"
MESSAGES = {
    "database": "The database is unavailable; nothing was stored. Retry shortly.",
    "cache": "A service this page needs (the cache) is unavailable; nothing was changed. Retry shortly.",
}


def unavailable_service(exc: BaseException) -> str | None:
    """'database' or 'cache' when `exc` says that service cannot be reached, else None."""
    if isinstance(exc, OperationalError | InterfaceError) or (
        isinstance(exc, DatabaseError) and "connection" in str(exc).lower()
    ):
        return "database"
    if isinstance(exc, RedisError):
        return "cache"
    return None


class ServiceUnavailableMiddleware:
    """Web pages: a database or cache outage answers a plain 503 page (rendered without touching either)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        service = unavailable_service(exception)
        if service is None:
            return None
        logger.warning("%s unavailable on %s: %s", service, request.path, exception)
        page = render_to_string("503.html", {"message": MESSAGES[service]})
        return HttpResponse(page, status=503, headers={"Retry-After": RETRY_AFTER_SECONDS})

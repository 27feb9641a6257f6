"""The console's half of the permission choke point: every console view is wrapped in `console_view`.

It asks `agencies.access.alpr_access_refusal` (the one choke point, shared with the API) whether the user may
reach ALPR data at all, then checks the role's model permissions the page needs. A refusal is a 403 page that
says why, in the choke point's own words. Objects of other agencies are a 404, decided by each model's
`visible_to(user)` in the views.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from agencies.access import alpr_access_refusal
from common.throttles import SearchRateThrottle

ROLE_NOT_ALLOWED = "Your role does not include this part of the console. Ask your agency's ALPR administrator."
SEARCH_RATE_LIMITED = (
    "Too many searches in a short time (the same limit as the API's, per person). Wait a minute and search again."
)


class SearchRateLimited(Exception):
    """A console page was about to run a search past the user's search rate limit (common.throttles)."""

    def __init__(self, wait_seconds: int):
        super().__init__(SEARCH_RATE_LIMITED)
        self.wait_seconds = wait_seconds


def search_rate_check(request) -> None:
    """Count one search against the user's `search` rate limit, shared with the API; raise SearchRateLimited
    past it. Every console search (form, next page, timeline, CSV export) calls this before it runs."""
    throttle = SearchRateThrottle()
    if not throttle.allow_request(request, None):
        raise SearchRateLimited(int(throttle.wait() or 60))


def forbidden(request: HttpRequest, message: str, *, as_json: bool = False) -> HttpResponse:
    if as_json:
        return JsonResponse({"detail": message}, status=403)
    return render(request, "console/forbidden.html", {"message": message}, status=403)


def console_refusal(user, perms: tuple[str, ...] = ()) -> str | None:
    """Why `user` may not open a console page needing `perms`, or None."""
    refusal = alpr_access_refusal(user)
    if refusal is None and not all(user.has_perm(perm) for perm in perms):
        return ROLE_NOT_ALLOWED
    return refusal


def console_view(*perms: str, as_json: bool = False) -> Callable:
    """Signed in (else to the sign-in page), allowed ALPR data, holding `perms`; never cached by the browser
    (patrol laptops are shared, and ALPR pages must not be replayed from the back button's cache)."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            refusal = console_refusal(request.user, perms)
            if refusal is not None:
                return forbidden(request, refusal, as_json=as_json)
            try:
                return view(request, *args, **kwargs)
            except SearchRateLimited as limited:
                response = render(request, "console/rate_limited.html", {"message": str(limited)}, status=429)
                response["Retry-After"] = str(limited.wait_seconds)
                return response

        return never_cache(login_required(wrapped))

    return decorator

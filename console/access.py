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

ROLE_NOT_ALLOWED = "Your role does not include this part of the console. Ask your agency's ALPR administrator."


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
            return view(request, *args, **kwargs)

        return never_cache(login_required(wrapped))

    return decorator

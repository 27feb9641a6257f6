"""Staff must pass a second factor before anything but the sign-in pages."""

from urllib.parse import urlencode

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device

from .admin_site import user_is_verified

SECOND_FACTOR_REQUIRED = "Staff accounts must verify a second factor first: sign in at /accounts/login/."


class StaffSecondFactorMiddleware:
    """Sends a staff user who signed in with a password only to the second-factor step (or to enrolment when
    they have no authenticator yet). API calls on such a session are refused with 403 instead.

    Token-authenticated API calls are not affected: DRF authenticates them inside the view, after this runs.
    Must come after django_otp's OTPMiddleware.
    """

    exempt_prefixes = ("/accounts/", "/healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_staff
            and not user_is_verified(user)
            and not request.path.startswith((*self.exempt_prefixes, settings.STATIC_URL))
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": SECOND_FACTOR_REQUIRED}, status=403)
            step = "otp-verify" if user_has_device(user, confirmed=True) else "otp-setup"
            return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

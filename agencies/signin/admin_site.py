"""The Django admin site, replaced so that it requires a verified second factor and signs in through the console.

`AlprAdminConfig` stands in for "django.contrib.admin" in INSTALLED_APPS, so every `@admin.register` in every
app lands on this site without anyone importing it.
"""

from django.conf import settings
from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


def user_is_verified(user) -> bool:
    """True when the session's user has passed a second factor (django_otp's OTPMiddleware sets is_verified).

    Without the middleware there is no way to know, so the answer is no.
    """
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


class AlprAdminSite(AdminSite):
    """Like django_otp's OTPAdminSite: a staff user who has not verified a second factor is treated as not staff."""

    site_header = "ALPR records administration"
    site_title = "ALPR records admin"

    def has_permission(self, request):
        return super().has_permission(request) and user_is_verified(request.user)

    def login(self, request, extra_context=None):
        # One sign-in page for everyone, so the lockout, the sign-in record and the second factor
        # cannot be skipped by posting to /admin/login/.
        next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = reverse("admin:index", current_app=self.name)
        # Imported here: this module is loaded while the app registry is still being populated.
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(next_url, settings.LOGIN_URL)


class AlprAdminConfig(AdminConfig):
    default_site = "agencies.signin.admin_site.AlprAdminSite"

"""Console sign-in: password, then for staff a second factor (TOTP or a recovery code), enrolling one if needed."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from common.throttles import LoginRateThrottle

from ..choices import SignInReason
from . import lockout
from .admin_site import user_is_verified
from .forms import BAD_SECOND_FACTOR, EnrolForm, SecondFactorForm, SignInForm
from .services import (
    recovery_code_digest,
    sign_in_failed,
    sign_in_succeeded,
    totp_device_confirm,
    totp_device_pending,
)

TOO_MANY_ATTEMPTS = "Too many sign-in attempts from your address. Wait a minute and try again."


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _step_url(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _throttled(request) -> HttpResponse | None:
    """The `login` rate limit on every sign-in step that takes a secret (password or code), per address."""
    if request.method != "POST":
        return None
    throttle = LoginRateThrottle()
    if throttle.allow_request(request, None):
        return None
    body = render_to_string("registration/throttled.html", {"message": TOO_MANY_ATTEMPTS}, request)
    return HttpResponse(body, status=429, headers={"Retry-After": str(int(throttle.wait() or 60))})


def _second_factor_passed(request, device, reason: str) -> None:
    otp_login(request, device)
    # A new session key once the session is fully privileged, as Django does at password sign-in.
    request.session.cycle_key()
    sign_in_succeeded(request=request, user=request.user, reason=reason)


def _locked_out(request):
    """End the half-finished sign-in and say why."""
    logout(request)
    messages.error(request, lockout.LOCKED_OUT)
    return redirect(settings.LOGIN_URL)


class SignInView(LoginView):
    """Password sign-in. Staff continue to the second factor; everyone else goes where they were headed."""

    template_name = "registration/login.html"
    authentication_form = SignInForm

    def dispatch(self, request, *args, **kwargs):
        return _throttled(request) or super().dispatch(request, *args, **kwargs)

    def get_success_url(self):
        next_url = super().get_success_url()
        user = self.request.user
        if user.is_staff:
            step = "otp-verify" if user_has_device(user, confirmed=True) else "otp-setup"
            return _step_url(step, next_url)
        return next_url


def _matching_device(user, code: str):
    """The user's confirmed device that accepts `code`: six digits are an authenticator code, anything else a
    recovery code (so a mistyped recovery code does not count against the authenticator's own throttle)."""
    is_app_code = len(code) == 6 and code.isdigit()
    device_class, token = (TOTPDevice, code) if is_app_code else (StaticDevice, recovery_code_digest(code))
    # Row locks: two requests with the same code must not both succeed (a recovery code works once).
    with transaction.atomic():
        for device in device_class.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(token):
                return device
    return None


@never_cache
@login_required
def otp_verify(request):
    """Second step for staff: a code from their authenticator app or an unused recovery code."""
    user = request.user
    next_url = _next_url(request)
    if user_is_verified(user):
        return redirect(next_url)
    if not user_has_device(user, confirmed=True):
        return redirect(_step_url("otp-setup", next_url))
    if throttled := _throttled(request):
        return throttled
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = user.get_username()
        if lockout.is_locked(username=username, address=lockout.client_address(request)):
            sign_in_failed(request=request, username=username, reason=SignInReason.BAD_SECOND_FACTOR, user=user)
            return _locked_out(request)
        device = _matching_device(user, form.cleaned_data["code"])
        if device is not None:
            _second_factor_passed(request, device, SignInReason.SECOND_FACTOR_VERIFIED)
            return redirect(next_url)
        if sign_in_failed(request=request, username=username, reason=SignInReason.BAD_SECOND_FACTOR, user=user):
            return _locked_out(request)
        form.add_error("code", BAD_SECOND_FACTOR)
    return render(request, "registration/otp_verify.html", {"form": form, "next": next_url})


@never_cache
@login_required
def otp_setup(request):
    """Enrolment of an authenticator app, for staff who have none yet. Shows the recovery codes once.

    A user who already has a confirmed device cannot enrol another here: otherwise anyone holding only the
    password could add their own authenticator. Resetting a lost device is an admin's job.
    """
    user = request.user
    next_url = _next_url(request)
    if not user.is_staff:
        return redirect(next_url)
    if user_has_device(user, confirmed=True):
        return redirect(_step_url("otp-verify", next_url))
    if throttled := _throttled(request):
        return throttled
    device = totp_device_pending(user=user)
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = user.get_username()
        if lockout.is_locked(username=username, address=lockout.client_address(request)):
            sign_in_failed(request=request, username=username, reason=SignInReason.BAD_SECOND_FACTOR, user=user)
            return _locked_out(request)
        with transaction.atomic():
            accepted = device.verify_token(form.cleaned_data["code"])
        if accepted:
            codes = totp_device_confirm(device=device)
            _second_factor_passed(request, device, SignInReason.SECOND_FACTOR_ENROLLED)
            return render(request, "registration/otp_recovery_codes.html", {"codes": codes, "next": next_url})
        if sign_in_failed(request=request, username=username, reason=SignInReason.BAD_SECOND_FACTOR, user=user):
            return _locked_out(request)
        form.add_error("code", BAD_SECOND_FACTOR)
    qr = segno.make(device.config_url, error="m")
    # segno writes the SVG from the QR matrix and our fixed title only; nothing user-typed reaches the markup.
    qr_svg = mark_safe(qr.svg_inline(scale=4, title="QR code for your authenticator app"))  # noqa: S308
    secret = b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": qr_svg,
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
    return render(request, "registration/otp_setup.html", context)


@never_cache
def sign_out(request):
    """GET asks, POST signs out (a link or an image must not be able to sign someone out)."""
    if request.method == "POST":
        logout(request)
        return render(request, "registration/logged_out.html")
    return render(request, "registration/logout.html")

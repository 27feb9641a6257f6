"""Writes of the sign-in flow: the sign-in record, failure counting and second-factor enrolment."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from ..choices import SignInOutcome, SignInReason
from ..models import SignInEvent
from . import lockout

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_BYTES = 10  # 80 random bits: 16 base32 characters, shown in four groups of four
SUCCESS_REASONS = frozenset(
    {SignInReason.PASSWORD_ACCEPTED, SignInReason.SECOND_FACTOR_VERIFIED, SignInReason.SECOND_FACTOR_ENROLLED}
)


def sign_in_event_record(*, request, username: str, reason: str, user=None) -> SignInEvent:
    """Write the audit row for one sign-in step. `user` is looked up by username when not given."""
    username = (username or "")[:150]
    if user is None and username:
        user = get_user_model()._default_manager.filter(username=username).first()
    outcome = SignInOutcome.SUCCESS if reason in SUCCESS_REASONS else SignInOutcome.FAILURE
    return SignInEvent.objects.create(
        username=username,
        user=user,
        address=lockout.client_address(request),
        outcome=outcome,
        reason=reason,
        path=(request.path[:200] if request is not None else ""),
    )


def sign_in_failed(*, request, username: str, reason: str, user=None) -> bool:
    """Record a failed step and count it towards the lockout; return True if the caller is now locked out.

    An attempt refused because of a lockout is recorded but not counted again, so hammering a locked
    account does not extend its lockout indefinitely.
    """
    address = lockout.client_address(request)
    if lockout.is_locked(username=username, address=address):
        sign_in_event_record(request=request, username=username, reason=SignInReason.LOCKED_OUT, user=user)
        return True
    sign_in_event_record(request=request, username=username, reason=reason, user=user)
    return lockout.register_failure(username=username, address=address)


def sign_in_succeeded(*, request, user, reason: str) -> SignInEvent:
    lockout.clear_failures(username=user.get_username())
    return sign_in_event_record(request=request, username=user.get_username(), reason=reason, user=user)


def totp_device_pending(*, user) -> TOTPDevice:
    """The user's unconfirmed authenticator device, created on first use; reused so reloading the enrolment
    page does not change the QR code under the user's phone."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def recovery_code_digest(code: str) -> str:
    """What is stored for a recovery code, never the code itself: HMAC-SHA-256 keyed with SECRET_KEY, its first 80
    bits in base32 (the 16 characters django-otp's token column holds). A copy of the database yields no usable
    code. Spaces, dashes and case are ignored. Rotating SECRET_KEY retires the unused codes (the authenticator app
    keeps working)."""
    normalized = "".join(code.split()).replace("-", "").lower()
    mac = hmac.new(settings.SECRET_KEY.encode(), normalized.encode(), hashlib.sha256).digest()
    return base64.b32encode(mac[:10]).decode().lower()


def _new_recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode().lower()
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice) -> list[str]:
    """Confirm an authenticator device whose code the user has just entered, and issue fresh recovery codes.

    Returns the recovery codes; they are shown once and each works once (django-otp deletes a static token
    when it is used). Only their digests are stored (recovery_code_digest).
    """
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    StaticDevice.objects.filter(user=device.user).delete()
    recovery = StaticDevice.objects.create(user=device.user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=recovery, token=recovery_code_digest(code)) for code in codes)
    return codes

"""Sign-in: lockout, sign-in records, idle sessions, the staff second factor, the login throttle."""

import datetime as dt
import re
import time

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authentication import BasicAuthentication
from rest_framework.exceptions import AuthenticationFailed

from agencies.choices import Role, SignInOutcome, SignInReason
from agencies.models import SignInEvent
from agencies.signin import lockout
from agencies.signin.admin_site import AlprAdminSite
from agencies.signin.forms import BAD_SECOND_FACTOR
from agencies.signin.middleware import SECOND_FACTOR_REQUIRED
from agencies.signin.services import RECOVERY_CODE_COUNT, recovery_code_digest
from agencies.signin.views import TOO_MANY_ATTEMPTS

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"  # tests/factories.py
LOGIN = "/accounts/login/"


def _login(client, username, password=PASSWORD, address="192.0.2.10", **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra}, REMOTE_ADDR=address)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


# --- lockout ---------------------------------------------------------------------------------------------


def test_lockout_policy_is_five_failures_for_ten_minutes():
    assert settings.ALPR_SIGNIN_MAX_FAILURES == 5
    assert settings.ALPR_SIGNIN_LOCKOUT_SECONDS == 600


def test_five_failures_lock_the_account_even_against_the_right_password(make_user):
    user = make_user(Role.OFFICER, username="officer1")
    client = Client()
    for attempt in range(4):
        response = _login(client, "officer1", "wrong", address=f"192.0.2.{attempt + 1}")
        assert lockout.LOCKED_OUT not in response.content.decode()
    response = _login(client, "officer1", "wrong", address="192.0.2.5")
    assert lockout.LOCKED_OUT in response.content.decode()

    # Per user: a new address and the right password do not help.
    response = _login(client, "officer1", address="198.51.100.7")
    assert response.status_code == 200
    assert lockout.LOCKED_OUT in response.content.decode()
    assert not _signed_in(client)
    assert authenticate(username=user.username, password=PASSWORD) is None


def test_four_failures_do_not_lock(make_user):
    make_user(Role.OFFICER, username="officer1")
    client = Client()
    for _ in range(4):
        _login(client, "officer1", "wrong")
    response = _login(client, "officer1")
    assert response.status_code == 302
    assert _signed_in(client)


def test_success_forgets_the_accounts_failures(make_user):
    make_user(Role.OFFICER, username="officer1")
    for _ in range(4):
        _login(Client(), "officer1", "wrong", address="192.0.2.1")
    assert _login(Client(), "officer1", address="192.0.2.1").status_code == 302
    for _ in range(4):
        _login(Client(), "officer1", "wrong", address="192.0.2.2")
    assert _login(Client(), "officer1", address="192.0.2.2").status_code == 302


def test_five_failures_from_one_address_lock_that_address(make_user):
    make_user(Role.OFFICER, username="officer1")
    for n in range(5):
        _login(Client(), f"nobody{n}", "wrong", address="203.0.113.9")
    client = Client()
    response = _login(client, "officer1", address="203.0.113.9")
    assert lockout.LOCKED_OUT in response.content.decode()
    assert not _signed_in(client)
    # The account itself is not locked: from elsewhere it signs in.
    assert _login(Client(), "officer1", address="203.0.113.10").status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_address_lockout(make_user):
    make_user(Role.OFFICER, username="officer1")
    for n in range(5):
        _login(Client(), f"nobody{n}", "wrong", address="203.0.113.9", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    response = _login(Client(), "officer1", address="203.0.113.9", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert lockout.LOCKED_OUT in response.content.decode()


def test_lockout_ends_after_its_time(make_user, settings):
    settings.ALPR_SIGNIN_LOCKOUT_SECONDS = 1
    make_user(Role.OFFICER, username="officer1")
    for _ in range(5):
        _login(Client(), "officer1", "wrong")
    assert lockout.is_locked(username="officer1", address=None)
    time.sleep(1.2)
    assert not lockout.is_locked(username="officer1", address=None)
    assert _login(Client(), "officer1").status_code == 302


def test_lockout_applies_to_every_authenticate_call_including_api_logins(make_user):
    """Any API login goes through django.contrib.auth.authenticate; DRF's basic authentication stands for them."""
    make_user(Role.OFFICER, username="officer1")
    request = RequestFactory().post("/api/v1/anything/", REMOTE_ADDR="192.0.2.50")
    basic = BasicAuthentication()
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            basic.authenticate_credentials("officer1", "wrong", request)
    with pytest.raises(AuthenticationFailed):
        basic.authenticate_credentials("officer1", PASSWORD, request)
    assert SignInEvent.objects.filter(username="officer1", reason=SignInReason.LOCKED_OUT).count() == 1


def test_admin_login_goes_through_the_console_login(make_user):
    clerk = make_user(Role.RECORDS_CLERK, username="clerk1")
    client = Client()
    response = client.post("/admin/login/?next=/admin/", {"username": clerk.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not _signed_in(client)
    assert client.get("/admin/").status_code == 302


# --- sign-in records ----------------------------------------------------------------------------------------


def test_sign_ins_are_recorded(make_user):
    user = make_user(Role.OFFICER, username="officer1")
    _login(Client(), "officer1", "wrong", address="192.0.2.44")
    _login(Client(), "ghost", "wrong", address="192.0.2.44")
    _login(Client(), "officer1", address="192.0.2.45")
    failed, unknown, succeeded = SignInEvent.objects.order_by("pk")
    assert (failed.username, failed.user, failed.address) == ("officer1", user, "192.0.2.44")
    assert (failed.outcome, failed.reason, failed.path) == (SignInOutcome.FAILURE, SignInReason.BAD_CREDENTIALS, LOGIN)
    assert (unknown.username, unknown.user, unknown.reason) == ("ghost", None, SignInReason.BAD_CREDENTIALS)
    assert (succeeded.user, succeeded.outcome, succeeded.reason) == (
        user,
        SignInOutcome.SUCCESS,
        SignInReason.PASSWORD_ACCEPTED,
    )


def test_refusals_during_a_lockout_are_recorded_but_do_not_extend_it(make_user):
    make_user(Role.OFFICER, username="officer1")
    for _ in range(5):
        _login(Client(), "officer1", "wrong")
    for _ in range(3):
        _login(Client(), "officer1")
    reasons = list(SignInEvent.objects.order_by("pk").values_list("reason", flat=True))
    assert reasons == [SignInReason.BAD_CREDENTIALS] * 5 + [SignInReason.LOCKED_OUT] * 3


# --- sessions -------------------------------------------------------------------------------------------


def test_sessions_last_thirty_idle_minutes_and_slide():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST


def _session_row(client):
    return Session.objects.get(session_key=client.session.session_key)


def test_an_idle_session_ends(make_user):
    client = Client()
    client.force_login(make_user(Role.OFFICER))
    assert client.get("/").status_code == 200
    # As if the last request had been 30 minutes and a second ago.
    Session.objects.filter(pk=_session_row(client).pk).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_each_request_restarts_the_idle_clock(make_user):
    client = Client()
    client.force_login(make_user(Role.OFFICER))
    row = _session_row(client)
    Session.objects.filter(pk=row.pk).update(expire_date=timezone.now() + dt.timedelta(minutes=2))
    assert client.get("/").status_code == 200
    assert _session_row(client).expire_date > timezone.now() + dt.timedelta(minutes=29)


# --- second factor ------------------------------------------------------------------------------------------


def test_non_staff_sign_in_with_a_password_only(make_user):
    make_user(Role.OFFICER, username="officer1")
    client = Client()
    response = _login(client, "officer1")
    assert response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert "officer1" in page.content.decode()


@pytest.fixture
def no_totp_backoff(settings):
    """django-otp makes a device wait 1 s, 2 s, 4 s... after each wrong code; these tests retry at once."""
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def test_staff_without_a_device_are_led_through_enrolment(make_user, no_totp_backoff):
    make_user(Role.RECORDS_CLERK, username="clerk1")
    client = Client()
    response = _login(client, "clerk1", next="/admin/")
    assert response["Location"] == "/accounts/otp/setup/?next=%2Fadmin%2F"
    assert client.get("/admin/").status_code == 302  # not yet

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "csrfmiddlewaretoken" in html
    device = TOTPDevice.objects.get(user__username="clerk1", confirmed=False)

    wrong = client.post("/accounts/otp/setup/", {"code": "000000", "next": "/admin/"})
    assert BAD_SECOND_FACTOR in wrong.content.decode()
    done = client.post("/accounts/otp/setup/", {"code": _code(device), "next": "/admin/"})
    assert done.status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    shown = re.findall(r"<code>([a-z2-7-]+)</code>", done.content.decode())
    stored = set(StaticToken.objects.filter(device__user=device.user).values_list("token", flat=True))
    assert len(shown) == len(stored) == RECOVERY_CODE_COUNT
    assert all(re.fullmatch(r"([a-z2-7]{4}-){3}[a-z2-7]{4}", code) for code in shown)  # 80 random bits each
    assert {recovery_code_digest(code) for code in shown} == stored  # only digests are stored
    assert not stored & {code.replace("-", "") for code in shown}
    assert done["Cache-Control"].startswith("max-age=0")
    assert client.get("/admin/").status_code == 200
    assert SignInEvent.objects.filter(username="clerk1", reason=SignInReason.SECOND_FACTOR_ENROLLED).exists()


def test_enrolment_is_refused_once_a_device_exists(make_user):
    """Otherwise someone holding only the password could add their own authenticator."""
    clerk = make_user(Role.RECORDS_CLERK, username="clerk1")
    TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    client = Client()
    client.force_login(clerk)
    response = client.get("/accounts/otp/setup/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/otp/?")
    assert not TOTPDevice.objects.filter(user=clerk, confirmed=False).exists()


def test_staff_with_a_device_must_verify_it_before_anything_else(make_user, no_totp_backoff):
    clerk = make_user(Role.RECORDS_CLERK, username="clerk1")
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    client = Client()
    response = _login(client, "clerk1", next="/admin/")
    assert response["Location"] == "/accounts/otp/?next=%2Fadmin%2F"
    assert client.get("/admin/")["Location"].startswith("/accounts/otp/")
    assert client.get("/")["Location"].startswith("/accounts/otp/")
    api = client.get("/api/v1/me/")
    assert api.status_code == 403
    assert api.json()["detail"] == SECOND_FACTOR_REQUIRED

    wrong = client.post("/accounts/otp/", {"code": "000000", "next": "/admin/"})
    assert BAD_SECOND_FACTOR in wrong.content.decode()
    right = client.post("/accounts/otp/", {"code": _code(device), "next": "/admin/"})
    assert right["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert SignInEvent.objects.filter(user=clerk, reason=SignInReason.SECOND_FACTOR_VERIFIED).count() == 1
    assert SignInEvent.objects.filter(user=clerk, reason=SignInReason.BAD_SECOND_FACTOR).count() == 1


def test_a_recovery_code_works_once(make_user):
    clerk = make_user(Role.AUDITOR, username="auditor1")
    TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    recovery = StaticDevice.objects.create(user=clerk, name="Recovery codes", confirmed=True)
    recovery.token_set.create(token=recovery_code_digest("abcd-2345-efgh-6723"))

    first = Client()
    _login(first, "auditor1")
    assert first.post("/accounts/otp/", {"code": "ABCD 2345 EFGH 6723"})["Location"] == "/"
    assert first.get("/admin/").status_code == 200

    second = Client()
    _login(second, "auditor1")
    response = second.post("/accounts/otp/", {"code": "abcd-2345-efgh-6723"})
    assert BAD_SECOND_FACTOR in response.content.decode()
    assert second.get("/admin/").status_code == 302


def test_what_the_database_holds_for_a_recovery_code_does_not_sign_anyone_in(make_user):
    clerk = make_user(Role.AUDITOR, username="auditor1")
    TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    recovery = StaticDevice.objects.create(user=clerk, name="Recovery codes", confirmed=True)
    stored = recovery.token_set.create(token=recovery_code_digest("wxyz-2345-efgh-6723")).token
    client = Client()
    _login(client, "auditor1")
    response = client.post("/accounts/otp/", {"code": stored})
    assert BAD_SECOND_FACTOR in response.content.decode()
    assert StaticDevice.objects.get(pk=recovery.pk).token_set.count() == 1


def test_wrong_second_factor_codes_count_towards_the_lockout(make_user):
    clerk = make_user(Role.RECORDS_CLERK, username="clerk1")
    TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    client = Client()
    _login(client, "clerk1")
    for _ in range(4):
        client.post("/accounts/otp/", {"code": "000000"}, REMOTE_ADDR="192.0.2.10")
    response = client.post("/accounts/otp/", {"code": "000000"}, REMOTE_ADDR="192.0.2.10")
    assert response["Location"] == LOGIN
    assert not _signed_in(client)
    assert lockout.LOCKED_OUT in client.get(LOGIN).content.decode()
    assert lockout.LOCKED_OUT in _login(Client(), "clerk1", address="198.51.100.1").content.decode()


def test_admin_site_requires_a_verified_second_factor(make_user):
    clerk = make_user(Role.RECORDS_CLERK)
    request = RequestFactory().get("/admin/")
    request.user = clerk
    site = AlprAdminSite()
    clerk.is_verified = lambda: False
    assert not site.has_permission(request)
    clerk.is_verified = lambda: True
    assert site.has_permission(request)
    del clerk.is_verified  # no OTP middleware: no way to know, so no
    assert not site.has_permission(request)


def test_next_must_stay_on_this_site(make_user):
    make_user(Role.OFFICER, username="officer1")
    response = _login(Client(), "officer1", next="https://evil.example/")
    assert response["Location"] == "/"


# --- the pages ---------------------------------------------------------------------------------------------


def test_login_form_is_csrf_protected(make_user):
    make_user(Role.OFFICER, username="officer1")
    client = Client(enforce_csrf_checks=True)
    assert "csrfmiddlewaretoken" in client.get(LOGIN).content.decode()
    assert _login(client, "officer1").status_code == 403


def test_sign_out_takes_a_post(make_user):
    client = Client()
    client.force_login(make_user(Role.OFFICER))
    page = client.get("/accounts/logout/")
    assert "csrfmiddlewaretoken" in page.content.decode()
    assert _signed_in(client)
    client.post("/accounts/logout/")
    assert not _signed_in(client)


def test_home_needs_a_sign_in():
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_login_is_throttled_per_address(make_user, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"login": "3/min"}}
    for n in range(3):
        assert _login(Client(), f"nobody{n}", "wrong", address="192.0.2.77").status_code == 200
    response = _login(Client(), "nobody9", "wrong", address="192.0.2.77")
    assert response.status_code == 429
    assert TOO_MANY_ATTEMPTS in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert _login(Client(), "nobody9", "wrong", address="192.0.2.78").status_code == 200


def test_second_factor_codes_are_throttled_too(make_user, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"login": "2/min"}}
    clerk = make_user(Role.RECORDS_CLERK, username="clerk1")
    TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    client = Client()
    _login(client, "clerk1", address="192.0.2.80")
    assert client.post("/accounts/otp/", {"code": "000000"}, REMOTE_ADDR="192.0.2.80").status_code == 200
    assert client.post("/accounts/otp/", {"code": "000000"}, REMOTE_ADDR="192.0.2.80").status_code == 429


def test_passing_the_second_factor_renews_the_session_key(make_user):
    clerk = make_user(Role.RECORDS_CLERK, username="clerk1")
    device = TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    client = Client()
    _login(client, "clerk1")
    before = client.session.session_key
    client.post("/accounts/otp/", {"code": _code(device)})
    assert client.session.session_key != before
    assert client.get("/admin/").status_code == 200


def test_admin_sign_out_uses_the_site_template(make_user, verified_client):
    client = verified_client(make_user(Role.AUDITOR))
    response = client.post("/admin/logout/")
    assert response.status_code == 200
    assert "Signed out" in response.content.decode()
    assert client.get("/admin/").status_code == 302


# --- demo -----------------------------------------------------------------------------------------------------


def test_demo_staff_get_the_published_demo_authenticator_and_seeding_twice_changes_nothing():
    from agencies import demo

    for _ in range(2):
        context = {}
        demo.seed(context)
    devices = TOTPDevice.objects.filter(name=demo.DEMO_TOTP_DEVICE_NAME)
    assert sorted(devices.values_list("user__username", flat=True)) == [
        "admin",
        "pv-admin",
        "pv-auditor",
        "pv-clerk",
        "tc-clerk",
    ]
    assert all(device.confirmed and device.key == demo.DEMO_TOTP_KEY_HEX for device in devices)
    assert any(demo.DEMO_TOTP_SECRET_B32 in note for note in context["notes"])

    client = Client()
    _login(client, "pv-clerk", demo.DEMO_PASSWORD)
    device = devices.get(user__username="pv-clerk")
    assert client.post("/accounts/otp/", {"code": _code(device)})["Location"] == "/"


def test_recovery_codes_stored_in_plain_before_are_hashed_by_the_migration_and_still_work(make_user):
    from importlib import import_module

    from django.apps import apps

    clerk = make_user(Role.AUDITOR, username="auditor1")
    TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    recovery = StaticDevice.objects.create(user=clerk, name="Recovery codes", confirmed=True)
    recovery.token_set.create(token="abcd2345")  # as django-otp stored them before
    import_module("agencies.migrations.0004_hash_recovery_codes").hash_stored_codes(apps, None)

    assert list(recovery.token_set.values_list("token", flat=True)) == [recovery_code_digest("abcd2345")]
    client = Client()
    _login(client, "auditor1")
    assert client.post("/accounts/otp/", {"code": "abcd2345"})["Location"] == "/"

"""Fixtures shared by all tests. Tests use the real PostgreSQL (PostGIS) and Redis from settings.

`TEST_CLOCK=2026-12-31T23:30` runs the whole suite with the clock moved to that local time (and ticking on from
it), to show that no test's outcome depends on the day it runs: `TEST_CLOCK=2026-11-30T12:00 ./dev test`.
Tests of date rules pin the clock themselves (tests/test_calendar.py).
"""

import datetime as dt
import os
import zoneinfo

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from agencies.choices import AgencyKind, Role
from reads.partitions import _known_days

from .factories import AgencyFactory, UserFactory

# Camera and read fixtures are shared by every app's tests that need reads.
from .reads.conftest import camera, ingest_client, make_camera, search_body, store_reads  # noqa: E402, F401

# Property tests draw the same examples on every run (derandomize): the suite gives one answer on every machine
# and day. Widening the search is done by raising max_examples or by a separate, randomised fuzzing run
# (HYPOTHESIS_PROFILE=explore), not by luck in CI.
hypothesis_settings.register_profile("deterministic", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("explore", derandomize=False, max_examples=1000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))


def pytest_configure(config):
    clock = os.environ.get("TEST_CLOCK")
    if clock:
        moment = dt.datetime.fromisoformat(clock)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zoneinfo.ZoneInfo("America/Los_Angeles"))
        config._test_clock = time_machine.travel(moment, tick=True)
        config._test_clock.start()


def pytest_report_header(config):
    if os.environ.get("TEST_CLOCK"):
        return f"clock moved to {os.environ['TEST_CLOCK']} (TEST_CLOCK)"
    return None


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    # Partitions created inside a test's rolled-back transaction are gone afterwards.
    _known_days.clear()
    # A transactional test's flush re-creates content types under new ids; forget the cached ones.
    ContentType.objects.clear_cache()
    yield


@pytest.fixture
def agency(db):
    return AgencyFactory(name="Palm Vista Police Department", slug="palm-vista-pd", ori="CA0330400")


@pytest.fixture
def other_agency(db):
    return AgencyFactory(name="Desert Springs Police Department", slug="desert-springs-pd", ori="CA0330500")


@pytest.fixture
def nevada_agency(db):
    return AgencyFactory(
        name="Reno Police Department", slug="reno-pd", ori="NV0160200", state="NV", kind=AgencyKind.MUNICIPAL_POLICE
    )


@pytest.fixture
def federal_agency(db):
    return AgencyFactory(
        name="Federal Investigations Bureau", slug="fib", ori="DCFBIWA00", state="DC", kind=AgencyKind.FEDERAL
    )


@pytest.fixture
def private_entity(db):
    return AgencyFactory(
        name="Palm Vista Mall", slug="palm-vista-mall", ori="CA0339901", kind=AgencyKind.PRIVATE_ENTITY
    )


@pytest.fixture
def make_user(db, agency):
    def _make(role=Role.INVESTIGATOR, *, agency=agency, trained=True, **kwargs):
        return UserFactory(agency=agency, role=role, trained=trained, **kwargs)

    return _make


@pytest.fixture
def investigator(make_user):
    return make_user(Role.INVESTIGATOR, username="inv")


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def client_for(api_client):
    """An API client authenticated as `user` (session-free, like a partner's integration would be)."""

    def _client(user):
        client = APIClient()
        client.force_authenticate(user=user)
        return client

    return _client


@pytest.fixture
def verified_client(db):
    """A browser client signed in as `user` with a verified second factor, as after the full sign-in.

    Staff users (admin roles) need this for Django admin and every console page: a plain `force_login`
    leaves them at the second-factor step (see agencies/signin/).
    """

    def _client(user):
        client = Client()
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="Test authenticator", defaults={"confirmed": True})
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return _client


@pytest.fixture
def open_transaction():
    """Another session's write transaction, left open as a slow ingest or import leaves one: `open_transaction()` in
    the test database, `open_transaction("postgres")` in another database of the same server. It holds a transaction
    id (as a write does); the test ends it with `.rollback()`, or teardown does."""
    import psycopg
    from django.db import connection

    opened = []

    def _open(dbname: str | None = None):
        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        if dbname:
            params["dbname"] = dbname
        other = psycopg.connect(**params)  # not autocommit: its first statement opens a transaction
        other.execute("SELECT pg_current_xact_id()")
        opened.append(other)
        return other

    yield _open
    for other in opened:
        other.close()

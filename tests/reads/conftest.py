import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.choices import Role, TokenPurpose
from agencies.models import ApiToken
from reads.choices import CameraKind, ReadSource
from reads.models import Camera
from reads.services import read_ingest

from ..factories import UserFactory

PALM_VISTA = (33.8303, -116.5453)  # latitude, longitude


@pytest.fixture
def make_camera(db):
    def _make(agency, name="Main St & 1st Ave northbound", *, kind=CameraKind.FIXED, at=PALM_VISTA, **kwargs):
        location = Point(at[1], at[0], srid=4326) if at else None
        return Camera.objects.create(agency=agency, name=name, kind=kind, location=location, is_active=True, **kwargs)

    return _make


@pytest.fixture
def camera(make_camera, agency):
    return make_camera(agency)


@pytest.fixture
def ingest_client(db):
    """An API client holding an ingest token of a camera service account of `agency`."""

    def _client(agency):
        account = UserFactory(agency=agency, role=Role.OFFICER, trained=False, username=f"camera-{agency.slug}")
        _, secret = ApiToken.issue(user=account, name="camera agent", purpose=TokenPurpose.INGEST)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        return client

    return _client


@pytest.fixture
def store_reads(db):
    """Store reads through the real ingest service: store_reads(camera, ["7ABC123", ...], at=..., **fields)."""

    counter = {"n": 0}

    def _store(camera, plates, *, at=None, step=dt.timedelta(minutes=1), now=None, **fields):
        at = at or timezone.now() - dt.timedelta(hours=1)
        items = []
        for index, plate in enumerate(plates):
            counter["n"] += 1
            items.append(
                {
                    "camera": camera.pk,
                    "captured_at": (at + index * step).isoformat(),
                    "plate": plate,
                    "source_id": f"test-{counter['n']}",
                    **fields,
                }
            )
        return read_ingest(agency=camera.agency, items=items, source=ReadSource.CAMERA_PUSH, now=now)

    return _store


@pytest.fixture
def search_body():
    def _body(**criteria):
        now = timezone.now()
        body = {
            "purpose": "criminal_investigation",
            "case_number": "PV-2026-001234",
            "start": (now - dt.timedelta(days=7)).isoformat(),
            "end": (now + dt.timedelta(minutes=1)).isoformat(),
        }
        body.update(criteria)
        return body

    return _body

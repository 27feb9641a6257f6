"""Fixtures of the analysis tests: reads planted one by one through the real ingest service, and request bodies."""

import datetime as dt

import pytest
from django.utils import timezone

# Cameras of the planted scenes, (latitude, longitude): A and B 60 m apart (one place for likely locations), C and D
# kilometers away.
SPOTS = {
    "A": (33.8303, -116.5453),
    "B": (33.8308, -116.5452),
    "C": (33.8600, -116.5000),
    "D": (33.7800, -116.6000),
}


@pytest.fixture
def base_time():
    """A fixed local morning two days ago, well inside retention and the default window."""
    now = timezone.localtime()
    return (now - dt.timedelta(days=2)).replace(hour=8, minute=0, second=0, microsecond=0)


@pytest.fixture
def plant(store_reads):
    """plant(camera, plate, at, **fields) -> the stored read's id."""

    def _plant(camera, plate, at, **fields):
        fields.setdefault("plate_state", "CA")
        result = store_reads(camera, [plate], at=at, **fields)
        return result.reads[0].id

    return _plant


@pytest.fixture
def analysis_body():
    def _body(**criteria):
        now = timezone.now()
        body = {
            "purpose": "criminal_investigation",
            "case_number": "PV-2026-004242",
            # the searcher's per-search attestation (#18): needed whenever the analysis reaches a partner's data
            "attestation": True,
            "start": (now - dt.timedelta(days=10)).isoformat(),
            "end": (now + dt.timedelta(minutes=1)).isoformat(),
        }
        body.update(criteria)
        return body

    return _body


@pytest.fixture
def cameras(make_camera, agency):
    return {name: make_camera(agency, f"Camera {name}", at=at) for name, at in SPOTS.items()}

"""Fixtures of the console tests: cameras and reads through the real ingest service (from the reads tests),
reads with images, hits on a hotlist, and a helper that runs a search through the console's form."""

import datetime as dt
import html

import pytest
from django.test import Client
from django.utils import timezone

from agencies.choices import Role
from hotlists.choices import Category, HotlistSource, Priority
from hotlists.models import Alert, Hotlist
from hotlists.services import hotlist_entry_create
from reads.choices import ReadSource
from reads.models import Read
from reads.services import read_ingest

from ..reads.conftest import PALM_VISTA, camera, make_camera, store_reads  # noqa: F401 - fixtures

JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64 + b"\xff\xd9"
PURPOSE = {"purpose": "criminal_investigation", "case_number": "PV-26-0042"}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def officer(make_user):
    return make_user(Role.OFFICER, username="officer1")


@pytest.fixture
def signed_in(verified_client):
    """A console client for `user` (a verified second factor too, so staff roles work the same)."""
    return verified_client


@pytest.fixture
def read_with_image(db):
    counter = {"n": 0}

    def _make(on_camera, plate="6TRJ244", *, when=None, **fields):
        counter["n"] += 1
        when = when or timezone.now() - dt.timedelta(hours=2, minutes=counter["n"])
        item = {
            "camera": on_camera.pk,
            "captured_at": when.isoformat(),
            "plate": plate,
            "source_id": f"console-img-{counter['n']}",
            **fields,
        }
        result = read_ingest(
            agency=on_camera.agency, items=[item], source=ReadSource.CAMERA_PUSH, images={item["source_id"]: JPEG}
        )
        return Read.objects.get(pk=result.reads[0].id)

    return _make


@pytest.fixture
def make_alert(db, read_with_image):
    """A hit: `plate` on a new hotlist of the camera's agency, then a read of it through ingest."""

    def _make(on_camera, plate="8HOT123", *, priority=Priority.HIGH, entered_by=None, name=None):
        hotlist = Hotlist.objects.create(
            agency=on_camera.agency,
            name=name or f"Stolen vehicles {plate}",
            source=HotlistSource.MANUAL,
            category=Category.STOLEN_VEHICLE,
            priority=priority,
        )
        hotlist_entry_create(hotlist=hotlist, user=entered_by, plate=plate, case_number="SV-1")
        read = read_with_image(on_camera, plate)
        return Alert.objects.get(read_id=read.pk)

    return _make


def text(response) -> str:
    """The page as text, entities unescaped, for assertions on messages (which hold apostrophes)."""
    return html.unescape(response.content.decode())


def search_form(**fields) -> dict:
    """The search form's POST body: purpose, case number and a 7-day window, plus `fields`."""
    now = timezone.localtime()
    body = {
        **PURPOSE,
        "start": (now - dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "end": (now + dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"),
    }
    body.update(fields)
    return body


def run_search(client: Client, **fields) -> int:
    """Run a search through the console and return its access-log id (from the results URL)."""
    response = client.post("/console/search/", search_form(**fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    return int(response["Location"].rstrip("/").split("/")[-1])


__all__ = ["PALM_VISTA", "JPEG", "PURPOSE", "run_search", "search_form", "text"]

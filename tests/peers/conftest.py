"""Fixtures of the peer conformance tests: documents in each product's published shape (tests/peers/documents,
written after the vendors' examples with our own values), cameras mapped to a peer, and the checks every peer
shares (stored, found by search, alerted when listed)."""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import uuid
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from agencies.choices import Role
from hotlists.choices import Category, HotlistSource, MatchStrategy
from hotlists.models import Alert, Hotlist, HotlistEntry
from reads.models import Read
from reads.plates import canonical_key

DOCUMENTS = Path(__file__).parent / "documents"
PACIFIC = ZoneInfo("America/Los_Angeles")


def jpeg(color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 8), color).save(buffer, format="JPEG")
    return buffer.getvalue()


def document(name: str, *, at: dt.datetime | None = None, **values) -> str:
    """The text of a stored document with its {{PLACEHOLDERS}} filled: times from `at` (default ten minutes ago),
    the rest from `values` or defaults."""
    at = (at or timezone.now() - dt.timedelta(minutes=10)).astimezone(dt.UTC).replace(microsecond=123000)
    local = at.astimezone(PACIFIC)
    plate = values.pop("PLATE", "7ABC123")
    filled = {
        "EPOCH_S": f"{at.timestamp():.6f}",
        "EPOCH_MS": str(int(at.timestamp() * 1000)),
        "ISO_Z": at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
        "ISO_SPACE_OFFSET": at.isoformat(sep=" "),
        "ISO_OFFSET": local.strftime("%Y-%m-%dT%H:%M:%S") + local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:],
        "LOCAL_ISO": local.strftime("%Y-%m-%dT%H:%M:%S"),
        "AXIS_LOCAL": local.strftime("%Y%m%d %H%M%S") + "123",
        "DATE_DASHED": at.strftime("%y-%m-%d"),
        "DATE_MDY": at.strftime("%m/%d/%Y"),
        "TIME_UTC": at.strftime("%H:%M:%S"),
        "DATE_LOCAL_MDY": local.strftime("%m/%d/%Y"),
        "TIME_LOCAL": local.strftime("%H:%M:%S"),
        "PLATE": plate,
        "PLATE_LOWER": plate.lower(),
        "PLATE_ALT": "7A8C123",
        "PLATE_ALT_LOWER": "7a8c123",
        "SCORE": "0.91",
        "CONFIDENCE": "91",
        "CONFIDENCE_TEXT": "0.91",
        "UUID": str(uuid.uuid4()),
        "EVENT_ID": f"{at.timestamp():.6f}-mxklsc",
        "CAR_ID": "12",
        "CAR_STATE": "new",
        "PACKET": "1",
        "RETRANSMISSION": "false",
        "IMAGE_B64": base64.b64encode(jpeg()).decode(),
    }
    filled.update({key: str(value) for key, value in values.items()})
    text = (DOCUMENTS / name).read_text()
    for key, value in filled.items():
        text = text.replace("{{" + key + "}}", value)
    assert "{{" not in text, text
    return text


def document_json(name: str, **values) -> dict:
    return json.loads(document(name, **values))


@pytest.fixture
def peer_camera(make_camera, agency):
    """A camera of `agency` fed by `peer` under `external_id` (times without offset placed in Pacific time)."""

    def _make(peer, external_id, name=None, **fields):
        fields.setdefault("time_zone", "America/Los_Angeles")
        return make_camera(agency, name or f"{peer} {external_id}", peer=peer, external_id=external_id, **fields)

    return _make


@pytest.fixture
def camera_client(ingest_client, agency):
    return ingest_client(agency)


@pytest.fixture
def listed(agency):
    """Put a plate on an active hotlist of `agency`."""

    def _list(plate, state="CA"):
        hotlist, _ = Hotlist.objects.get_or_create(
            agency=agency,
            name="Stolen vehicles",
            defaults={
                "source": HotlistSource.CA_DOJ_STOLEN_VEHICLES,
                "category": Category.STOLEN_VEHICLE,
                "match_strategy": MatchStrategy.CANONICAL,
            },
        )
        return HotlistEntry.objects.create(
            hotlist=hotlist,
            plate=plate,
            canonical=canonical_key(plate),
            plate_state=state,
            reason=Category.STOLEN_VEHICLE,
        )

    return _list


@pytest.fixture
def found_by_search(client_for, make_user, search_body):
    """Plates an investigator's search for `plate` returns."""
    investigator = make_user(Role.INVESTIGATOR, username="peer-inv")

    def _search(plate):
        response = client_for(investigator).post(reverse("read-search"), search_body(plate=plate), format="json")
        assert response.status_code == 200, response.content
        return [row["plate"] for row in response.json()["results"]]

    return _search


def nothing_stored():
    return Read.objects.count() == 0 and Alert.objects.count() == 0


@contextmanager
def all_statements():
    """The statements sent on this thread's database connection meanwhile, every one: Django's query capture
    (django_assert_num_queries) misses those of the psycopg cursor that the ingest service's insert uses."""
    connection.ensure_connection()
    raw = connection.connection
    factory = raw.cursor_factory
    sent: list[str] = []

    class Counting(factory):
        def execute(self, query, params=None, **kwargs):
            sent.append(str(query))
            return super().execute(query, params, **kwargs)

    raw.cursor_factory = Counting
    try:
        yield sent
    finally:
        raw.cursor_factory = factory

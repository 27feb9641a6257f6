import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from hotlists.choices import Category, HotlistSource, MatchStrategy
from hotlists.models import Hotlist
from reads.choices import ReadSource
from reads.models import Camera
from reads.plates import canonical_key
from reads.services import read_ingest
from reads.types import IngestedRead


@pytest.fixture
def make_camera(db):
    def _make(agency, name="Main St & 1st Ave northbound"):
        return Camera.objects.create(
            agency=agency, name=name, location=Point(-116.5453, 33.8303, srid=4326), is_active=True
        )

    return _make


@pytest.fixture
def camera(make_camera, agency):
    return make_camera(agency)


@pytest.fixture
def make_hotlist(db, agency):
    def _make(name="Stolen vehicles", *, owner=None, strategy=MatchStrategy.CANONICAL, **fields):
        fields.setdefault("source", HotlistSource.CA_DOJ_STOLEN_VEHICLES)
        fields.setdefault("category", Category.STOLEN_VEHICLE)
        return Hotlist.objects.create(agency=owner or agency, name=name, match_strategy=strategy, **fields)

    return _make


@pytest.fixture
def hotlist(make_hotlist):
    return make_hotlist()


@pytest.fixture
def store_reads(db):
    """Store reads through the lead's ingest service (which calls hotlist matching in its transaction)."""
    counter = {"n": 0}

    def _store(camera, plates, *, at=None, step=dt.timedelta(minutes=1), **fields):
        at = at or timezone.now() - dt.timedelta(hours=1)
        items = []
        for index, plate in enumerate(plates):
            counter["n"] += 1
            items.append(
                {
                    "camera": camera.pk,
                    "captured_at": (at + index * step).isoformat(),
                    "plate": plate,
                    "source_id": f"hot-{counter['n']}",
                    **fields,
                }
            )
        return read_ingest(agency=camera.agency, items=items, source=ReadSource.CAMERA_PUSH)

    return _store


@pytest.fixture
def ingested():
    """IngestedRead values as the ingest service hands them to matching (no database row needed)."""
    counter = {"n": 1_000_000}

    def _read(owner, plate, *, camera=None, state="CA", candidates=(), at=None):
        counter["n"] += 1
        return IngestedRead(
            id=counter["n"],
            owner_agency_id=owner.pk,
            camera_id=camera.pk if camera else None,
            captured_at=at or timezone.now(),
            plate=plate,
            plate_state=state,
            candidates=tuple(candidates),
            image=f"reads/{counter['n']}.jpg",
        )

    return _read


def clew_text(records, *, count=None, date="07/02/2018 09:00"):
    """A CLEW extract: records are (plate, state, county, yyyymmdd) or raw strings."""
    lines = [f"DATE{date}"]
    for record in records:
        lines.append(record if isinstance(record, str) else f"{record[0]:<8}{record[1]}{record[2]}{record[3]}")
    lines.append(f"TOTAL RECORD {len(records) if count is None else count:07d}")
    return "\n".join(lines) + "\n"


def ncic_line(code="V", plate="AB123456", state="CA", year="2009", make="YAMA", model="CYL", color="BLK"):
    return f"{code}123456789LA057020020190509{plate:<10}{state}2009MC{year:<4}{make:<4}{model:<3}MC{color}"


@pytest.fixture
def entry_for():
    """A HotlistEntry row created directly (no historical matching), for matching tests."""
    from hotlists.models import HotlistEntry

    def _entry(hotlist, plate, state="CA", **fields):
        return HotlistEntry.objects.create(
            hotlist=hotlist,
            plate=plate,
            canonical=canonical_key(plate),
            plate_state=state,
            reason=fields.pop("reason", hotlist.category),
            **fields,
        )

    return _entry


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.received.append((dict(self.headers), body))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def webhook_server():
    """A webhook receiver on 127.0.0.1; `.received` holds (headers, body) pairs, `.status` is what it answers."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    server.status = 200
    server.url = f"http://127.0.0.1:{server.server_address[1]}/alpr-hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()

"""Two ingest batches at the same moment, for the same plate and camera, in two real transactions (two threads, two
database connections): they fold into one alert, not two."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from hotlists import matching
from hotlists.models import Alert
from reads.choices import ReadSource
from reads.services import read_ingest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _truncate_reads():
    yield
    with connection.cursor() as cursor:  # the partitioned reads table is not Django's to flush
        cursor.execute("TRUNCATE reads_read")


def _batch(camera, plate, at, source_id):
    return [{"camera": camera.pk, "captured_at": at.isoformat(), "plate": plate, "source_id": source_id}]


def test_two_concurrent_batches_for_one_plate_and_camera_raise_one_alert(
    agency, make_camera, hotlist, entry_for, monkeypatch
):
    camera = make_camera(agency, "Gate northbound")
    elsewhere = make_camera(agency, "Far away")
    entry_for(hotlist, "7RACE01")
    now = timezone.now()
    # Two readings of one plate that differ by an OCR confusion (0/O) and both match the entry: batches of the same
    # plate string already queue on that plate's index row (reads.services locks it until commit), so the race this
    # test is about is between two readings of one vehicle. Both are in the plate index already (seen elsewhere).
    for plate in ("7RACE01", "7RACEO1"):
        read_ingest(agency=agency, items=_batch(elsewhere, plate, now - dt.timedelta(hours=2), f"seed-{plate}"),
                    source=ReadSource.CAMERA_PUSH)  # fmt: skip
    assert Alert.objects.count() == 1  # the two seed readings at one camera fold into one alert already

    # Both transactions have stored their read and matched it before either looks for an open alert to fold into.
    barrier = threading.Barrier(2, timeout=20)
    store_alerts = matching._store_alerts

    def _both_matched_then_store(hits, *, historical):
        if not historical:
            barrier.wait()
        return store_alerts(hits, historical=historical)

    monkeypatch.setattr(matching, "_store_alerts", _both_matched_then_store)
    errors = []

    def _ingest(offset_s, source_id, plate):
        try:
            read_ingest(
                agency=agency,
                items=_batch(camera, plate, now - dt.timedelta(seconds=offset_s), source_id),
                source=ReadSource.CAMERA_PUSH,
            )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=_ingest, args=(30, "a", "7RACE01")),
        threading.Thread(target=_ingest, args=(20, "b", "7RACEO1")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    alerts = list(Alert.objects.filter(camera_id=camera.pk))
    assert len(alerts) == 1, f"{len(alerts)} alerts for one plate, one camera, 10 s apart"
    assert alerts[0].read_count == 2
    assert alerts[0].last_seen_at == now - dt.timedelta(seconds=20)

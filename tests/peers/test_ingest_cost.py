"""What one camera message costs: the statements of a peer request and of a Frigate subscriber batch (budgets that
fail when a change adds one), the camera heartbeat written at most once a second, the pass lookup planned as an
index probe per pass id, and the ingest rate limit kept as one counter."""

from __future__ import annotations

import datetime as dt
import json

import paho.mqtt.client as mqtt
import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from reads import passes
from reads.choices import CameraPeer, ReadSource
from reads.frigate_mqtt import FrigateSubscriber
from reads.models import Camera, FrigateBroker, Read
from reads.services import read_ingest

from .conftest import all_statements, document_json

URL = reverse("ingest-frigate")

# One Frigate message (its token and camera already used once): the token with its account (1), the camera (1), the
# pass lock (1), the pass lookup (1), the insert with its plate-index entry (1), the partners whose hotlists apply
# (1), the hotlist probe (1), the camera's heartbeat (1), and the ingest transaction's savepoint and release (2; a
# web request has BEGIN and COMMIT instead). It was 12 when the agency's cameras were read again for validation
# and the plate index had a statement of its own.
PEER_MESSAGE_STATEMENTS = 10
# A Frigate subscriber batch, whatever its size: the cameras of its messages (1), the pass locks (1), the pass
# lookup (1), the insert (1), the partners (1), the probe (1), the heartbeats (at most 1: none for cameras heard from
# less than a second ago), and the broker's status (1). It used to take a lock statement per message.
SUBSCRIBER_BATCH_STATEMENTS = 8


def _event(event_id: str, plate: str = "7ABC123", camera: str = "driveway", score: float = 0.9) -> dict:
    body = document_json("frigate_event_new.json", EVENT_ID=event_id, PLATE=plate, SCORE=score)
    body["after"]["camera"] = camera
    return body


@pytest.fixture
def driveway(peer_camera):
    return peer_camera(CameraPeer.FRIGATE, "driveway")


@pytest.mark.django_db
def test_one_peer_message_budget(camera_client, driveway, listed, django_capture_on_commit_callbacks):
    listed("5XYZ999")
    with django_capture_on_commit_callbacks(execute=True):  # the token's last use; the day's partition, once known
        assert camera_client.post(URL, _event("1.1-warm"), format="json").status_code == 201
    with all_statements() as sent:
        response = camera_client.post(URL, _event("2.2-measured", plate="7QRS123"), format="json")
    assert response.status_code == 201, response.content
    assert len(sent) <= PEER_MESSAGE_STATEMENTS, "\n".join(sent)
    assert sum("reads_camera" in sql and "lower(external_id)" in sql for sql in sent) == 1


@pytest.mark.django_db
def test_a_peer_message_reads_only_its_own_camera(camera_client, driveway, peer_camera):
    """Validation uses the camera the message named, not the agency's whole camera list."""
    for n in range(5):
        peer_camera(CameraPeer.FRIGATE, f"other-{n}")
    with all_statements() as sent:
        assert camera_client.post(URL, _event("3.3-own"), format="json").status_code == 201
    assert not [sql for sql in sent if '"reads_camera"' in sql and "lower(external_id)" not in sql], sent


@pytest.fixture
def _no_reads_left():
    """A transactional test's flush empties managed tables only: the partitioned reads table is emptied here."""
    yield
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reads_read")


def _messages(prefix: str, count: int, cameras: list[str], start: int) -> list[mqtt.MQTTMessage]:
    messages = []
    for n in range(start, start + count):
        message = mqtt.MQTTMessage(mid=n, topic=f"{prefix}/events".encode())
        message.payload = json.dumps(_event(f"{n}.5-sub", plate=f"9B{n:05d}", camera=cameras[n % len(cameras)]))
        message.qos = 1
        messages.append(message)
    return messages


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_no_reads_left")
def test_a_subscriber_batch_budget_does_not_grow_with_its_size(agency, peer_camera):
    cameras = ["driveway", "gate"]
    for name in cameras:
        peer_camera(CameraPeer.FRIGATE, name)
    broker = FrigateBroker.objects.create(agency=agency, name="HOA", url="mqtt://127.0.0.1:1", topic_prefix="hoa")
    subscriber = FrigateSubscriber(broker)  # not started: its batches are handed to it directly
    subscriber.process(_messages("hoa", 5, cameras, 0))  # the subscriber's own camera check is kept 30 s
    counts = []
    for size, start in ((10, 100), (120, 200)):
        with all_statements() as sent:
            subscriber.process(_messages("hoa", size, cameras, start))
        assert len(sent) <= SUBSCRIBER_BATCH_STATEMENTS, "\n".join(sent)
        counts.append(len(sent))
    assert Read.objects.count() == 5 + 10 + 120


@pytest.mark.django_db
def test_a_camera_heartbeat_is_written_at_most_once_a_second(agency, camera, django_capture_on_commit_callbacks):
    now = timezone.now().replace(microsecond=0)

    def ingest(at: dt.datetime, source_id: str) -> list[str]:
        item = {"camera": camera.pk, "captured_at": (at - dt.timedelta(minutes=1)).isoformat(), "plate": "7ABC123",
                "source_id": source_id}  # fmt: skip
        with django_capture_on_commit_callbacks(execute=True), all_statements() as sent:
            read_ingest(agency=agency, items=[item], source=ReadSource.CAMERA_PUSH, now=at)
        return [sql for sql in sent if "last_heartbeat_at" in sql]

    assert ingest(now, "hb-1")
    assert not ingest(now + dt.timedelta(milliseconds=500), "hb-2")  # this process wrote it half a second ago
    assert Camera.objects.get(pk=camera.pk).last_heartbeat_at == now
    assert ingest(now + dt.timedelta(milliseconds=1500), "hb-3")
    assert Camera.objects.get(pk=camera.pk).last_heartbeat_at == now + dt.timedelta(milliseconds=1500)


@pytest.mark.django_db
def test_the_pass_lookup_probes_the_index_by_pass_id_in_a_partition_never_analyzed(agency, camera):
    """A day's partition filled before its first ANALYZE (a new day): the lookup stays one index probe per pass id,
    not a scan of all the agency's reads of the window filtered by pass id."""
    at = timezone.now() - dt.timedelta(hours=1)
    for start in range(0, 3000, 1000):
        items = [
            {"camera": camera.pk, "captured_at": (at - dt.timedelta(seconds=n)).isoformat(), "plate": f"7P{n:05d}",
             "source_id": f"frigate:driveway:{n}"}
            for n in range(start, start + 1000)
        ]  # fmt: skip
        read_ingest(agency=agency, items=items, source=ReadSource.FRIGATE)
    window = dt.timedelta(hours=24)
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN " + passes._BY_SOURCE_ID,
            [["frigate:driveway:5", "frigate:driveway:7"], agency.pk, ReadSource.FRIGATE, at - window, at + window],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    conditions = [line for line in plan.splitlines() if "Index Cond" in line]
    assert conditions and all("source_id" in line for line in conditions), plan


@pytest.mark.django_db
def test_the_ingest_rate_limit_is_one_counter_per_caller(camera_client, driveway, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**rates, "ingest": "2/min"}}
    codes = [camera_client.post(URL, _event(f"{n}.0-limit", plate=f"7L{n:05d}"), format="json") for n in range(3)]
    assert [response.status_code for response in codes] == [201, 201, 429]
    assert 0 < int(codes[2]["Retry-After"]) <= 60
    account = Read.objects.get(source_id__endswith="0.0-limit").camera.agency.memberships.get().user
    # One integer per caller and window (INCR), not DRF's list of every request's time read and written back whole.
    assert cache.get(f"count:throttle_ingest_{account.pk}") == 3

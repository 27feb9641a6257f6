"""Faults around alerts and their notifications: Redis (broker and cache) stopped during ingest, a webhook receiver
that is down, and one that is slow. Ingest keeps answering, every alert is stored with its outbox row, and the
notifications go out once the fault is gone, each exactly once.

Redis here is a private redis-server on port 6390 (conftest.PrivateRedis), never the machine's shared one.
"""

import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from hotlists import notifications
from hotlists.choices import Category, HotlistSource, OutboxStatus, SubscriptionKind
from hotlists.models import Alert, Hotlist, HotlistEntry, NotificationOutbox
from hotlists.notifications import notification_deliver, notification_dispatch_due, notification_subscription_create
from reads.plates import canonical_key

HOT = [f"7HOT{n:03d}" for n in range(20)]


@pytest.fixture
def hot_agency(agency, camera, ingest_client, receiver):
    hotlist = Hotlist.objects.create(
        agency=agency, name="Stolen", source=HotlistSource.CA_DOJ_STOLEN_VEHICLES, category=Category.STOLEN_VEHICLE
    )
    HotlistEntry.objects.bulk_create(
        [HotlistEntry(hotlist=hotlist, plate=p, canonical=canonical_key(p), plate_state="CA",
                      reason=Category.STOLEN_VEHICLE) for p in HOT]
    )  # fmt: skip
    notification_subscription_create(agency=agency, name="CAD", kind=SubscriptionKind.WEBHOOK, url=receiver.url)
    return {"client": ingest_client(agency), "camera": camera, "n": 0}


def _ingest(state, plates) -> tuple[int, float]:
    """POST one batch; returns (status, seconds)."""
    at = timezone.now() - dt.timedelta(minutes=1)
    reads = []
    for plate in plates:
        state["n"] += 1
        reads.append({"camera": state["camera"].pk, "captured_at": at.isoformat(), "plate": plate,
                      "plate_state": "CA", "source_id": f"fault-{state['n']}"})  # fmt: skip
    started = time.monotonic()
    response = state["client"].post("/api/v1/reads/batch/", {"reads": reads}, format="json")
    return response.status_code, time.monotonic() - started


def _pending() -> int:
    return NotificationOutbox.objects.filter(status=OutboxStatus.PENDING).count()


@pytest.mark.django_db
def test_redis_stopped_during_ingest(hot_agency, celery_broker, receiver, settings, django_capture_on_commit_callbacks):
    settings.CELERY_BROKER_URL = f"{celery_broker.url}/0"  # what /healthz checks
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"{celery_broker.url}/1"}
    }
    receiver.up()
    with django_capture_on_commit_callbacks(execute=True):
        assert _ingest(hot_agency, ["7HOT000", "5AAA111"])[0] == 201
    assert celery_broker.llen(0, "notifications") == 1  # handed to the broker after commit

    celery_broker.stop()  # Redis dies: broker and cache both gone (their messages too: no persistence)
    timings = []
    for batch in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            status, seconds = _ingest(hot_agency, [HOT[1 + batch], f"5BBB{batch:03d}"])
        assert status == 201, "ingest must keep answering without Redis"
        timings.append(seconds)
    assert max(timings[1:]) < 1.0, timings  # after the first failure the broker is not tried again for a while
    assert timings[0] < 15, timings  # the first batch pays the failed connection once, bounded
    assert Client().get("/healthz").status_code == 503  # the outage is visible
    assert Client().get(f"/transparency/{hot_agency['camera'].agency.slug}/").status_code == 200  # cache is optional
    assert Alert.objects.count() == 6 and _pending() == 6  # every alert stored, every notification waiting

    celery_broker.start()  # Redis is back, empty: the queued message was lost, the outbox row was not
    assert notification_dispatch_due() == 6  # what the beat job runs every 10 s
    assert sorted(payload["alert_id"] for payload in receiver.received) == sorted(
        Alert.objects.values_list("id", flat=True)
    )
    assert _pending() == 0
    # The lost task, had it survived, would find its row delivered and send nothing twice.
    first = NotificationOutbox.objects.order_by("id").first()
    assert notification_deliver(outbox_id=first.pk) == "skipped"
    assert len(receiver.received) == 6


@pytest.mark.django_db
def test_webhook_receiver_down_retries_with_backoff(
    hot_agency, celery_broker, receiver, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        status, seconds = _ingest(hot_agency, ["7HOT005"])
    assert status == 201 and seconds < 2
    row = NotificationOutbox.objects.get()
    delays = []
    for attempt in (1, 2, 3):
        before = timezone.now()
        assert notification_dispatch_due() == 0  # nothing listens: the attempt fails and is recorded
        row.refresh_from_db()
        assert row.status == OutboxStatus.PENDING and row.attempts == attempt and row.last_error
        delays.append(round((row.next_attempt_at - before).total_seconds()))
        NotificationOutbox.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())  # let time pass
    assert delays == [10, 20, 40]  # exponential backoff
    receiver.up()
    assert notification_dispatch_due() == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.DELIVERED and row.attempts == 4
    assert len(receiver.received) == 1
    assert notification_dispatch_due() == 0 and len(receiver.received) == 1  # delivered once


@pytest.mark.django_db(transaction=True)
def test_slow_webhook_does_not_block_ingest(hot_agency, celery_broker, receiver, monkeypatch):
    monkeypatch.setattr(notifications, "WEBHOOK_TIMEOUT_S", 2)
    receiver.up(delay=4)  # slower than the timeout
    try:
        assert _ingest(hot_agency, ["7HOT010"])[0] == 201
        # The dispatcher takes the row and stalls on the receiver (limit=1: just that row).
        dispatcher = threading.Thread(target=notification_dispatch_due, kwargs={"limit": 1})
        started = time.monotonic()
        dispatcher.start()
        time.sleep(0.3)
        timings = []
        for batch in range(5):
            status, seconds = _ingest(hot_agency, [HOT[11 + batch], f"5CCC{batch:03d}"])
            assert status == 201
            timings.append(seconds)
        assert max(timings) < 1.0, timings  # ingest does not wait for the webhook
        dispatcher.join(timeout=30)
        assert 1.5 < time.monotonic() - started < 15
        slow = NotificationOutbox.objects.order_by("id").first()
        assert slow.status == OutboxStatus.PENDING and slow.attempts == 1 and "timed out" in slow.last_error.lower()
        assert Alert.objects.count() == 6 and NotificationOutbox.objects.count() == 6
    finally:
        with connection.cursor() as cursor:  # the partitioned reads table is not Django's to flush
            cursor.execute("TRUNCATE reads_read")

"""Notifications leave through the outbox: signed webhooks, e-mail, retries, and no loss when the broker is down."""

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import time
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from config.celery_app import app as celery_app
from hotlists import notifications
from hotlists.choices import OutboxStatus, Priority, SubscriptionKind
from hotlists.matching import match_ingested_reads
from hotlists.models import NotificationOutbox
from hotlists.notifications import (
    ID_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    notification_dispatch_due,
    notification_subscription_create,
)
from hotlists.tasks import notification_dispatch_due_task

pytestmark = pytest.mark.django_db


@pytest.fixture
def hit(agency, hotlist, entry_for, ingested, camera):
    entry_for(hotlist, "7ABC123")

    def _hit():
        return match_ingested_reads([ingested(agency, "7ABC123", camera=camera, at=timezone.now())])

    return _hit


@pytest.fixture
def broker_down():
    """Celery as in production (not eager), pointed at a port where no broker listens."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.task_always_eager = False
    conf.broker_url = "redis://127.0.0.1:9/0"
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    conf.task_always_eager, conf.broker_url = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    notifications._broker_down_until = 0.0


def _receiver_check():
    """The verification snippet that docs/hotlists.md gives receivers, run as they would run it."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "hotlists.md").read_text()
    section = text.split("### Verifying a webhook", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102 - our own documentation
    return namespace["verify_alpr_webhook"]


def _lower(headers):
    return {key.lower(): value for key, value in headers.items()}


def _verify(server, secret):
    [(headers, body)] = server.received
    assert _receiver_check()(secret, _lower(headers), body)
    return json.loads(body)


def test_webhook_is_signed_the_standard_webhooks_way(agency, hit, webhook_server):
    sub = notification_subscription_create(
        agency=agency, name="CAD", kind=SubscriptionKind.WEBHOOK, url=webhook_server.url
    )
    assert sub.secret.startswith("whsec_") and len(base64.b64decode(sub.secret[6:])) == 32
    webhook_server.status = 503  # the first attempt fails, the retry carries the same id and a new timestamp
    hit()
    before = int(time.time())
    assert notification_dispatch_due() == 0
    webhook_server.status = 200
    NotificationOutbox.objects.update(next_attempt_at=timezone.now())
    assert notification_dispatch_due() == 1
    (first, _), (retry, body) = [(_lower(h), b) for h, b in webhook_server.received]
    row = NotificationOutbox.objects.get()
    assert first["webhook-id"] == retry["webhook-id"] == f"alpr-notification-{row.pk}"
    assert before - 1 <= int(retry[TIMESTAMP_HEADER]) <= time.time() + 1
    # the signature, computed independently: v1,base64(HMAC-SHA256(secret bytes, "id.timestamp.body"))
    key = base64.b64decode(sub.secret.removeprefix("whsec_"))
    signed = f"{retry[ID_HEADER]}.{retry[TIMESTAMP_HEADER]}.".encode() + body
    expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert retry[SIGNATURE_HEADER] == expected
    verify = _receiver_check()
    assert verify(sub.secret, retry, body)
    # A replay later than the tolerance, a changed body, an id or timestamp swapped, or another secret: refused.
    assert not verify(sub.secret, retry, body, tolerance_s=-1)
    assert not verify(sub.secret, retry, body.replace(b"7ABC123", b"7ABC124"))
    assert not verify(sub.secret, {**retry, "webhook-id": "alpr-notification-999999"}, body)
    assert not verify(sub.secret, {**retry, "webhook-timestamp": str(int(retry["webhook-timestamp"]) - 1)}, body)
    other = notification_subscription_create(agency=agency, name="Other", kind=SubscriptionKind.WEBHOOK, url=sub.url)
    assert not verify(other.secret, retry, body)


def test_webhook_delivered_after_commit_and_signed(agency, hit, webhook_server, django_capture_on_commit_callbacks):
    sub = notification_subscription_create(
        agency=agency, name="CAD", kind=SubscriptionKind.WEBHOOK, url=webhook_server.url
    )
    with django_capture_on_commit_callbacks(execute=True):
        [alert] = hit()
    payload = _verify(webhook_server, sub.secret)
    assert (payload["alert_id"], payload["plate"], payload["list"]) == (alert.pk, "7ABC123", alert.list_name)
    assert NotificationOutbox.objects.get().status == OutboxStatus.DELIVERED


def test_broker_outage_delays_but_loses_nothing(
    agency, hit, webhook_server, broker_down, django_capture_on_commit_callbacks
):
    sub = notification_subscription_create(
        agency=agency, name="CAD", kind=SubscriptionKind.WEBHOOK, url=webhook_server.url
    )
    with django_capture_on_commit_callbacks(execute=True):
        [alert] = hit()  # the after-commit enqueue fails against the dead broker, quietly
    row = NotificationOutbox.objects.get()
    assert row.status == OutboxStatus.PENDING and webhook_server.received == []
    # Further alerts during the outage do not wait on the dead broker again.
    assert notifications.notification_enqueue(outbox_ids=[row.pk]) == 0
    # Later, the beat job's dispatcher delivers it.
    assert notification_dispatch_due_task.apply().get() == 1
    row.refresh_from_db()
    assert row.status == OutboxStatus.DELIVERED
    assert _verify(webhook_server, sub.secret)["alert_id"] == alert.pk


def test_failed_delivery_backs_off_and_retries(agency, hit, webhook_server):
    notification_subscription_create(agency=agency, name="CAD", kind=SubscriptionKind.WEBHOOK, url=webhook_server.url)
    webhook_server.status = 503
    hit()
    assert notification_dispatch_due() == 0
    row = NotificationOutbox.objects.get()
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    assert "503" in row.last_error
    assert dt.timedelta(seconds=5) < row.next_attempt_at - timezone.now() <= dt.timedelta(seconds=10)
    assert notification_dispatch_due() == 0  # not due yet
    webhook_server.status = 200
    NotificationOutbox.objects.update(next_attempt_at=timezone.now())
    assert notification_dispatch_due() == 1
    assert NotificationOutbox.objects.get().attempts == 2


def test_an_endpoint_that_is_down_costs_one_attempt_per_run_and_holds_up_no_one(agency, hit, webhook_server):
    down = notification_subscription_create(
        agency=agency, name="Old CAD", kind=SubscriptionKind.WEBHOOK, url="http://127.0.0.1:9/alpr-hook"
    )
    notification_subscription_create(agency=agency, name="CAD", kind=SubscriptionKind.WEBHOOK, url=webhook_server.url)
    [alert] = hit()
    waiting = NotificationOutbox.objects.get(subscription=down)
    for _ in range(3):  # a backlog for the dead endpoint, older than the live one's row
        NotificationOutbox.objects.create(
            alert=alert, subscription=down, payload=waiting.payload, next_attempt_at=timezone.now() - dt.timedelta(1)
        )
    assert notification_dispatch_due() == 1  # the live subscriber's
    assert len(webhook_server.received) == 1
    rows = NotificationOutbox.objects.filter(subscription=down)
    assert sorted(rows.values_list("attempts", flat=True)) == [0, 0, 0, 1]
    assert rows.filter(status=OutboxStatus.PENDING).count() == 4
    assert notification_dispatch_due() == 0  # the next run tries the next one
    assert sorted(rows.values_list("attempts", flat=True)) == [0, 0, 1, 1]


def test_email_and_min_priority(agency, hit):
    notification_subscription_create(agency=agency, name="Watch commander", kind=SubscriptionKind.EMAIL,
                                     email="watch@example.gov")  # fmt: skip
    notification_subscription_create(agency=agency, name="Chief", kind=SubscriptionKind.EMAIL,
                                     email="chief@example.gov", min_priority=Priority.CRITICAL)  # fmt: skip
    hit()
    assert NotificationOutbox.objects.count() == 1  # the list's priority is normal
    assert notification_dispatch_due() == 1
    [message] = mail.outbox
    assert message.to == ["watch@example.gov"] and "7ABC123" in message.subject


def test_health_reports_an_overdue_notification_backlog(client, agency, hotlist, entry_for, ingested, camera):
    notification_subscription_create(agency=agency, name="CAD", kind="webhook", url="http://127.0.0.1:9/hook")
    entry_for(hotlist, "7LATE01")
    match_ingested_reads([ingested(agency, "7LATE01", camera=camera)])
    assert client.get("/healthz").json()["checks"]["notification_backlog"]["status"] == "ok"  # just queued: not overdue
    NotificationOutbox.objects.update(next_attempt_at=timezone.now() - dt.timedelta(minutes=10))
    response = client.get("/healthz")
    code, body = response.status_code, response.json()
    backlog = body["checks"]["notification_backlog"]
    assert (code, backlog["status"], backlog["overdue"]) == (200, "fail", 1)
    assert backlog["oldest_due_s"] >= 600


def test_a_dispatcher_run_stops_taking_rows_after_its_time_budget(agency, hit, webhook_server):
    notification_subscription_create(agency=agency, name="CAD", kind=SubscriptionKind.WEBHOOK, url=webhook_server.url)
    hit()
    assert notification_dispatch_due(budget_s=-1) == 0  # out of time before the first row: left for the next run
    assert NotificationOutbox.objects.get().status == OutboxStatus.PENDING
    assert notification_dispatch_due() == 1

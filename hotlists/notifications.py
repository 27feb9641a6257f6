"""Notification services: the outbox's delivery (signed webhooks, e-mail), its retries, and the dispatcher.

An outbox row is written in the transaction that creates its alert. After commit the ingest path asks the broker to
deliver it (best effort); whatever the broker did not take, or whatever failed, the dispatcher job delivers later.
A row is delivered under its row lock and only while pending, so the task and the dispatcher never both send it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency

from .choices import OutboxStatus, SubscriptionKind
from .models import NotificationOutbox, NotificationSubscription

logger = logging.getLogger(__name__)

# Standard Webhooks (https://www.standardwebhooks.com): the signature covers a message id and a timestamp as well as
# the body, so a receiver can refuse a replayed or an old message, not only a changed one.
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
SECRET_PREFIX = "whsec_"
WEBHOOK_TIMEOUT_S = 5
MAX_ATTEMPTS = 10
BACKOFF_BASE_S = 10
BACKOFF_MAX_S = 3600
BROKER_RETRY_AFTER_S = 30
_broker_down_until = 0.0


class NotificationDeliveryError(Exception):
    """A delivery attempt failed; the row is rescheduled with backoff."""


def new_webhook_secret() -> str:
    """`whsec_` and 32 random bytes in base64, the Standard Webhooks form that receivers' libraries take as is."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def webhook_signature(secret: str, *, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed with the secret's base64-decoded bytes
    (after its `whsec_` prefix). Secrets issued before the prefix (64 hex digits) are valid base64 too and are
    decoded the same way, so one rule covers both and receivers' Standard Webhooks libraries verify either."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def webhook_headers(secret: str, *, msg_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers of one delivery attempt. The id stays the same on every retry of a
    notification (receivers deduplicate on it); the timestamp is the attempt's (receivers refuse old ones)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        ID_HEADER: msg_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: webhook_signature(secret, msg_id=msg_id, timestamp=timestamp, body=body),
    }


def payload_body(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def backoff_delay(attempts: int) -> dt.timedelta:
    """10 s, 20 s, 40 s, ... capped at an hour."""
    return dt.timedelta(seconds=min(BACKOFF_BASE_S * 2 ** max(attempts - 1, 0), BACKOFF_MAX_S))


@transaction.atomic
def notification_subscription_create(
    *, agency: Agency, name: str, kind: str, url: str = "", email: str = "", min_priority: int = 2
) -> NotificationSubscription:
    """A subscription with a fresh signing secret (webhooks)."""
    subscription = NotificationSubscription(
        agency=agency,
        name=name,
        kind=kind,
        url=url,
        email=email,
        min_priority=min_priority,
        secret=new_webhook_secret() if kind == SubscriptionKind.WEBHOOK else "",
    )
    subscription.full_clean()
    subscription.save()
    return subscription


def notification_enqueue(*, outbox_ids: list[int]) -> int:
    """Hand rows to the broker after commit. Never raises: with the broker down the rows wait for the dispatcher.
    After a failure, enqueueing is skipped for BROKER_RETRY_AFTER_S: reaching a dead broker costs seconds (the
    Redis client retries the connection), which ingest should pay once, not per batch. Returns how many were handed."""
    from .tasks import notification_deliver_task

    global _broker_down_until
    if not outbox_ids or time.monotonic() < _broker_down_until:
        return 0
    handed = 0
    for outbox_id in outbox_ids:
        try:
            notification_deliver_task.apply_async(args=[outbox_id], retry=False)
        except Exception as exc:  # noqa: BLE001 - any broker failure; the dispatcher covers it
            _broker_down_until = time.monotonic() + BROKER_RETRY_AFTER_S
            logger.warning("broker unavailable, %d notification(s) left to the dispatcher: %s", len(outbox_ids), exc)
            break
        handed += 1
    return handed


def notification_deliver(*, outbox_id: int) -> str:
    """Deliver one outbox row if it is still pending and due (or being retried now); returns the row's status.
    Raises NotificationDeliveryError after recording a failed attempt."""
    with transaction.atomic():
        row = (
            NotificationOutbox.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("subscription")
            .filter(pk=outbox_id, status=OutboxStatus.PENDING)
            .first()
        )
        if row is None:
            return "skipped"  # delivered, given up, or being delivered by someone else right now
        try:
            return _deliver_locked(row)
        except NotificationDeliveryError as exc:
            failure = exc  # commit the recorded attempt, then tell the caller
    raise failure


DISPATCH_BUDGET_S = 60


def notification_dispatch_due(*, limit: int = 500, budget_s: float = DISPATCH_BUDGET_S) -> int:
    """Deliver pending rows that are due, oldest first, one row lock at a time (SKIP LOCKED lets several
    dispatchers and the per-row tasks work side by side). Returns how many were delivered.

    After a subscription fails once, its other rows wait for the next run: an endpoint that is down costs one
    attempt (at most one timeout) per run, not one per waiting row, and does not hold up the other subscribers.
    A run stops taking rows after `budget_s`, well inside the task's time limit: slow endpoints leave the rest to
    the next run instead of the run being killed in the middle of a delivery."""
    delivered = 0
    failing: set[int] = set()
    deadline = time.monotonic() + budget_s
    for _ in range(limit):
        if time.monotonic() > deadline:
            break
        with transaction.atomic():
            row = (
                NotificationOutbox.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("subscription")
                .filter(status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now())
                .exclude(subscription_id__in=failing)
                .order_by("next_attempt_at", "id")
                .first()
            )
            if row is None:
                break
            try:
                if _deliver_locked(row) == OutboxStatus.DELIVERED:
                    delivered += 1
            except NotificationDeliveryError:
                failing.add(row.subscription_id)
    return delivered


def _deliver_locked(row: NotificationOutbox) -> str:
    subscription = row.subscription
    try:
        if not subscription.is_active:
            raise NotificationDeliveryError("subscription is inactive")
        if subscription.kind == SubscriptionKind.WEBHOOK:
            _send_webhook(subscription, row)
        else:
            _send_email(subscription, row.payload)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded and retried
        row.attempts += 1
        row.last_error = str(exc)[:500]
        if row.attempts >= MAX_ATTEMPTS or not subscription.is_active:
            row.status = OutboxStatus.FAILED
        else:
            row.next_attempt_at = timezone.now() + backoff_delay(row.attempts)
        row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        logger.warning("notification %s to %s failed (attempt %d): %s", row.pk, subscription, row.attempts, exc)
        raise NotificationDeliveryError(str(exc)) from exc
    row.attempts += 1
    row.status = OutboxStatus.DELIVERED
    row.delivered_at = timezone.now()
    row.last_error = ""
    row.save(update_fields=["attempts", "status", "delivered_at", "last_error"])
    return row.status


def webhook_message_id(row: NotificationOutbox) -> str:
    return f"alpr-notification-{row.pk}"


def _send_webhook(subscription: NotificationSubscription, row: NotificationOutbox) -> None:
    body = payload_body(row.payload)
    headers = webhook_headers(subscription.secret, msg_id=webhook_message_id(row), body=body)
    response = requests.post(
        subscription.url,
        data=body,
        headers={"Content-Type": "application/json", **headers},
        timeout=WEBHOOK_TIMEOUT_S,
        allow_redirects=False,
    )
    if not 200 <= response.status_code < 300:
        raise NotificationDeliveryError(f"webhook answered HTTP {response.status_code}")


def _send_email(subscription: NotificationSubscription, payload: dict) -> None:
    subject = f"ALPR hotlist alert: {payload['plate']} on {payload['list']}"
    lines = [f"{key}: {value}" for key, value in payload.items()]
    send_mail(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [subscription.email])


def notification_backlog_health() -> dict:
    """/healthz: pending notifications due more than HEALTH_OUTBOX_OVERDUE_S ago (the dispatcher runs every 10 s, so
    any means it or the endpoints are failing). Counted on the partial index of pending rows, at most 10,000."""
    overdue_before = timezone.now() - dt.timedelta(seconds=settings.HEALTH_OUTBOX_OVERDUE_S)
    pending = NotificationOutbox.objects.filter(status=OutboxStatus.PENDING)
    overdue = pending.filter(next_attempt_at__lt=overdue_before)
    count = len(overdue.values_list("id", flat=True)[:10_000])
    oldest = pending.order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
    oldest_due_s = max((timezone.now() - oldest).total_seconds(), 0.0) if oldest else 0.0
    return {"status": "fail" if count else "ok", "overdue": count, "oldest_due_s": round(oldest_due_s, 1)}

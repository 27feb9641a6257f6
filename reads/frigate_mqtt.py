"""The Frigate MQTT subscriber: one persistent MQTT session per configured broker (FrigateBroker), feeding the
messages of `<prefix>/events` and `<prefix>/tracked_object_update` to the one ingest service.

Nothing the broker kept is lost: the session is persistent (clean session off, a fixed client id) and subscribed
at QoS 1, and a message is acknowledged only once its read is committed (or it is found not to be a read), so a
subscriber that stops, or a database that is down, leaves the broker holding what was not stored, and the broker
hands it over again on the next connection. paho reconnects by itself after a broker outage.

Messages are stored in batches (one transaction per batch, the best message of each pass in it), which is what
lets one subscriber keep up with hundreds of messages a second.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import queue
import ssl
import threading
import time
from urllib.parse import urlsplit

import paho.mqtt.client as mqtt
from django.db import DatabaseError, close_old_connections
from django.utils import timezone
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from .choices import CameraPeer
from .models import FrigateBroker
from .peers import frigate
from .peers.common import PeerError, PeerRead
from .peers.ingest import PeerCameraError, peer_camera, peer_reads_ingest
from .services import IngestValidationError

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
BATCH_WAIT_S = 0.05
CAMERA_CACHE_S = 30
DATABASE_RETRY_S = 2
SESSION_NEVER_EXPIRES = 0xFFFFFFFF  # MQTT 5: the broker keeps the session (and its messages) while we are away
RECEIVE_MAXIMUM = 1000  # MQTT 5: unacknowledged messages the broker may send at once (one batch's worth)


class FrigateSubscriber:
    """One broker's session. start() returns at once; paho's thread receives, a worker thread stores and acks."""

    def __init__(self, broker: FrigateBroker):
        self.broker = broker
        self.agency = broker.agency
        self.prefix = broker.topic_prefix.strip("/")
        self.topics = [f"{self.prefix}/events", f"{self.prefix}/tracked_object_update"]
        self.camera_map = dict(broker.camera_map or {})
        self.messages: queue.Queue = queue.Queue()
        self.connected = threading.Event()
        self.stopping = threading.Event()
        self.stored = self.skipped = 0
        self._cameras: dict = {}
        self._cameras_at = 0.0
        self._worker = threading.Thread(target=self._work, name=f"frigate-{broker.pk}", daemon=True)
        self.client = self._client()

    def _client(self) -> mqtt.Client:
        broker = self.broker
        self.v5 = broker.mqtt_version == "5"
        client = mqtt.Client(
            callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
            client_id=broker.session_client_id,
            clean_session=None if self.v5 else False,  # MQTT 5 says it at connect: clean_start and session expiry
            protocol=mqtt.MQTTv5 if self.v5 else mqtt.MQTTv311,
            manual_ack=True,
        )
        if broker.username:
            client.username_pw_set(broker.username, broker.password or None)
        if broker.tls or broker.url.startswith("mqtts://"):
            context = ssl.create_default_context(cadata=broker.ca_certificate or None)
            client.tls_set_context(context)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        return client

    # --- lifecycle --------------------------------------------------------------------------------------------

    def start(self) -> None:
        address = urlsplit(self.broker.url)
        port = address.port or (8883 if address.scheme == "mqtts" else 1883)
        if self.v5:
            properties = Properties(PacketTypes.CONNECT)
            properties.SessionExpiryInterval = SESSION_NEVER_EXPIRES
            properties.ReceiveMaximum = RECEIVE_MAXIMUM
            self.client.connect_async(
                address.hostname or "localhost", port, keepalive=30, clean_start=False, properties=properties
            )
        else:
            self.client.connect_async(address.hostname or "localhost", port, keepalive=30)
        self.client.loop_start()
        self._worker.start()

    def stop(self, timeout: float = 10) -> None:
        """Store what was received, then leave (the session stays on the broker: clean session is off)."""
        self.stopping.set()
        self._worker.join(timeout)
        self.client.disconnect()
        self.client.loop_stop()

    # --- paho callbacks (paho's thread) -----------------------------------------------------------------------

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            logger.warning("Frigate broker %s refused the connection: %s", self.broker.url, reason_code)
            self._status(last_error=f"Connection refused: {reason_code}"[:500])
            return
        client.subscribe([(topic, 1) for topic in self.topics])
        logger.info("Connected to Frigate broker %s (session present: %s)", self.broker.url, flags.session_present)
        self._status(last_connected_at=timezone.now(), last_error="")

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties) -> None:
        # Ready only once the broker has the subscription: a message published before then would not reach us.
        refused = [code for code in reason_codes if code.is_failure]
        if refused:
            logger.warning("Frigate broker %s refused the subscription: %s", self.broker.url, refused)
            self._status(last_error=f"Subscription refused: {refused[0]}"[:500])
            return
        self.connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        self.connected.clear()
        if not self.stopping.is_set():
            logger.warning("Lost Frigate broker %s (%s); reconnecting", self.broker.url, reason_code)

    def _on_message(self, client, userdata, message) -> None:
        logger.debug("Frigate message %s on %s (dup %s)", message.mid, message.topic, message.dup)
        self.messages.put(message)

    # --- storing (worker thread) ------------------------------------------------------------------------------

    def _work(self) -> None:
        try:
            while not (self.stopping.is_set() and self.messages.empty()):
                batch = self._next_batch()
                if batch:
                    self._store_until_done(batch)
        finally:
            close_old_connections()

    def _next_batch(self) -> list:
        try:
            batch = [self.messages.get(timeout=0.2)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + BATCH_WAIT_S
        while len(batch) < BATCH_SIZE:
            try:
                batch.append(self.messages.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                break
        return batch

    def _store_until_done(self, batch: list) -> None:
        """Store a batch and acknowledge it; while the database is down, keep trying (unacknowledged, the messages
        stay the broker's should this process stop meanwhile)."""
        while True:
            try:
                self.process(batch)
            except DatabaseError:
                logger.exception("Database unavailable; %d Frigate messages wait", len(batch))
                close_old_connections()
                if self.stopping.wait(DATABASE_RETRY_S):
                    return  # not acknowledged: the broker delivers them again next session
                continue
            for message in batch:
                self.client.ack(message.mid, message.qos)
            return

    def process(self, messages: list) -> None:
        """Store the reads of these messages: the best message of each pass, in one transaction when all are good."""
        best: dict[str, PeerRead] = {}
        for message in messages:
            read = self._read(message)
            if read is None:
                continue
            current = best.get(read.pass_id)
            score = -1 if read.confidence is None else read.confidence
            if current is None or score >= (-1 if current.confidence is None else current.confidence):
                best[read.pass_id] = read
        if not best:
            return
        reads = list(best.values())
        try:
            self._ingest(reads)
        except (PeerError, IngestValidationError):
            for read in reads:  # one bad read refuses a batch: store the others one at a time
                try:
                    self._ingest([read])
                except (PeerError, IngestValidationError) as exc:
                    self.skipped += 1
                    logger.warning("Frigate message for %s refused: %s", read.pass_id, _reason(exc))
        self._status(last_message_at=timezone.now())

    def _ingest(self, reads: list[PeerRead]) -> None:
        result = peer_reads_ingest(
            agency=self.agency, peer=CameraPeer.FRIGATE, reads=reads, pass_window_s=frigate.PASS_WINDOW_S
        )
        self.stored += result.stored + len(result.updated)

    def _read(self, message) -> PeerRead | None:
        """The message's read, or None (acknowledged and dropped) when it is not one: an object with no plate yet,
        another kind of update, a camera not mapped or not active."""
        try:
            document = json.loads(message.payload)
            read = frigate.frigate_reads(document)[0]
        except (ValueError, PeerError) as exc:
            self.skipped += 1
            logger.debug("Frigate message on %s skipped: %s", message.topic, exc)
            return None
        read.camera = str(self.camera_map.get(read.camera, read.camera))
        if time.monotonic() - self._cameras_at > CAMERA_CACHE_S:
            self._cameras, self._cameras_at = {}, time.monotonic()
        try:
            peer_camera(agency=self.agency, peer=CameraPeer.FRIGATE, read=read, cameras=self._cameras)
        except PeerCameraError as exc:
            self.skipped += 1
            logger.info("Frigate message skipped: %s", exc)
            return None
        return read

    def _status(self, **fields) -> None:
        try:
            FrigateBroker.objects.filter(pk=self.broker.pk).update(**fields)
        except DatabaseError:
            logger.warning("Could not record the Frigate broker's status", exc_info=True)
        finally:
            if threading.current_thread() is not self._worker:
                close_old_connections()


def _reason(exc: Exception) -> str:
    if isinstance(exc, IngestValidationError):
        return json.dumps(exc.errors)[:500]
    return str(exc)


def brokers_active() -> dict[int, tuple[FrigateBroker, dt.datetime]]:
    return {
        broker.pk: (broker, broker.updated_at)
        for broker in FrigateBroker.objects.filter(is_active=True, agency__is_active=True).select_related("agency")
    }

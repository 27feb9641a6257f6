"""The Frigate MQTT subscriber against real Mosquitto brokers: the system's (localhost:1883) and a private one
this test starts (with credentials and persistence), which it restarts to show that the subscriber reconnects
and that nothing the broker kept is lost."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import uuid

import pytest
from django.db import connection
from paho.mqtt import publish

from hotlists.models import Alert
from reads.choices import CameraPeer
from reads.frigate_mqtt import FrigateSubscriber
from reads.models import FrigateBroker, Read

from .conftest import document_json

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("mosquitto") is None, reason="Mosquitto is not installed"),
]


@pytest.fixture(autouse=True)
def _no_reads_left():
    """A transactional test's flush empties managed tables only: the partitioned reads table is emptied here."""

    def empty():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE reads_read")

    empty()
    yield
    empty()


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    for port in range(18830, 18900):
        if not _port_open(port):
            return port
    raise RuntimeError("no free port for a private Mosquitto")


class Mosquitto:
    """A private Mosquitto with a password file and on-disk persistence (so a restart keeps queued messages)."""

    def __init__(self, directory, port: int):
        self.port, self.process = port, None
        passwords = directory / "passwords"
        subprocess.run(["mosquitto_passwd", "-b", "-c", str(passwords), "hoa", "s3cret"], check=True)
        self.config = directory / "mosquitto.conf"
        self.config.write_text(
            f"listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {passwords}\n"
            f"persistence true\npersistence_location {directory}/\nuser root\nmax_queued_messages 5000\n"
        )

    def start(self):
        self.process = subprocess.Popen(["mosquitto", "-c", str(self.config)], stderr=subprocess.DEVNULL)
        _wait(lambda: _port_open(self.port), "the private broker to listen")

    def stop(self):
        if self.process is not None:
            self.process.terminate()  # SIGTERM: Mosquitto writes its persistence file on the way out
            self.process.wait(10)
            self.process = None


def _wait(condition, what: str, timeout: float = 20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def private_broker(tmp_path):
    broker = Mosquitto(tmp_path, _free_port())
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def driveway(peer_camera):
    return peer_camera(CameraPeer.FRIGATE, "hoa-driveway")


@pytest.fixture
def subscribers():
    started = []

    def _start(broker_row):
        subscriber = FrigateSubscriber(broker_row)
        subscriber.start()
        started.append(subscriber)
        _wait(subscriber.connected.is_set, "the subscriber to connect")
        return subscriber

    yield _start
    for subscriber in started:
        subscriber.stop()


def _event(event_id: str, plate="7ABC123", score=0.9, kind="new"):
    body = document_json("frigate_event_new.json", EVENT_ID=event_id, PLATE=plate, SCORE=score)
    body["type"] = kind
    return json.dumps(body)


def test_system_broker_stores_reads_one_per_pass(agency, driveway, listed, subscribers):
    if not _port_open(1883):
        pytest.skip("the system Mosquitto is not listening on localhost:1883")
    listed("7ABC123")
    prefix = f"test-{uuid.uuid4().hex[:8]}/frigate"
    broker = FrigateBroker.objects.create(
        agency=agency,
        name="HOA Frigate",
        url="mqtt://127.0.0.1:1883",
        topic_prefix=prefix,
        camera_map={"driveway": "hoa-driveway"},
        client_id=f"alpr-test-{uuid.uuid4().hex[:8]}",
    )
    subscribers(broker)
    for kind, plate, score in (("new", "7ABC12", 0.5), ("update", "7ABC123", 0.93), ("end", "7ABC123", 0.8)):
        publish.single(f"{prefix}/events", _event("1764500000.1-aaaaaa", plate, score, kind), qos=1, port=1883)
    publish.single(
        f"{prefix}/events", json.dumps({"type": "new", "after": {"id": "x", "camera": "driveway"}}), qos=1, port=1883
    )  # no plate yet: not a read
    _wait(lambda: Read.objects.filter(plate="7ABC123", confidence__gte=0.9).exists(), "the read")
    time.sleep(0.5)
    read = Read.objects.get()
    assert (read.camera_id, read.source) == (driveway.pk, "frigate")
    assert Alert.objects.count() == 1
    broker.refresh_from_db()
    assert broker.last_connected_at and broker.last_message_at


@pytest.mark.parametrize("version", ["3.1.1", "5"])
def test_subscriber_survives_broker_restarts_and_loses_nothing_kept(
    agency, driveway, private_broker, subscribers, version
):
    prefix = "hoa/frigate"
    auth = {"username": "hoa", "password": "s3cret"}
    broker = FrigateBroker.objects.create(
        agency=agency,
        name="HOA Frigate",
        url=f"mqtt://127.0.0.1:{private_broker.port}",
        username="hoa",
        password="s3cret",
        topic_prefix=prefix,
        camera_map={"driveway": "hoa-driveway"},
        mqtt_version=version,
    )

    def send(event_id, plate):
        publish.single(f"{prefix}/events", _event(event_id, plate), qos=1, port=private_broker.port, auth=auth)

    subscriber = subscribers(broker)
    send("1.0-a", "1AAA111")
    _wait(lambda: Read.objects.filter(plate="1AAA111").exists(), "the first read")

    # The broker goes away and comes back: the subscriber reconnects by itself.
    private_broker.stop()
    _wait(lambda: not subscriber.connected.is_set(), "the subscriber to notice")
    private_broker.start()
    _wait(subscriber.connected.is_set, "the subscriber to reconnect", timeout=40)
    send("2.0-b", "2BBB222")
    _wait(lambda: Read.objects.filter(plate="2BBB222").exists(), "the read after the restart")

    # The subscriber is away while Frigate publishes, and the broker restarts meanwhile: its persistent session
    # kept the messages, and they arrive when the subscriber comes back.
    subscriber.stop()
    send("3.0-c", "3CCC333")
    send("4.0-d", "4DDD444")
    tracked = document_json("frigate_lpr_update.json", EVENT_ID="4.0-d", PLATE="4DDD444", SCORE=0.99)
    publish.single(f"{prefix}/tracked_object_update", json.dumps(tracked), qos=1, port=private_broker.port, auth=auth)
    private_broker.stop()
    private_broker.start()
    subscribers(broker)
    _wait(lambda: Read.objects.filter(plate__in=["3CCC333", "4DDD444"]).count() == 2, "the reads the broker kept")
    _wait(lambda: Read.objects.filter(plate="4DDD444", confidence__gte=0.99).exists(), "the lpr update")
    assert sorted(Read.objects.values_list("plate", flat=True)) == ["1AAA111", "2BBB222", "3CCC333", "4DDD444"]


def test_wrong_credentials_are_reported(agency, driveway, private_broker):
    broker = FrigateBroker.objects.create(
        agency=agency, name="Bad", url=f"mqtt://127.0.0.1:{private_broker.port}", username="hoa", password="nope"
    )
    subscriber = FrigateSubscriber(broker)
    subscriber.start()
    try:
        _wait(lambda: FrigateBroker.objects.get(pk=broker.pk).last_error != "", "the refusal to be recorded")
        assert "refused" in FrigateBroker.objects.get(pk=broker.pk).last_error.lower()
        assert not subscriber.connected.is_set()
    finally:
        subscriber.stop()


def test_a_burst_is_stored_in_batches(agency, driveway, private_broker, subscribers):
    broker = FrigateBroker.objects.create(
        agency=agency, name="Busy", url=f"mqtt://127.0.0.1:{private_broker.port}", username="hoa", password="s3cret",
        topic_prefix="busy", camera_map={"driveway": "hoa-driveway"},
    )  # fmt: skip
    subscribers(broker)
    messages = [{"topic": "busy/events", "payload": _event(f"{n}.5-burst", f"9B{n:05d}"), "qos": 1} for n in range(300)]
    publish.multiple(messages, port=private_broker.port, auth={"username": "hoa", "password": "s3cret"})
    _wait(lambda: Read.objects.count() == 300, "300 reads", timeout=60)


def test_the_command_subscribes_to_each_active_broker(agency, private_broker):
    from io import StringIO

    from django.core.management import call_command

    FrigateBroker.objects.create(agency=agency, name="On", url=f"mqtt://127.0.0.1:{private_broker.port}")
    FrigateBroker.objects.create(agency=agency, name="Off", url="mqtt://127.0.0.1:1", is_active=False)
    out = StringIO()
    call_command("frigate_subscriber", "--once", stdout=out)
    assert "Subscribing to On" in out.getvalue() and "Off" not in out.getvalue()

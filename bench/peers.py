"""Reads per second through each peer's receiving endpoint, and messages per second through the Frigate subscriber,
with hotlist matching against 1,000,000 active entries.

    python bench/peers.py                   # 4,000 passes per peer, 2 processes x 8 threads, 1,000,000 entries
    python bench/peers.py --passes 1000 --entries 0 --peers frigate,axis --images
    python bench/peers.py --passes 1000 --peers frigate --no-group-commit   # each message in its own transaction
    python bench/peers.py --mqtt-messages 10000         # the Frigate subscriber too (Mosquitto on localhost:1883)
    python bench/peers.py --passes 0 --mqtt-messages 15000 --mqtt-rate 500  # 30 s at 500 messages/s
    python bench/peers.py --passes 0 --mqtt-messages 3000 --mqtt-version 3.1.1

Each pass is one request with one image-less message (with --images, the multipart peers carry a 30 kB JPEG), posted
through Django's WSGI handler in-process (no network, no web server) by `--threads` threads in each of `--workers`
processes, as gunicorn's gthread workers serve them, so that messages arriving together are stored together
(reads.ingest_groups). The database is alpr_bench_peers unless DATABASE_URL names another. Prints
`RESULT peer=... reads_per_s=...` per peer, with the CPU that the web processes and their PostgreSQL backends spent
per request (on a shared machine the rate follows the other jobs' load, the CPU per request much less), and
`RESULT mqtt_messages_per_s=...`.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import io
import json
import multiprocessing as mp
import os
import random
import string
import time
import uuid

from setup_django import machine, setup

DATABASE = "alpr_bench_peers"
PEERS = ("frigate", "platerecognizer", "axis", "hikvision", "genetec", "openalpr")
CAMERAS = 20


def _plate(rng: random.Random) -> str:
    return rng.choice("56789") + "".join(rng.choices(string.ascii_uppercase, k=3)) + f"{rng.randrange(1000):03d}"


def _jpeg() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.effect_noise((320, 240), 64).convert("RGB").save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _message(peer: str, n: int, plate: str, at: dt.datetime, camera: str, image: bytes | None):
    """(content, kwargs for Client.post): one pass in the peer's own shape."""
    key = f"{uuid.uuid4().hex[:12]}-{n}"
    if peer == "frigate":
        body = {
            "type": "new",
            "after": {
                "id": key,
                "camera": camera,
                "label": "car",
                "start_time": at.timestamp(),
                "recognized_license_plate": plate,
                "recognized_license_plate_score": 0.91,
            },
        }
        return json.dumps(body), {"content_type": "application/json"}
    if peer == "platerecognizer":
        document = {
            "hook": {"event": "recognition"},
            "data": {
                "camera_id": camera,
                "timestamp": at.isoformat(),
                "results": [
                    {
                        "plate": plate.lower(),
                        "score": 0.9,
                        "region": {"code": "us-ca", "score": 0.8},
                        "candidates": [{"plate": plate.lower(), "score": 0.9}],
                    }
                ],
            },
        }
        if image:
            from django.core.files.uploadedfile import SimpleUploadedFile

            return {"json": json.dumps(document), "upload": SimpleUploadedFile("i.jpg", image, "image/jpeg")}, {}
        return json.dumps(document), {"content_type": "application/json"}
    if peer == "axis":
        from django.core.files.uploadedfile import SimpleUploadedFile

        event = {
            "plateText": plate,
            "plateConfidence": "0.9",
            "capture_timestamp": str(int(at.timestamp() * 1000)),
            "carID": key,
            "carState": "new",
            "plateCountry": "USA",
            "camera_info": {"SerialNumber": camera},
        }
        parts = {"event": SimpleUploadedFile("event.json", json.dumps(event).encode(), "application/json")}
        if image:
            parts["image"] = SimpleUploadedFile("image.jpg", image, "image/jpeg")
        return parts, {}
    if peer == "hikvision":
        from django.core.files.uploadedfile import SimpleUploadedFile

        xml = (
            f'<EventNotificationAlert xmlns="http://www.hikvision.com/ver20/XMLSchema"><ipAddress>10.0.0.1'
            f"</ipAddress><macAddress>{camera}</macAddress><channelID>1</channelID><dateTime>{at.isoformat()}"
            f"</dateTime><eventType>ANPR</eventType><ANPR><licensePlate>{plate}</licensePlate><confidenceLevel>91"
            f"</confidenceLevel><direction>forward</direction></ANPR><UUID>{key}</UUID></EventNotificationAlert>"
        )
        parts = {"anpr.xml": SimpleUploadedFile("anpr.xml", xml.encode(), "text/xml")}
        if image:
            parts["licensePlatePicture.jpg"] = SimpleUploadedFile("licensePlatePicture.jpg", image, "image/jpeg")
        return parts, {}
    if peer == "genetec":
        body = {
            "PlateRead": plate,
            "LprCameraName": camera,
            "Id": key,
            "Timestamp": at.isoformat(),
            "PlateAnalytics": [
                {"Key": "Confidence Score", "Score": 0, "Value": "91"},
                {"Key": "State Name", "Score": 0.9, "Value": "California"},
            ],
        }
        if image:
            body["ContextImage"] = base64.b64encode(image).decode()
        return json.dumps(body), {"content_type": "application/json"}
    body = {
        "data_type": "alpr_results",
        "epoch_time": int(at.timestamp() * 1000),
        "uuid": key,
        "agent_uid": "bench-agent",
        "camera_id": int(camera.rsplit(":", 1)[1]),
        "results": [{"plate": plate, "confidence": 91.0, "region": "ca", "candidates": []}],
    }
    return json.dumps(body), {"content_type": "application/json"}  # fmt: skip


def _camera_name(peer: str, n: int) -> str:
    return {"hikvision": f"aa:bb:cc:00:00:{n:02x}", "openalpr": f"bench-agent:{n}"}.get(peer, f"bench-{peer}-{n}")


def _prepare(entries: int) -> str:
    """Cameras for every peer, the hotlist, and an ingest token; returns the token's secret."""
    from django.contrib.gis.geos import Point

    from agencies.choices import AgencyKind, Role, TokenPurpose
    from agencies.models import Agency, ApiToken, User
    from agencies.services import membership_set
    from reads.models import Camera

    agency, _ = Agency.objects.get_or_create(
        slug="bench-pd",
        defaults={"name": "Benchmark bench-pd", "ori": "CA0990000", "kind": AgencyKind.MUNICIPAL_POLICE, "state": "CA",
                  "retention_days": 45, "public_comment_meeting_on": dt.date(2024, 1, 1)},
    )  # fmt: skip
    for peer in PEERS:
        for n in range(CAMERAS):
            Camera.objects.get_or_create(
                agency=agency, peer=peer, external_id=_camera_name(peer, n),
                defaults={"name": f"bench {peer} {n}", "location": Point(-116.55 + n * 0.004, 33.8, srid=4326),
                          "is_active": True, "time_zone": "America/Los_Angeles"},
            )  # fmt: skip
    if entries:
        from hotlist_fixture import ensure_active_entries

        ensure_active_entries(entries, agency=agency)
    account, _ = User.objects.get_or_create(username="bench-peer-camera")
    membership_set(user=account, agency=agency, role=Role.OFFICER)
    _, secret = ApiToken.issue(user=account, name=f"bench {time.time()}", purpose=TokenPurpose.INGEST)
    return secret


def _backend_cpu_s(pid: int) -> float:
    """CPU seconds a PostgreSQL backend (same machine) has used: user + system time from /proc."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115, PTH123
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _worker(args) -> tuple[int, int, float, float, float]:
    worker, peer, passes, threads, secret, start_at, images, grouped = args
    os.environ["THROTTLE_INGEST"] = "100000000/min"
    setup(DATABASE)
    import threading

    if not grouped:  # each message in its own transaction, as before group commit (reads.ingest_groups)
        from reads.ingest_groups import ingest_groups
        from reads.services import ingest_store

        ingest_groups.store = lambda batch: ingest_store([batch])[0]

    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    rng = random.Random(worker * 104729 + int(start_at))
    image = _jpeg() if images else None
    base = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    url = reverse(f"ingest-{peer}")
    messages = [
        _message(peer, n, _plate(rng), base + dt.timedelta(milliseconds=n * 10 + worker),
                 _camera_name(peer, n % CAMERAS), image)
        for n in range(passes)
    ]  # fmt: skip
    connection.close()
    ready = threading.Barrier(threads + 1)
    outcome: list[tuple[int, int, float]] = []

    def serve(chunk: list) -> None:
        """One web thread: its own client and database connection, as a gunicorn gthread thread has."""
        client = Client(HTTP_AUTHORIZATION=f"Token {secret}")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        ready.wait()
        backend = _backend_cpu_s(pid)
        ok = refused = 0
        for content, kwargs in chunk:
            response = client.post(url, content, **kwargs)
            if response.status_code in (200, 201):
                ok += 1
            else:
                refused += 1
                if refused <= 3:
                    print(peer, response.status_code, response.content[:300])
        outcome.append((ok, refused, _backend_cpu_s(pid) - backend))
        connection.close()

    pool = [threading.Thread(target=serve, args=(messages[t::threads],)) for t in range(threads)]
    for thread in pool:
        thread.start()
    while time.time() < start_at:
        time.sleep(0.01)
    ready.wait()
    started, cpu = time.perf_counter(), time.process_time()
    for thread in pool:
        thread.join()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    ok, refused, backend = (sum(values) for values in zip(*outcome, strict=True))
    return ok, refused, elapsed, cpu, backend


def _bench_peer(peer: str, passes: int, workers: int, threads: int, secret: str, images: bool, grouped: bool) -> str:
    start_at = time.time() + 8  # the workers build their messages first
    jobs = [(w, peer, passes // workers, threads, secret, start_at, images, grouped) for w in range(workers)]
    with mp.get_context("spawn").Pool(workers) as pool:
        results = pool.map(_worker, jobs)
    stored = sum(r[0] for r in results)
    wall = max(r[2] for r in results)
    refused = sum(r[1] for r in results)
    requests = max(1, stored + refused)
    # CPU per request of the web processes (Django, DRF, parsing, the ingest service's Python) and of the PostgreSQL
    # backends serving them: on a shared machine the rate depends on the other jobs, these much less; their sum
    # divided into the machine's cores is what this machine could do alone.
    cpu_ms = sum(r[3] for r in results) / requests * 1000
    db_ms = sum(r[4] for r in results) / requests * 1000
    alone = (os.cpu_count() or 1) * 1000 / max(0.001, cpu_ms + db_ms)
    return (
        f"RESULT peer={peer} reads_per_s={stored / wall:.0f} reads={stored} refused={refused} seconds={wall:.2f} "
        f"workers={workers} threads={threads} group_commit={'yes' if grouped else 'no'} "
        f"python_cpu_ms_per_request={cpu_ms:.2f} postgres_cpu_ms_per_request={db_ms:.2f} "
        f"cpu_bound_reads_per_s={alone:.0f} images={'yes' if images else 'no'}"
    )


def _publish_paced(payloads: list[dict], port: int, client_id: str, rate: int) -> None:
    """Publish at `rate` messages a second, as cameras do (a steady flow, not one burst), from one connection."""
    import paho.mqtt.client as mqtt

    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
    client.max_inflight_messages_set(1000)
    client.connect("127.0.0.1", port)
    client.loop_start()
    started, pending = time.perf_counter(), []
    for n, message in enumerate(payloads):
        pending.append(client.publish(message["topic"], message["payload"], qos=message["qos"]))
        ahead = started + (n + 1) / rate - time.perf_counter()
        if ahead > 0:
            time.sleep(ahead)
    for info in pending:
        info.wait_for_publish(30)
    client.disconnect()
    client.loop_stop()


def _bench_mqtt(messages: int, port: int, version: str, rate: int) -> str:
    """A subscriber connected to the broker; `messages` Frigate events (one pass each) published at `rate` a second
    (0: as fast as one publisher can); the time from the first publish to the last read stored, and how long after
    the last publish that was (the subscriber keeps up when it is about one batch's wait)."""
    from paho.mqtt import publish

    from agencies.models import Agency
    from reads.frigate_mqtt import FrigateSubscriber
    from reads.models import FrigateBroker, Read

    agency = Agency.objects.get(slug="bench-pd")
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    broker = FrigateBroker.objects.create(
        agency=agency, name=prefix, url=f"mqtt://127.0.0.1:{port}", topic_prefix=prefix, client_id=prefix,
        mqtt_version=version,
    )  # fmt: skip
    rng = random.Random(5)
    base = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    payloads = []
    for n in range(messages):
        camera = _camera_name("frigate", n % CAMERAS)
        content, _ = _message("frigate", n, _plate(rng), base + dt.timedelta(milliseconds=n), camera, None)
        payloads.append({"topic": f"{prefix}/events", "payload": content, "qos": 1})
    before = Read.objects.filter(source="frigate").count()
    subscriber = FrigateSubscriber(broker)
    subscriber.start()
    subscriber.connected.wait(10)
    started = time.perf_counter()
    if rate:
        _publish_paced(payloads, port, f"{prefix}-pub", rate)
    else:
        for start in range(0, messages, 500):
            publish.multiple(payloads[start : start + 500], port=port, client_id=f"{prefix}-pub")
    published = time.perf_counter() - started
    deadline, last, still, stored, done_at = time.monotonic() + 300, None, 0, 0, time.perf_counter()
    while time.monotonic() < deadline:
        stored = Read.objects.filter(source="frigate").count() - before
        if stored >= messages:
            done_at = time.perf_counter()
            break
        still = still + 1 if stored == last else 0
        if still == 10:
            break  # nothing new for 5 s: the broker dropped the rest (its queue limit)
        if stored != last:
            last, done_at = stored, time.perf_counter()
        time.sleep(0.5)
    elapsed = done_at - started
    subscriber.stop()
    return (f"RESULT mqtt_messages_per_s={stored / elapsed:.0f} messages={messages} stored={stored} "
            f"seconds={elapsed:.2f} publish_seconds={published:.2f} lag_after_last_publish_s="
            f"{max(0.0, elapsed - published):.2f} publish_rate={rate or 'max'} mqtt={version}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passes", type=int, default=4000, help="passes (one request each) per peer")
    parser.add_argument("--workers", type=int, default=2, help="web processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per web process (gunicorn gthread)")
    parser.add_argument("--no-group-commit", action="store_true", help="store each message in its own transaction")
    parser.add_argument("--entries", type=int, default=1_000_000, help="active hotlist entries to match against")
    parser.add_argument("--peers", default=",".join(PEERS))
    parser.add_argument("--images", action="store_true", help="multipart peers carry a JPEG")
    parser.add_argument("--mqtt-messages", type=int, default=0, help="also time the Frigate subscriber")
    parser.add_argument("--mqtt-port", type=int, default=1883)
    parser.add_argument("--mqtt-version", default="5", choices=["3.1.1", "5"])
    parser.add_argument("--mqtt-rate", type=int, default=0, help="publish this many messages a second (0: at once)")
    args = parser.parse_args()
    os.environ["THROTTLE_INGEST"] = "100000000/min"
    setup(DATABASE)
    secret = _prepare(args.entries)
    from hotlists.models import HotlistEntry

    print(f"machine: {machine()}; workers={args.workers} hotlist_entries={HotlistEntry.objects.count()}")
    for peer in args.peers.split(",") if args.passes else ():
        grouped = not args.no_group_commit
        print(_bench_peer(peer, args.passes, args.workers, args.threads, secret, args.images, grouped), flush=True)
    if args.mqtt_messages:
        print(_bench_mqtt(args.mqtt_messages, args.mqtt_port, args.mqtt_version, args.mqtt_rate), flush=True)


if __name__ == "__main__":
    main()

"""Mixed load against a real server: batch ingest, searches, alert reads and portal views from concurrent clients.

Starts gunicorn on 127.0.0.1 with the production settings (HTTP on loopback only: SSL redirect off, throttles
raised by THROTTLE_SEARCH / THROTTLE_INGEST), seeds its own agency, users and tokens in the benchmark database
(alpr_bench), runs the clients for a fixed time (and at most --max-requests requests), then checks the books:
every read the server accepted is stored exactly once, and every search answered wrote exactly one access-log row.

    python bench/load.py                                  # 50 clients for 60 s
    python bench/load.py --seconds 10 --clients 10        # a short run

Prints a table per request kind and, as its last line, `RESULT key=value ...` (pass=1 when there were no errors,
the books balance and search p99 is under --search-p99-ms).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import secrets
import signal
import socket
import string
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import requests
from setup_django import ROOT, bench_agency, machine, percentile, setup

SLUG = "load-pd"
KINDS = ("ingest", "search", "alerts", "feed", "portal")
LETTERS = string.ascii_uppercase
HOT_PLATES = [f"9LD{n:04d}" for n in range(200)]  # on the load agency's hotlist: about 2 % of reads hit one


def _plate(rng: random.Random) -> str:
    if rng.random() < 0.02:
        return rng.choice(HOT_PLATES)
    return rng.choice("5678") + "".join(rng.choices(LETTERS, k=3)) + f"{rng.randrange(1000):03d}"


def seed() -> dict:
    """The load agency (its cameras, investigator and hotlist) and two tokens: the investigator's API token and an
    ingest token of the agency's camera account. Idempotent; new tokens each run."""
    from agencies.choices import Role, TokenPurpose
    from agencies.models import ApiToken, User
    from agencies.services import membership_set
    from hotlists.choices import Category, HotlistSource
    from hotlists.models import Hotlist, HotlistEntry
    from reads.plates import canonical_key

    agency, investigator, cameras = bench_agency(SLUG, ori="CA0990700")
    camera_account, _ = User.objects.get_or_create(username=f"{SLUG}-cameras")
    membership_set(user=camera_account, agency=agency, role=Role.OFFICER)
    hotlist, _ = Hotlist.objects.get_or_create(
        agency=agency,
        name="Load test stolen vehicles",
        defaults={"source": HotlistSource.CA_DOJ_STOLEN_VEHICLES, "category": Category.STOLEN_VEHICLE},
    )
    existing = set(hotlist.entries.values_list("plate", flat=True))
    HotlistEntry.objects.bulk_create(
        [
            HotlistEntry(hotlist=hotlist, plate=p, canonical=canonical_key(p), plate_state="CA",
                         reason=Category.STOLEN_VEHICLE, entered_by=investigator)
            for p in HOT_PLATES if p not in existing
        ]
    )  # fmt: skip
    analyze_recent()
    lifetime = dt.timedelta(hours=6)
    _, api = ApiToken.issue(user=investigator, name="load test", purpose=TokenPurpose.API, lifetime=lifetime)
    _, ingest = ApiToken.issue(user=camera_account, name="load test", purpose=TokenPurpose.INGEST, lifetime=lifetime)
    return {"agency": agency, "cameras": [c.pk for c in cameras], "api": api, "ingest": ingest}


def analyze_recent() -> None:
    """Fresh statistics for the partitions the run writes and searches, as autovacuum keeps them in a deployment.
    (This machine's PostgreSQL runs with autovacuum off: a day partition that was never analyzed is planned as if
    empty, and a wildcard search over it took 2 s instead of milliseconds; see docs/reliability.md.)"""
    from django.db import connection

    from reads.partitions import partitions_existing

    today = dt.datetime.now(dt.UTC).date()
    with connection.cursor() as cursor:
        for name, day in partitions_existing():
            if abs((day - today).days) <= 1:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
        cursor.execute("ANALYZE reads_plate")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args, port: int) -> subprocess.Popen:
    from config.audit_keys import ensure_key_file

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # The development key file (config/audit_keys.py), so that rows the server logs verify under local settings.
        "AUDIT_LOG_KEY_FILE": ensure_key_file(ROOT / "var" / "audit-log.keys"),
        "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback; every other production setting stays
        "THROTTLE_SEARCH": "1000000/min",
        "THROTTLE_INGEST": "1000000/min",
        "CACHE_URL": args.cache_url,
        "CELERY_BROKER_URL": args.broker_url,
        "LOG_LEVEL": "WARNING",
    }
    # The production settings serve static files from STATIC_ROOT by their hashed names: collect them first (as
    # ./dev up does), or every page that links a stylesheet fails.
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"], cwd=ROOT, env=env,
                   check=True)  # fmt: skip
    log = open(ROOT / "var" / "log" / "load-gunicorn.log", "ab")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(args.workers), "--threads", str(args.threads), "--worker-class", "gthread",
         "--backlog", "512", "--timeout", "60", "--graceful-timeout", "10",
         # Idle keep-alive connections outlive a client's pause (gunicorn's 2 s default closed them while a client
         # was sending its next POST: "connection reset by peer", as a proxy with a longer keep-alive would not).
         "--keep-alive", "30"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see var/log/load-gunicorn.log")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code in (200, 503):
                return process
        except requests.RequestException:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("gunicorn did not answer within 60 s")


def stop_server(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    accepted_reads: int = 0  # reads in batches the server answered 200/201 for
    stored_reads: int = 0  # reads the server said it stored
    read_ids: list[int] = field(default_factory=list)
    access_log_ids: list[int] = field(default_factory=list)
    replay: list[dict] = field(default_factory=list)  # a few accepted batches, sent again after the run
    lock: threading.Lock = field(default_factory=threading.Lock)


def client(number: int, args, base: str, tokens: dict, tally: Tally, deadline: float, budget: list[int]) -> None:
    rng = random.Random(args.seed * 1000 + number)
    session = requests.Session()
    api = {"Authorization": f"Token {tokens['api']}"}
    ingest = {"Authorization": f"Token {tokens['ingest']}"}
    weights = [args.mix[k] for k in KINDS]
    seen_plates: list[str] = list(HOT_PLATES[:5])
    cursor = None
    seq = 0
    while time.monotonic() < deadline:
        with tally.lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        kind = rng.choices(KINDS, weights)[0]
        seq += 1
        body = None
        if kind == "ingest":
            now = dt.datetime.now(dt.UTC)
            reads = []
            for i in range(args.batch):
                plate = _plate(rng)
                reads.append(
                    {
                        "camera": rng.choice(tokens["cameras"]),
                        "captured_at": (now - dt.timedelta(seconds=rng.uniform(0, 3600))).isoformat(),
                        "plate": plate,
                        "plate_state": "CA",
                        "confidence": round(rng.uniform(0.6, 0.99), 3),
                        "vehicle_make": rng.choice(["Toyota", "Honda", "Ford", "Tesla"]),
                        "vehicle_color": rng.choice(["white", "black", "silver", "red"]),
                        "source_id": f"load-{args.run}-{number}-{seq}-{i}",
                    }
                )
            if rng.random() < 0.3:
                seen_plates.append(reads[0]["plate"])
            body = {"reads": reads}
            call = lambda body=body: session.post(f"{base}/api/v1/reads/batch/", json=body, headers=ingest, timeout=30)  # noqa: E731
        elif kind == "search":
            now = dt.datetime.now(dt.UTC)
            plate = rng.choice(seen_plates[-50:])
            if rng.random() < 0.3:
                plate = plate[:3] + "*"  # a partial-plate wildcard search
            search = {
                "purpose": "criminal_investigation",
                "case_number": f"LOAD-{args.run}-{number}-{seq}",
                "plate": plate,
                "start": (now - dt.timedelta(days=1)).isoformat(),
                "end": (now + dt.timedelta(minutes=1)).isoformat(),
                "page_size": 50,
            }
            call = lambda s=search: session.post(f"{base}/api/v1/reads/search/", json=s, headers=api, timeout=30)  # noqa: E731
        elif kind == "alerts":
            call = lambda: session.get(f"{base}/api/v1/alerts/?page_size=20", headers=api, timeout=30)  # noqa: E731
        elif kind == "feed":
            params = {"wait": "0"} | ({"since": cursor} if cursor else {})
            call = lambda p=params: session.get(f"{base}/api/v1/alerts/feed/", params=p, headers=api, timeout=30)  # noqa: E731
        else:
            call = lambda: session.get(f"{base}/transparency/{SLUG}/", timeout=30)  # noqa: E731
        started = time.perf_counter()
        try:
            response = call()
            status, text = response.status_code, response.text
        except requests.RequestException as exc:
            status, text, response = 0, repr(exc), None
        elapsed = time.perf_counter() - started
        ok = status in (200, 201)
        with tally.lock:
            tally.latencies[kind].append(elapsed)
            if not ok:
                tally.errors[kind] += 1
                if len(tally.error_samples) < 10:
                    tally.error_samples.append(f"{kind} {status} {text[:200]}")
            elif kind == "ingest":
                data = response.json()
                tally.accepted_reads += len(body["reads"])
                tally.stored_reads += data["stored"]
                tally.read_ids.extend(data["read_ids"])
                if len(tally.replay) < 5:
                    tally.replay.append(body)
            elif kind == "search":
                tally.access_log_ids.append(response.json()["access_log_id"])
            elif kind == "feed":
                cursor = response.json()["cursor"]
        if args.think:
            time.sleep(rng.uniform(0, 2 * args.think))


def verify(args, base: str, tokens: dict, tally: Tally) -> dict:
    """The books: reads stored once, one access-log row per search, and a replayed batch stores nothing."""
    from django.db.models import Count

    from reads.models import AccessLogEntry, Read

    agency = tokens["agency"]
    ours = Read.objects.filter(owner_agency=agency, source_id__startswith=f"load-{args.run}-")
    stored = ours.count()
    repeated = ours.values("source_id").annotate(n=Count("id")).filter(n__gt=1).count()
    missing_ids = len(set(tally.read_ids) - set(ours.filter(id__in=tally.read_ids).values_list("id", flat=True)))
    logs = AccessLogEntry.objects.filter(case_number__startswith=f"LOAD-{args.run}-")
    log_rows = logs.count()
    log_ids_match = set(logs.values_list("id", flat=True)) == set(tally.access_log_ids)
    replay_stored = 0
    for body in tally.replay:
        response = requests.post(
            f"{base}/api/v1/reads/batch/", json=body, headers={"Authorization": f"Token {tokens['ingest']}"}, timeout=30
        )
        replay_stored += response.json().get("stored", -1) if response.status_code in (200, 201) else 1
    return {
        "reads_accepted": tally.accepted_reads,
        "reads_stored": stored,
        "reads_repeated": repeated,
        "read_ids_missing": missing_ids,
        "stored_once": int(stored == tally.accepted_reads == tally.stored_reads and repeated == 0 and not missing_ids),
        "searches": len(tally.access_log_ids),
        "access_log_rows": log_rows,
        "access_log_once": int(log_rows == len(tally.access_log_ids) and log_ids_match),
        "replay_stored": replay_stored,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--max-requests", type=int, default=500_000, help="stop after this many requests in all")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--batch", type=int, default=25, help="reads per ingest request")
    parser.add_argument("--think", type=float, default=0.0, help="mean seconds a client pauses between requests")
    parser.add_argument("--mix", default="ingest=4,search=3,alerts=1,feed=1,portal=1")
    parser.add_argument("--search-p99-ms", type=float, default=500)
    parser.add_argument("--cache-url", default="redis://localhost:6379/8")
    parser.add_argument("--broker-url", default="redis://localhost:6379/9")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    args.mix = dict.fromkeys(KINDS, 0.0) | {k: float(v) for k, v in (p.split("=") for p in args.mix.split(","))}
    args.run = dt.datetime.now().strftime("%Y%m%d%H%M%S")
    setup()
    tokens = seed()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(args, port)
    tally = Tally()
    try:
        # Warm every worker (first requests load code and open connections) before the clock starts.
        for _ in range(args.workers * 3):
            requests.get(f"{base}/transparency/{SLUG}/", timeout=30)
        budget = [args.max_requests]
        started = time.monotonic()
        deadline = started + args.seconds
        threads = [
            threading.Thread(target=client, args=(n, args, base, tokens, tally, deadline, budget), daemon=True)
            for n in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        books = verify(args, base, tokens, tally)
    finally:
        stop_server(server)

    total = sum(len(v) for v in tally.latencies.values())
    errors = sum(tally.errors.values())
    print(f"machine: {machine()}; gunicorn {args.workers} workers x {args.threads} threads; {args.clients} clients;"
          f" {elapsed:.1f} s; ingest batches of {args.batch} reads")  # fmt: skip
    print(f"{'kind':<8}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'errors':>8}")
    result = {"seconds": round(elapsed, 1), "clients": args.clients, "requests": total,
              "rps": round(total / elapsed, 1), "errors": errors}  # fmt: skip
    for kind in KINDS:
        values = [v * 1000 for v in tally.latencies.get(kind, [])]
        if not values:
            continue
        p50, p99 = percentile(values, 50), percentile(values, 99)
        print(f"{kind:<8}{len(values):>10}{len(values) / elapsed:>9.1f}{p50:>9.1f}{p99:>9.1f}{max(values):>9.1f}"
              f"{tally.errors.get(kind, 0):>8}")  # fmt: skip
        result |= {f"{kind}_rps": round(len(values) / elapsed, 1), f"{kind}_p50_ms": round(p50, 1),
                   f"{kind}_p99_ms": round(p99, 1), f"{kind}_errors": tally.errors.get(kind, 0)}  # fmt: skip
    result["reads_per_s"] = round(tally.accepted_reads / elapsed, 1)
    for sample in tally.error_samples:
        print("error:", sample)
    print("books:", " ".join(f"{k}={v}" for k, v in books.items()))
    result |= books
    search_p99 = result.get("search_p99_ms", 0)
    result["pass"] = int(
        errors == 0 and books["stored_once"] and books["access_log_once"] and books["replay_stored"] == 0
        and search_p99 < args.search_p99_ms
    )  # fmt: skip
    print("RESULT " + " ".join(f"{k}={v}" for k, v in result.items()))
    sys.exit(0 if result["pass"] else 1)


if __name__ == "__main__":
    main()

"""PostgreSQL restarted during ingest: clients get a clear retryable error (503 with Retry-After), nothing is
half-written, and the service resumes by itself once the database is back.

Never touches the machine's shared PostgreSQL cluster: it creates a private instance (initdb into a temporary
directory, as the postgres user, on port 5440; PostGIS comes from the system-wide extension files), migrates a
database there, starts gunicorn on it with the production settings, and drives ingest clients that retry each
batch until it is accepted. Midway it stops PostgreSQL the hard way (`pg_ctl stop -m immediate`, as a crash would),
keeps it down for --down seconds and starts it again. Gunicorn is never restarted.

    python bench/faults/postgres_restart.py                  # 30 s, 8 clients, 5 s outage
    python bench/faults/postgres_restart.py --seconds 20 --down 3

Passes when: no answer other than 201 or 503 (+ Retry-After) and no dropped connection; every batch stored whole
or not at all, each read once; ingest succeeds again within --recover-s seconds of the database's return.
Last line: `RESULT ... pass=1|0`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
PG_BIN = Path("/usr/lib/postgresql/15/bin")
ROOT = Path(__file__).resolve().parents[2]


def as_postgres(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    command = list(args) if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(command, check=check, capture_output=True, text=True)


class PrivatePostgres:
    def __init__(self, port: int):
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="alpr-faults-pg-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")

    def init(self) -> None:
        as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.dir}'\n"
                       "fsync = off\nmax_connections = 60\n")  # fmt: skip

    def start(self) -> None:
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"), "-w", "start")

    def crash(self) -> None:
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--down-at", type=float, default=8, help="seconds into the run when PostgreSQL goes down")
    parser.add_argument("--down", type=float, default=5, help="seconds PostgreSQL stays down")
    parser.add_argument("--recover-s", type=float, default=10)
    parser.add_argument("--pg-port", type=int, default=5440)
    parser.add_argument("--http-port", type=int, default=8790)
    args = parser.parse_args()

    pg = PrivatePostgres(args.pg_port)
    server = None
    try:
        pg.init()
        pg.start()
        database_url = f"postgis://postgres@127.0.0.1:{args.pg_port}/alpr_faults"
        os.environ["DATABASE_URL"] = database_url
        subprocess.run(
            [str(PG_BIN.parent / "bin" / "psql"), f"postgresql://postgres@127.0.0.1:{args.pg_port}/postgres", "-qc",
             "CREATE DATABASE alpr_faults"], check=True, capture_output=True,
        )  # fmt: skip
        subprocess.run(
            ["psql", f"postgresql://postgres@127.0.0.1:{args.pg_port}/alpr_faults", "-qc",
             "CREATE EXTENSION postgis; CREATE EXTENSION pg_trgm;"], check=True, capture_output=True,
        )  # fmt: skip
        from setup_django import bench_agency, setup

        setup("alpr_faults")  # migrates
        from agencies.choices import Role, TokenPurpose
        from agencies.models import ApiToken, User
        from agencies.services import membership_set

        agency, _, cameras = bench_agency("faults-pd", ori="CA0990800")
        account, _ = User.objects.get_or_create(username="faults-pd-cameras")
        membership_set(user=account, agency=agency, role=Role.OFFICER)
        _, token = ApiToken.issue(user=account, name="faults", purpose=TokenPurpose.INGEST)
        camera_ids = [c.pk for c in cameras]
        from django.db import connection

        connection.close()

        from config.audit_keys import ensure_key_file

        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production",
               "DJANGO_SECRET_KEY": secrets.token_urlsafe(48), "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
               "AUDIT_LOG_KEY_FILE": ensure_key_file(ROOT / "var" / "audit-log.keys"),
               "DJANGO_SECURE_SSL_REDIRECT": "false", "THROTTLE_INGEST": "1000000/min",
               "CACHE_URL": "redis://localhost:6379/8", "CELERY_BROKER_URL": "redis://localhost:6379/9",
               "LOG_LEVEL": "WARNING"}  # fmt: skip
        log = open(ROOT / "var" / "log" / "faults-postgres-gunicorn.log", "ab")  # noqa: SIM115
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{args.http_port}",
             "--workers", "2", "--threads", "4", "--worker-class", "gthread", "--timeout", "60"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{args.http_port}"
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.3)

        statuses: Counter = Counter()
        bad: list[str] = []
        batches: dict[str, int] = {}  # batch id -> attempts until accepted
        successes: list[float] = []
        lock = threading.Lock()
        run = dt.datetime.now().strftime("%H%M%S")
        started = time.monotonic()
        deadline = started + args.seconds

        def client(number: int) -> None:
            session = requests.Session()
            headers = {"Authorization": f"Token {token}"}
            seq = 0
            while time.monotonic() < deadline:
                seq += 1
                batch_id = f"pg-{run}-{number}-{seq}"
                now = dt.datetime.now(dt.UTC)
                body = {"reads": [
                    {"camera": camera_ids[(number + i) % len(camera_ids)], "plate": f"7PG{(seq * 31 + i) % 10000:04d}",
                     "captured_at": (now - dt.timedelta(seconds=i)).isoformat(), "source_id": f"{batch_id}-{i}"}
                    for i in range(args.batch)
                ]}  # fmt: skip
                attempts = 0
                while time.monotonic() < deadline + 30:  # a batch begun is retried until stored
                    attempts += 1
                    try:
                        response = session.post(f"{base}/api/v1/reads/batch/", json=body, headers=headers, timeout=30)
                        code = response.status_code
                    except requests.RequestException as exc:
                        code, response = f"conn:{exc.__class__.__name__}", None
                    with lock:
                        statuses[code] += 1
                        if code in (200, 201):
                            batches[batch_id] = attempts
                            successes.append(time.monotonic())
                        elif code == 503 and response.headers.get("Retry-After"):
                            pass
                        elif len(bad) < 10:
                            bad.append(f"{code} {getattr(response, 'text', '')[:200]}")
                    if code in (200, 201):
                        break
                    time.sleep(0.5)  # a client would honour Retry-After; shorter here to measure recovery

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        time.sleep(args.down_at)
        down_at = time.monotonic()
        pg.crash()
        time.sleep(args.down)
        pg.start()
        up_at = time.monotonic()
        for thread in threads:
            thread.join()

        after = [t for t in successes if t >= up_at]
        recovery = (min(after) - up_at) if after else float("inf")
        outage_answers = statuses[503]
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{args.pg_port}/alpr_faults") as conn:
            rows = conn.execute(
                "SELECT split_part(source_id, '-', 1) || '-' || split_part(source_id, '-', 2) || '-' ||"
                " split_part(source_id, '-', 3) || '-' || split_part(source_id, '-', 4) AS batch, count(*),"
                " count(DISTINCT source_id) FROM reads_read WHERE source_id LIKE %s GROUP BY 1",
                [f"pg-{run}-%"],
            ).fetchall()
        stored = {batch: (n, distinct) for batch, n, distinct in rows}
        partial = [b for b, (n, d) in stored.items() if n != args.batch or d != n]
        missing = [b for b in batches if b not in stored]
        unexpected = [b for b in stored if b not in batches]
        print(f"private PostgreSQL on port {args.pg_port}; down {args.down:.0f} s at t={down_at - started:.1f} s")
        print("answers:", dict(statuses))
        for line in bad:
            print("unexpected:", line)
        print(f"batches accepted {len(batches)}, stored {len(stored)}, half-written {len(partial)}, "
              f"missing {len(missing)}, stored without a 2xx {len(unexpected)}; first success {recovery:.2f} s "
              f"after PostgreSQL was back; most attempts for one batch {max(batches.values(), default=0)}")  # fmt: skip
        ok = (
            not bad and outage_answers > 0 and not partial and not missing and not unexpected
            and recovery <= args.recover_s
        )  # fmt: skip
        print(
            f"RESULT requests={sum(statuses.values())} answered_201={statuses[201]} answered_503={outage_answers} "
            f"unexpected={len(bad)} batches={len(batches)} half_written={len(partial)} missing={len(missing)} "
            f"recovery_s={recovery:.2f} pass={int(ok)}"
        )
        sys.exit(0 if ok else 1)
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        pg.remove()


if __name__ == "__main__":
    main()

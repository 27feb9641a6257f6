"""Reliability tests: fuzzing (hypothesis, schemathesis) and fault injection (a worker killed, Redis stopped, a
webhook receiver down). Every test here carries the `reliability` marker: `pytest -m reliability` runs just them,
and `./dev test` (CI) runs them with the rest. The slow fault scripts live in bench/faults/.
"""

import json
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import HealthCheck, settings

from config.celery_app import app as celery_app
from hotlists import notifications

# Database-backed property tests: a request takes milliseconds, not the microseconds hypothesis expects.
settings.register_profile(
    "reliability-db",
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def pytest_configure(config):
    config.addinivalue_line("markers", "reliability: fuzzing and fault-injection tests (tests/reliability)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/reliability/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.reliability)


# Servers the fault tests start and stop ------------------------------------------------------------------------------

PRIVATE_REDIS_PORT = 6390  # never the machine's shared Redis (6379): these tests stop theirs


class PrivateRedis:
    """A throw-away redis-server (no persistence) that a test may stop and start again on the same port."""

    def __init__(self, port: int = PRIVATE_REDIS_PORT):
        self.port = port
        self.url = f"redis://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server could not start on port {self.port} (already in use?)")
            if self.ping():
                return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not answer")

    def ping(self) -> bool:
        out = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, check=False)
        return out.stdout.strip() == b"PONG"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # as a crash would: no goodbye to clients
            self.process.wait(timeout=10)
        self.process = None

    def llen(self, db: int, key: str) -> int:
        out = subprocess.run(["redis-cli", "-p", str(self.port), "-n", str(db), "LLEN", key], capture_output=True)
        return int(out.stdout.strip() or 0)


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def celery_broker(private_redis):
    """Celery as in production (not eager), its broker the private Redis (database 0)."""
    conf = celery_app.conf
    saved = conf.task_always_eager, conf.broker_url
    conf.task_always_eager = False
    conf.broker_url = f"{private_redis.url}/0"
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    notifications._broker_down_until = 0.0
    yield private_redis
    conf.task_always_eager, conf.broker_url = saved
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    notifications._broker_down_until = 0.0


class Receiver:
    """A webhook receiver on a fixed local port: up (answers 200 after `delay` seconds) or down (nothing listens)."""

    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.received: list[dict] = []
        self.delay = 0.0
        self._server: ThreadingHTTPServer | None = None

    def up(self, delay: float = 0.0) -> None:
        self.delay = delay
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                time.sleep(receiver.delay)
                receiver.received.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.down()

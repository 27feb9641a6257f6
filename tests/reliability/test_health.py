"""/healthz: each check's status in JSON; 503 only when a critical check (database, broker, disk) fails; and the
database connections' timeouts that keep one stuck transaction from stalling everyone."""

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from common.jobs import heartbeat_write
from reads.partitions import partition_name, partitions_ensure_ahead

pytestmark = pytest.mark.django_db

CHECKS = {
    "database",
    "broker",
    "disk",
    "worker",
    "scheduler",
    "oldest_transaction",
    "read_partition_tomorrow",
    "notification_backlog",
}


@pytest.fixture
def all_alive():
    """As in a running deployment: beat and a worker on every queue have just written their heartbeats, and the
    hourly job has made the partitions ahead."""
    for queue in settings.CELERY_WORKER_QUEUES:
        heartbeat_write(f"worker:{queue}")
    heartbeat_write("beat")
    partitions_ensure_ahead()


def _health(client):
    response = client.get("/healthz")
    return response.status_code, response.json()


def test_everything_up_answers_200_with_each_check(client, all_alive, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):  # cheap: a handful of indexed queries
        code, body = _health(client)
    assert code == 200 and body["status"] == "ok", body
    assert set(body["checks"]) == CHECKS
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert body["checks"]["database"]["critical"] and not body["checks"]["worker"]["critical"]
    assert body["checks"]["disk"]["free_bytes"] > 0


def test_a_stopped_worker_or_scheduler_is_reported_without_taking_the_web_down(client, all_alive):
    cache.delete("health:heartbeat:worker:notifications")
    cache.delete("health:heartbeat:beat")
    code, body = _health(client)
    assert (code, body["status"]) == (200, "degraded")
    assert body["checks"]["worker"]["status"] == "fail"
    assert body["checks"]["worker"]["stale_queues"] == ["notifications"]
    assert body["checks"]["scheduler"]["status"] == "fail" and body["checks"]["scheduler"]["last_heartbeat_s"] is None


def test_an_old_heartbeat_is_stale(client, all_alive, settings):
    settings.HEALTH_HEARTBEAT_STALE_S = -1
    _, body = _health(client)
    assert body["checks"]["worker"]["status"] == body["checks"]["scheduler"]["status"] == "fail"


def test_a_missing_partition_for_tomorrow_is_reported(client, all_alive):
    tomorrow = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)
    with connection.cursor() as cursor:  # rolled back with the test
        cursor.execute(f"DROP TABLE {partition_name(tomorrow)}")
    code, body = _health(client)
    assert (code, body["status"]) == (200, "degraded")
    assert body["checks"]["read_partition_tomorrow"] == {
        "status": "fail",
        "partition": partition_name(tomorrow),
        "exists": False,
        "critical": False,
    }


def test_low_disk_space_answers_503(client, all_alive, settings):
    settings.HEALTH_DISK_MIN_FREE_PERCENT = 100.1
    code, body = _health(client)
    assert (code, body["status"], body["checks"]["disk"]["status"]) == (503, "down", "fail")


def test_the_oldest_open_transaction_is_shown(client, all_alive, settings):
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as other:  # not autocommit: its first statement opens a transaction
        other.execute("SELECT 1")
        settings.HEALTH_OLDEST_TRANSACTION_WARN_S = -1
        _, body = _health(client)
        oldest = body["checks"]["oldest_transaction"]
        assert (oldest["status"], oldest["pid"]) == ("warn", other.info.backend_pid)
        assert oldest["state"] == "idle in transaction"
        assert body["status"] == "degraded"


def test_connections_end_idle_transactions():
    with connection.cursor() as cursor:
        cursor.execute("SHOW idle_in_transaction_session_timeout")
        assert cursor.fetchone()[0] == "1min"


def test_a_connection_left_idle_in_a_transaction_is_ended_by_the_server():
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    # The application's own connection options, with the timeout shortened to see it act.
    params["options"] = params["options"].replace(
        f"idle_in_transaction_session_timeout={settings.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS}",
        "idle_in_transaction_session_timeout=200",
    )
    stuck = psycopg.connect(**params)
    try:
        stuck.execute("SELECT 1")
        time.sleep(0.6)
        with pytest.raises(psycopg.errors.IdleInTransactionSessionTimeout):
            stuck.execute("SELECT 1")
    finally:
        stuck.close()


def test_web_processes_bound_each_statement():
    """config.wsgi (what gunicorn loads) sets a statement timeout; workers, which do not load it, keep none."""
    code = (
        "import config.wsgi; from django.db import connection; c = connection.cursor(); "
        "c.execute('SHOW statement_timeout'); print(c.fetchone()[0])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        # the test database this test runs on (the development database may not exist on a CI machine)
        "DATABASE_URL": "postgis://{USER}@{host}:{port}/{NAME}".format(
            **connection.settings_dict,
            host=connection.settings_dict["HOST"] or "localhost",
            port=connection.settings_dict["PORT"] or 5432,
        ),
    }
    env.pop("DATABASE_STATEMENT_TIMEOUT_MS", None)
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "30s", out.stderr[-2000:]
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"

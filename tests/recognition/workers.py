"""A real `celery worker` process for the recognition queue, on the test database (used by the worker tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.db import connection
from django.utils import timezone

ROOT = Path(__file__).resolve().parents[2]


# A suite run with its clock moved (TEST_CLOCK, see tests/conftest.py) moves the worker's clock to the same moment,
# or the worker would judge every read by the real date.
_MOVED_CLOCK_WORKER = (
    "import sys, time_machine; time_machine.travel(sys.argv.pop(1), tick=True).start(); "
    "from celery.__main__ import main; sys.argv[0] = 'celery'; main()"
)


def _python() -> list[str]:
    if os.environ.get("TEST_CLOCK"):
        return [sys.executable, "-c", _MOVED_CLOCK_WORKER, timezone.now().isoformat()]
    return [sys.executable, "-m", "celery"]


def recognition_worker(
    broker: str, *, name: str = "alpr", env: dict[str, str] | None = None, **popen
) -> subprocess.Popen:
    """Start one solo worker on `broker` for the recognition queue; `env` adds settings, `popen` goes to Popen."""
    db = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgis://{db['USER']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_BROKER_URL": broker,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "YOLO_OFFLINE": "1",
        **(env or {}),
    }
    return subprocess.Popen(
        [*_python(), "-A", "config", "worker", "-Q", "recognition", "-c", "1", "--pool", "solo",
         "-n", f"{name}@%h", "--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "WARNING"],
        cwd=ROOT, env=environment, **popen,
    )  # fmt: skip

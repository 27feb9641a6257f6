"""The one Celery application. Workers run `celery -A config worker`; the scheduler runs `celery -A config beat`."""

import os
import time

from celery import Celery
from celery.beat import PersistentScheduler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("alpr")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

BEAT_HEARTBEAT_EVERY_S = 15


@app.task(ignore_result=True, soft_time_limit=10, time_limit=20)
def worker_heartbeat(queue: str) -> None:
    """Beat sends one to each queue every 30 s (CELERY_BEAT_SCHEDULE); a worker consuming the queue records it, so
    /healthz sees, per queue, that messages are taken and run (not only that a worker process exists)."""
    from common.jobs import heartbeat_write

    heartbeat_write(f"worker:{queue}")


class HeartbeatScheduler(PersistentScheduler):
    """Celery's default scheduler, recording beat's own heartbeat (at most every 15 s) for /healthz."""

    _last_heartbeat = 0.0

    def tick(self, *args, **kwargs):
        now = time.monotonic()
        if now - self._last_heartbeat >= BEAT_HEARTBEAT_EVERY_S:
            from common.jobs import heartbeat_write

            heartbeat_write("beat")
            self._last_heartbeat = now
        return super().tick(*args, **kwargs)

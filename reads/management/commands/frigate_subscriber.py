"""manage.py frigate_subscriber: subscribe to every active Frigate broker configured in admin and store the reads
its Frigate publishes. Runs until stopped (SIGTERM / SIGINT); picks up brokers added, changed or deactivated in
admin within --reload seconds."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from reads.frigate_mqtt import FrigateSubscriber, brokers_active


class Command(BaseCommand):
    help = "Subscribe to the Frigate MQTT brokers configured in admin and store their plate reads."

    def add_arguments(self, parser):
        parser.add_argument("--reload", type=float, default=30, help="Seconds between checks of the brokers' settings.")
        parser.add_argument("--once", action="store_true", help="Start, report the brokers, and stop (a smoke test).")

    def handle(self, *args, reload: float, once: bool, **options):
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        running: dict[int, tuple[FrigateSubscriber, object]] = {}
        try:
            while True:
                wanted = brokers_active()
                close_old_connections()
                for pk, (subscriber, version) in list(running.items()):
                    if pk not in wanted or wanted[pk][1] != version:
                        self.stdout.write(f"Stopping the subscription to {subscriber.broker}")
                        subscriber.stop()
                        del running[pk]
                for pk, (broker, version) in wanted.items():
                    if pk not in running:
                        self.stdout.write(f"Subscribing to {broker} at {broker.url} ({broker.topic_prefix}/#)")
                        subscriber = FrigateSubscriber(broker)
                        subscriber.start()
                        running[pk] = (subscriber, version)
                if once or stop.wait(reload):
                    break
        finally:
            for subscriber, _ in running.values():
                subscriber.stop()
        self.stdout.write(f"Stopped ({len(running)} broker(s)).")

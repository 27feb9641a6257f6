"""`manage.py seed_demo`: load the demo (idempotent). Each app that has a `demo` module adds its part, in order."""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

from agencies.demo import DEMO_PASSWORD

DEMO_MODULES = ["agencies.demo", "reads.demo", "hotlists.demo", "sharing.demo", "transparency.demo"]


class Command(BaseCommand):
    help = "Load demo agencies, people, cameras, hotlists, MOUs and a week of synthetic reads. Safe to run twice."

    def handle(self, *args, **options):
        context: dict = {"stdout": self.stdout}
        with transaction.atomic():
            for name in DEMO_MODULES:
                try:
                    module = importlib.import_module(name)
                except ModuleNotFoundError as exc:
                    if exc.name != name:
                        raise
                    continue
                module.seed(context)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, what in context["logins"]:
            self.stdout.write(f"  {username:<18} {what}")
        for note in context.get("notes", []):
            self.stdout.write(note)

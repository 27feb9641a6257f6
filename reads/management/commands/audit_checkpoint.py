import json

from django.core.management.base import BaseCommand

from reads.access_log import access_log_checkpoint_write, checkpoint_public


class Command(BaseCommand):
    help = (
        "Write a signed checkpoint of the access log now (its head, row count and time, MACed under the current "
        "key) and print it as JSON. The scheduler writes one every day; the portal publishes them."
    )

    def handle(self, *args, **options):
        checkpoint = access_log_checkpoint_write()
        self.stdout.write(json.dumps(checkpoint_public(checkpoint), indent=2))

from django.core.management.base import BaseCommand

from reads.partitions import partitions_ensure_ahead


class Command(BaseCommand):
    help = (
        "Create the daily partitions of the reads table from two days back to a week ahead (the scheduler does this)."
    )

    def handle(self, *args, **options):
        names = partitions_ensure_ahead()
        self.stdout.write(f"Partitions present: {names[0]} .. {names[-1]}")

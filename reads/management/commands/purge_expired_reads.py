from django.core.management.base import BaseCommand

from reads.services import read_purge_expired


class Command(BaseCommand):
    help = "Remove reads past their owner agency's retention period (held reads stay) and record the run."

    def handle(self, *args, **options):
        run = read_purge_expired()
        self.stdout.write(
            f"Removed {run.removed_total} reads in {run.duration_ms} ms "
            f"({len(run.partitions_dropped)} day partitions dropped, {run.kept_for_holds} kept for holds)."
        )

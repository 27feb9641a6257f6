from django.core.management.base import BaseCommand

from reads.retention import files_sweep_orphans
from reads.services import read_purge_expired


class Command(BaseCommand):
    help = (
        "Remove reads past their owner agency's retention period (held reads stay) with every trace of them (images, "
        "plate crops, source uploads, alerts past the alert retention, plate-index entries) and record the run. "
        "With --sweep, also delete stored files no row names that are older than a day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--sweep", action="store_true", help="Also sweep orphan files (normally a daily job).")

    def handle(self, *args, **options):
        run = read_purge_expired()
        self.stdout.write(
            f"Removed {run.removed_total} reads in {run.duration_ms} ms "
            f"({len(run.partitions_dropped)} day partitions dropped, {run.kept_for_holds} kept for holds), "
            f"{run.files_removed} files, {run.alerts_removed} alerts, {run.uploads_removed} uploads, "
            f"{run.plates_removed} plate-index entries."
        )
        if options["sweep"]:
            self.stdout.write(f"Swept {files_sweep_orphans()} orphan files.")

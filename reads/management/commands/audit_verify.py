import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from reads.access_log import access_log_check, checkpoints_from_json

CHAIN_INTACT = "{count} rows verified, chain intact."
CHECKPOINTS_HOLD = "{count} checkpoints hold."
VERIFY_FAILED = "The access log failed verification ({count} problems):\n{problems}"
CHECKPOINT_FILE_UNREADABLE = "Cannot read the checkpoint file {path}: {error}"
MAX_PROBLEMS_SHOWN = 50


class Command(BaseCommand):
    help = (
        "Verify the access log: walk its keyed MAC chain from the first row and check every signed checkpoint "
        "(those stored, and with --checkpoint those saved from the transparency portal) against it. Exits non-zero "
        "and names each rewritten, inserted or removed row, and rows cut off the end up to the last checkpoint."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="FILE",
            help="A checkpoint saved from the portal (its JSON, a list of checkpoints, or one). May be repeated.",
        )

    def handle(self, *args, **options):
        extra = []
        for name in options["checkpoint"]:
            try:
                extra += checkpoints_from_json(json.loads(Path(name).read_text()))
            except (OSError, ValueError) as exc:  # json.JSONDecodeError is a ValueError
                raise CommandError(CHECKPOINT_FILE_UNREADABLE.format(path=name, error=exc)) from exc
        result = access_log_check(extra_checkpoints=extra, source="file" if extra else "database")
        if not result.intact:
            shown = result.problems[:MAX_PROBLEMS_SHOWN]
            if len(result.problems) > len(shown):
                shown.append(f"... and {len(result.problems) - len(shown)} more.")
            raise CommandError(VERIFY_FAILED.format(count=len(result.problems), problems="\n".join(shown)))
        self.stdout.write(self.style.SUCCESS(CHAIN_INTACT.format(count=result.rows)))
        self.stdout.write(CHECKPOINTS_HOLD.format(count=result.checkpoints))

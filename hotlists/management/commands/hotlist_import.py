"""`manage.py hotlist_import <hotlist> <file> [--format clew|ncic|csv] [--append|--replace] [--user NAME]`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from agencies.models import User
from hotlists.choices import ImportFormat, ImportOutcome
from hotlists.models import Hotlist
from hotlists.services import hotlist_import


class Command(BaseCommand):
    help = (
        "Import a hotlist file, all or nothing (CLEW and NCIC replace the list by default). <hotlist> is an id or "
        "'<agency slug>/<hotlist name>'."
    )

    def add_arguments(self, parser):
        parser.add_argument("hotlist")
        parser.add_argument("path")
        parser.add_argument("--format", choices=ImportFormat.values, help="Default: from the hotlist's source.")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--replace", action="store_true", default=None, help="Replace the whole list.")
        mode.add_argument("--append", dest="replace", action="store_false", help="Add to the list.")
        parser.add_argument("--user", help="Username recorded as the importer.")

    def handle(self, *args, hotlist, path, format, replace, user, verbosity, **options):
        target = self._hotlist(hotlist)
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        importer = None
        if user:
            importer = User.objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"No user {user!r}.")
        content = file.read_bytes()

        def progress(lines):
            return tqdm(lines, desc=f"parsing {file.name}", unit=" lines", unit_scale=True, disable=verbosity == 0)

        record = hotlist_import(
            hotlist=target,
            content=content,
            file_name=file.name,
            file_format=format or target.import_format,
            user=importer,
            replace=replace,
            channel="command",
            progress=progress,
        )
        if record.outcome != ImportOutcome.SUCCEEDED:
            for error in record.errors:
                self.stderr.write(f"line {error['line']}: {error['reason']}")
            raise CommandError(f"Refused: {record.error_count} bad line(s); {target.name} is unchanged.")
        self.stdout.write(
            self.style.SUCCESS(
                f"{target.name}: {record.records_read} records read, {record.added} added, {record.updated} updated, "
                f"{record.removed} removed, {record.unchanged} unchanged, {record.duplicates} duplicates, "
                f"{record.historical_alerts} historical alerts, in {record.duration_ms / 1000:.1f} s."
            )
        )

    def _hotlist(self, ref: str) -> Hotlist:
        if ref.isdigit():
            found = Hotlist.objects.filter(pk=int(ref)).first()
        else:
            slug, _, name = ref.partition("/")
            found = Hotlist.objects.filter(agency__slug=slug, name=name).first()
        if found is None:
            raise CommandError(f"No hotlist {ref!r} (use an id or '<agency slug>/<hotlist name>').")
        return found

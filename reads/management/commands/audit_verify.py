from django.core.management.base import BaseCommand, CommandError

from reads.access_log import access_log_verify

CHAIN_INTACT = "{count} rows verified, chain intact."
CHAIN_BROKEN = (
    "Access log chain broken at row id={id} (at {at}, user {username}): the row, or the one before it, was changed "
    "or removed outside the application. {count} rows before it verified."
)


class Command(BaseCommand):
    help = (
        "Walk the access log's hash chain from its first row. Exits non-zero and names the first broken row (id, "
        "time, user) if any row was changed, removed or inserted out of order; otherwise reports the rows verified."
    )

    def handle(self, *args, **options):
        count, broken = access_log_verify()
        if broken is not None:
            raise CommandError(
                CHAIN_BROKEN.format(id=broken.pk, at=broken.at.isoformat(), username=broken.username, count=count)
            )
        self.stdout.write(self.style.SUCCESS(CHAIN_INTACT.format(count=count)))

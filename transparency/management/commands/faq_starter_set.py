"""Add the standard questions of a city's ALPR page to agencies' FAQs (questions already there are kept)."""

from django.core.management.base import BaseCommand, CommandError

from agencies.models import Agency
from transparency.program_services import faq_add_starter_set


class Command(BaseCommand):
    help = "Add the standard FAQ questions (with live figures) to the named agencies, or to every active agency."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", help="Agency slugs; none means every active agency.")

    def handle(self, *args, slugs, **options):
        agencies = Agency.objects.filter(is_active=True)
        if slugs:
            agencies = agencies.filter(slug__in=slugs)
            missing = set(slugs) - set(agencies.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"No active agency with slug: {', '.join(sorted(missing))}.")
        for agency in agencies.order_by("name"):
            created = faq_add_starter_set(agency=agency)
            self.stdout.write(f"{agency.slug}: {len(created)} question(s) added")

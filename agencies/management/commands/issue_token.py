"""`manage.py issue_token USERNAME --purpose ingest --days 90 --name "Camera 12 agent"`: print a new API token once."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from agencies.choices import TokenPurpose
from agencies.models import ApiToken

USER_NOT_FOUND = "No user named {username!r}."
USER_INACTIVE = "{username} is deactivated; a token for them would be refused."
DAYS_INVALID = "--days must be at least 1."


class Command(BaseCommand):
    help = "Issue an API token for a user and print its secret. The secret is not stored and cannot be shown again."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--purpose", choices=TokenPurpose.values, default=TokenPurpose.API)
        parser.add_argument("--days", type=int, default=90, help="Lifetime in days (default 90).")
        parser.add_argument(
            "--name",
            default="",
            help="What the token is for, e.g. 'Camera 12 agent' (default: the purpose, user and date issued).",
        )

    def handle(self, *args, username, purpose, days, name, **options):
        if days < 1:
            raise CommandError(DAYS_INVALID)
        user = get_user_model()._default_manager.filter(username=username).first()
        if user is None:
            raise CommandError(USER_NOT_FOUND.format(username=username))
        if not user.is_active:
            raise CommandError(USER_INACTIVE.format(username=username))
        # A token without a name is still told apart in admin by what it is for, whose it is and when it was issued.
        name = name.strip() or f"{purpose} token for {username}, issued {timezone.localdate():%Y-%m-%d}"
        token, secret = ApiToken.issue(user=user, name=name, purpose=purpose, lifetime=timedelta(days=days))
        self.stderr.write(
            f"Issued {token.get_purpose_display().lower()} token {token.prefix}… for {user}, "
            f"expiring {token.expires_at:%Y-%m-%d %H:%M %Z}. Copy the secret now; it is not stored:"
        )
        # The secret alone on stdout, so a script can capture it: TOKEN=$(manage.py issue_token ...).
        self.stdout.write(secret)

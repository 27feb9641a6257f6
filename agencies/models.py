"""Agencies, the people who work for them, their roles and their ALPR training."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from .choices import NON_PUBLIC_KINDS, STATE_CHOICES, AgencyKind, Role, SignInOutcome, SignInReason, TokenPurpose
from .validators import validate_ori

ORI_STATE_MISMATCH_ERROR = "A state or local agency's ORI begins with its own state code (%(state)s)."


class User(AbstractUser):
    """A person (or a camera/agent service account) who signs in. Belongs to at most one agency via Membership."""

    class Meta:
        db_table = "agencies_user"

    @property
    def agency(self) -> Agency | None:
        membership = getattr(self, "membership", None)
        return membership.agency if membership else None

    @property
    def role(self) -> str | None:
        membership = getattr(self, "membership", None)
        return membership.role if membership else None


class AgencyQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The agency directory (names, kinds, states) is open to every user who may reach ALPR data."""
        from .access import alpr_access_refusal

        return self.none() if alpr_access_refusal(user) is not None else self


class Agency(models.Model):
    """A public agency or private entity that owns ALPR data or receives it under an MOU."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True, help_text="Used in the public transparency portal's URL.")
    ori = models.CharField(
        "ORI",
        max_length=9,
        unique=True,
        validators=[validate_ori],
        help_text="NCIC originating agency identifier: state code then seven characters, e.g. CA0330400.",
    )
    kind = models.CharField(max_length=32, choices=AgencyKind.choices)
    state = models.CharField(max_length=2, choices=STATE_CHOICES)
    retention_days = models.PositiveSmallIntegerField(
        default=settings.ALPR_RETENTION_DAYS_DEFAULT,
        validators=[
            MinValueValidator(settings.ALPR_RETENTION_DAYS_MIN),
            MaxValueValidator(settings.ALPR_RETENTION_DAYS_MAX),
        ],
        help_text="Reads older than this are purged unless held for a case.",
    )
    alert_retention_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[
            MinValueValidator(settings.ALPR_RETENTION_DAYS_MIN),
            MaxValueValidator(settings.ALPR_RETENTION_DAYS_MAX),
        ],
        help_text="Hotlist alerts older than this (by their latest read) are purged with their image unless held. "
        "Blank: the same as reads.",
    )
    public_comment_meeting_on = models.DateField(
        null=True,
        blank=True,
        help_text="Date of the governing body's public comment meeting on ALPR (Civil Code §1798.90.55(a)).",
    )
    public_comment_meeting_url = models.URLField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "agencies"
        ordering = ["name"]
        # Object permissions on an owner agency, granted to a partner agency's group by an active MOU (sharing app).
        permissions = [
            ("search_reads_of", "Can search this agency's reads (MOU)"),
            ("receive_alerts_of", "Can receive alerts from this agency's cameras (MOU)"),
            ("view_hotlists_of", "Can see this agency's hotlists (MOU)"),
        ]
        constraints = [
            models.CheckConstraint(
                name="agency_retention_days_bounds",
                condition=models.Q(retention_days__gte=settings.ALPR_RETENTION_DAYS_MIN)
                & models.Q(retention_days__lte=settings.ALPR_RETENTION_DAYS_MAX),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def alert_retention(self) -> int:
        """Days alerts are kept: the agency's own figure, or its reads' retention."""
        return self.alert_retention_days or self.retention_days

    def clean(self) -> None:
        if self.ori:
            self.ori = self.ori.upper()
        if self.ori and self.state and self.kind != AgencyKind.FEDERAL and self.ori[:2] != self.state:
            raise ValidationError({"ori": ORI_STATE_MISMATCH_ERROR % {"state": self.state}})

    @property
    def is_public_agency(self) -> bool:
        return self.kind not in NON_PUBLIC_KINDS

    @property
    def is_california_public_agency(self) -> bool:
        """Civil Code §1798.90.55(b): the only kind of agency ALPR information may be shared with."""
        return self.is_public_agency and self.state == "CA"

    @property
    def public_comment_recorded(self) -> bool:
        return self.public_comment_meeting_on is not None


class Membership(models.Model):
    """A user's one agency and role. One row per user: nobody acts for two agencies."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=32, choices=Role.choices)
    job_title = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}, {self.agency}"


class TrainingRecordQuerySet(models.QuerySet):
    def current(self, on=None):
        on = on or timezone.localdate()
        return self.filter(completed_on__lte=on, expires_on__gte=on)


class TrainingRecord(models.Model):
    """Completion of the agency's ALPR course. Without a current record, a user reaches no ALPR data."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_records")
    course = models.CharField(max_length=200)
    completed_on = models.DateField()
    expires_on = models.DateField()

    objects = TrainingRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-expires_on"]
        constraints = [
            models.CheckConstraint(
                name="training_expires_after_completion", condition=models.Q(expires_on__gt=models.F("completed_on"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.course} (until {self.expires_on})"

    def clean(self) -> None:
        if self.completed_on and self.expires_on and self.expires_on <= self.completed_on:
            raise ValidationError({"expires_on": "A training record must expire after it was completed."})


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a SHA-256 hash is stored; the secret is shown once at creation."""

    PREFIX_LENGTH = 10

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=120, help_text="What the token is for, e.g. 'Camera 12 agent'.")
    purpose = models.CharField(max_length=16, choices=TokenPurpose.choices, default=TokenPurpose.API)
    prefix = models.CharField(max_length=PREFIX_LENGTH, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @classmethod
    def issue(
        cls, *, user, name: str, purpose: str = TokenPurpose.API, lifetime: timedelta = timedelta(days=90)
    ) -> tuple[ApiToken, str]:
        """Create a token and return it with its secret, which is not stored and cannot be shown again."""
        prefix = secrets.token_hex(cls.PREFIX_LENGTH // 2)
        secret = f"{prefix}.{secrets.token_urlsafe(32)}"
        token = cls.objects.create(
            user=user,
            name=name,
            purpose=purpose,
            prefix=prefix,
            key_hash=_hash_token(secret),
            expires_at=timezone.now() + lifetime,
        )
        return token, secret

    def matches(self, secret: str) -> bool:
        return secrets.compare_digest(self.key_hash, _hash_token(secret))

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class SignInEvent(models.Model):
    """One sign-in attempt or step, successful or not (CJIS: audit records of logins).

    Written only by agencies.signin.services.sign_in_event_record; never edited. The user is kept when known,
    and the username as typed in any case, so that attempts on unknown or later-deleted accounts stay visible.
    """

    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    username = models.CharField(max_length=150, help_text="The username as typed.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="sign_in_events"
    )
    address = models.GenericIPAddressField(null=True, blank=True, help_text="The client's network address.")
    outcome = models.CharField(max_length=16, choices=SignInOutcome.choices)
    reason = models.CharField(max_length=32, choices=SignInReason.choices)
    path = models.CharField(max_length=200, blank=True, help_text="Where the attempt was made.")

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["username", "-occurred_at"], name="signin_username_time")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.username}: {self.get_reason_display()}"


PROHIBITED_TERM_EMPTY = "Write the word or phrase to refuse."


class ProhibitedTerm(models.Model):
    """A word or phrase an agency adds to the prohibited-purpose screen (common/prohibited.py), on top of the
    data file's list: refused in every purpose or reason its people state (searches, hotlist entries and imports,
    holds, alert notes, its MOUs' justifications), and in the purpose of every partner's search that reaches its
    data. Matched the way the file's terms are (normalised; a word ending in * matches the words beginning so)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="prohibited_terms")
    term = models.CharField(max_length=120, help_text="A word or phrase; end a word with * to match its forms.")
    note = models.CharField(max_length=300, blank=True, help_text="Why it is refused (for the next clerk).")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__name", "term"]
        verbose_name = "prohibited purpose term"
        constraints = [models.UniqueConstraint(fields=["agency", "term"], name="prohibited_term_unique_per_agency")]

    def __str__(self) -> str:
        return self.term

    def clean(self) -> None:
        from common.prohibited import normalize

        self.term = " ".join((self.term or "").split())
        if not normalize(self.term.replace("*", "")):
            raise ValidationError({"term": PROHIBITED_TERM_EMPTY})

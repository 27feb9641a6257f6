"""Hotlists and their entries, imports, alerts with their disposition events, and the notification outbox."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from agencies.models import Agency
from common.prohibited import states_prohibited_purpose

from .choices import (
    CLEW_SOURCES,
    AlertLevel,
    AlertStatus,
    Category,
    HotlistSource,
    ImportFormat,
    ImportOutcome,
    ImportStage,
    MatchKind,
    MatchStrategy,
    OutboxStatus,
    Priority,
    SubscriptionKind,
)
from .querysets import (
    AlertEventQuerySet,
    AlertQuerySet,
    HotlistEntryQuerySet,
    HotlistImportQuerySet,
    HotlistQuerySet,
    OwnAgencyQuerySet,
)
from .rules import PROHIBITED_REASON


class Hotlist(models.Model):
    """A list of plates an agency wants to be alerted about, fed by a state/federal extract, a CSV or by hand."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="hotlists")
    name = models.CharField(max_length=120)
    source = models.CharField(max_length=16, choices=HotlistSource.choices)
    category = models.CharField(
        max_length=32, choices=Category.choices, help_text="Default reason for entries that state none."
    )
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    alert_level = models.CharField(max_length=16, choices=AlertLevel.choices, default=AlertLevel.STANDARD)
    match_strategy = models.CharField(max_length=16, choices=MatchStrategy.choices, default=MatchStrategy.CANONICAL)
    is_active = models.BooleanField(default=True)
    default_entry_lifetime = models.DurationField(
        null=True, blank=True, help_text="New entries expire this long after they are added, unless they say."
    )
    drop_file_name = models.CharField(
        max_length=64,
        blank=True,
        help_text="File name in HOTLIST_DROP_DIR/<agency slug>/ that replaces this list when it arrives, e.g. svs.tbl.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HotlistQuerySet.as_manager()

    class Meta:
        ordering = ["agency__name", "name"]
        permissions = [("import_hotlist", "Can import hotlist files")]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="hotlist_unique_name_per_agency"),
            models.UniqueConstraint(
                fields=["agency", "drop_file_name"],
                name="hotlist_unique_drop_file_per_agency",
                condition=~models.Q(drop_file_name=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"

    def clean(self) -> None:
        # A list's name says what it is for ("ERO fugitives" would be an immigration-enforcement list).
        if states_prohibited_purpose(self.name, agency_ids=[self.agency_id]):
            raise ValidationError({"name": PROHIBITED_REASON})

    @property
    def import_format(self) -> str:
        """The file format this list's extracts arrive in (used by the drop folder job)."""
        if self.source in CLEW_SOURCES:
            return ImportFormat.CLEW
        if self.source == HotlistSource.NCIC:
            return ImportFormat.NCIC
        return ImportFormat.CSV


class HotlistEntry(models.Model):
    """One plate on a hotlist. `canonical` is the plate's OCR-confusion key, stored and indexed because matching
    at ingest looks entries up by it. An entry past `expires_at` stops matching at once (a query condition)."""

    hotlist = models.ForeignKey(Hotlist, on_delete=models.CASCADE, related_name="entries")
    plate = models.CharField(max_length=10)
    canonical = models.CharField(max_length=10, editable=False)
    plate_state = models.CharField(max_length=2, blank=True)
    ncic_code = models.CharField("NCIC list code", max_length=1, blank=True)
    reason = models.CharField(max_length=32, choices=Category.choices)
    case_number = models.CharField(max_length=64, blank=True)
    description = models.CharField(max_length=500, blank=True)
    listed_on = models.DateField(null=True, blank=True, help_text="Date of loss or of the incident.")
    source_ref = models.CharField(
        max_length=64, blank=True, help_text="Reference in the source file (county code, NCIC record and ORI)."
    )
    vehicle_year = models.PositiveSmallIntegerField(null=True, blank=True)
    vehicle_make = models.CharField(max_length=40, blank=True)
    vehicle_model = models.CharField(max_length=40, blank=True)
    vehicle_color = models.CharField(max_length=24, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)

    objects = HotlistEntryQuerySet.as_manager()

    class Meta:
        ordering = ["hotlist", "plate"]
        verbose_name_plural = "hotlist entries"
        constraints = [
            # One entry per plate and state on a list: what a replacing import diffs on.
            models.UniqueConstraint(fields=["hotlist", "plate", "plate_state"], name="hotlist_entry_unique_plate"),
        ]
        indexes = [
            models.Index(fields=["plate"], name="hotlist_entry_plate"),
            models.Index(fields=["canonical"], name="hotlist_entry_canonical"),
        ]

    def __str__(self) -> str:
        return f"{self.plate} {self.plate_state} on {self.hotlist.name}"


class HotlistImport(models.Model):
    """One import of a file into a hotlist, recorded whatever its outcome, refused files included."""

    hotlist = models.ForeignKey(Hotlist, on_delete=models.CASCADE, related_name="imports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    channel = models.CharField(max_length=16, default="api", help_text="api, admin, command or drop_folder.")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    file_format = models.CharField(max_length=8, choices=ImportFormat.choices)
    replace = models.BooleanField(help_text="The file replaced the whole list (a state extract) or added to it.")
    header_date = models.DateTimeField(null=True, blank=True, help_text="Extract date from a CLEW header.")
    records_read = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    historical_alerts = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=16, choices=ImportOutcome.choices)
    errors = models.JSONField(default=list, blank=True, help_text="[{line, reason}] for a refused file.")
    error_count = models.PositiveIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(default=0)
    # Progress of a background import, written by the worker in their own short transactions.
    stage = models.CharField(max_length=16, choices=ImportStage.choices, default=ImportStage.DONE)
    total_lines = models.PositiveIntegerField(default=0, help_text="Lines in the file.")
    progress = models.PositiveIntegerField(default=0, help_text="Lines read, or entries loaded, so far in the stage.")
    progress_at = models.DateTimeField(null=True, blank=True, help_text="When the worker last reported progress.")
    stored_file = models.CharField(
        max_length=255, blank=True, help_text="Storage path of the uploaded file until a worker has imported it."
    )

    objects = HotlistImportQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.file_name} into {self.hotlist.name}: {self.outcome}"


class Alert(models.Model):
    """A hotlist hit. Keeps a snapshot of the read and of the entry, so that it stays readable after the read is
    purged, the entry removed, and by an agency that may not search the read's owner's data. Repeated reads of the
    same plate by the same camera group into one alert (`read_count`, `last_seen_at`)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="alerts", help_text="The hotlist's.")
    hotlist = models.ForeignKey(Hotlist, on_delete=models.SET_NULL, null=True, related_name="alerts")
    entry = models.ForeignKey(HotlistEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts")
    # Read snapshot (reads live in a partitioned table without foreign keys into it).
    read_id = models.BigIntegerField()
    read_captured_at = models.DateTimeField()
    owner_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    camera_id = models.BigIntegerField(null=True, blank=True)
    camera_name = models.CharField(max_length=120, blank=True)
    plate = models.CharField(max_length=10)
    plate_state = models.CharField(max_length=2, blank=True)
    image = models.CharField(max_length=255, blank=True)
    # Entry snapshot.
    list_name = models.CharField(max_length=120)
    entry_plate = models.CharField(max_length=10)
    entry_plate_state = models.CharField(max_length=2, blank=True)
    reason = models.CharField(max_length=32, choices=Category.choices)
    case_number = models.CharField(max_length=64, blank=True)
    ncic_code = models.CharField(max_length=1, blank=True)
    entry_description = models.CharField(max_length=500, blank=True)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    alert_level = models.CharField(max_length=16, choices=AlertLevel.choices, default=AlertLevel.STANDARD)
    # The match.
    match_kind = models.CharField(max_length=12, choices=MatchKind.choices)
    distance = models.PositiveSmallIntegerField(
        default=0, help_text="Exact 0; OCR-confusion key: characters that differ; candidate: its rank in the OCR list."
    )
    historical = models.BooleanField(default=False, help_text="Found when the entry was added, on an earlier read.")
    read_count = models.PositiveIntegerField(default=1)
    last_seen_at = models.DateTimeField()
    last_read_id = models.BigIntegerField()
    # Workflow.
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.NEW)
    plate_verified = models.BooleanField(default=False, help_text="An officer compared the plate with the image.")
    database_checked = models.BooleanField(default=False, help_text="The hit was rechecked in CLETS/NCIC.")
    disposition_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # The writing transaction's id, set by a database trigger (migration 0001): the live feed's cursor orders by it
    # so that an alert committed late by a slower transaction is never skipped (see selectors.alert_feed).
    txid = models.BigIntegerField(null=True, editable=False)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("transition_alert", "Can work alerts (acknowledge, confirm, clear)")]
        indexes = [
            models.Index(fields=["agency", "txid", "id"], name="alert_feed"),
            models.Index(fields=["agency", "status", "created_at"], name="alert_agency_status"),
            models.Index(fields=["entry", "camera_id", "last_seen_at"], name="alert_grouping"),
            # A peer's later, better reading of a pass is matched again only if the pass has no alert yet.
            models.Index(fields=["read_id"], name="alert_read"),
        ]

    def __str__(self) -> str:
        return f"{self.plate} on {self.list_name} ({self.get_status_display()})"


class AlertHoldItem(models.Model):
    """An alert kept under an evidence hold (reads.EvidenceHold): it and its image outlive the alert retention until
    the hold is released. Placed by hotlists.services.alert_hold_place."""

    hold = models.ForeignKey("reads.EvidenceHold", on_delete=models.CASCADE, related_name="alert_items")
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="hold_items")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hold", "alert"], name="alert_hold_item_unique_alert")]

    def __str__(self) -> str:
        return f"alert {self.alert_id} in {self.hold}"


class PurgedAlertCount(models.Model):
    """How many of an agency's alerts raised on one local day the retention purge has removed, so that the
    transparency figures (hotlist hits) keep counting them. A count per day, nothing identifying."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", help_text="The hotlist's.")
    day = models.DateField()
    alerts = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="hotlists_purgedalertcount_agency_day")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}: {self.alerts} alerts purged"


class AlertEvent(models.Model):
    """One step of an alert's disposition: who moved it from what to what, when, and why."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=16, choices=AlertStatus.choices)
    to_status = models.CharField(max_length=16, choices=AlertStatus.choices)
    note = models.CharField(max_length=500, blank=True)
    plate_verified = models.BooleanField(default=False)
    database_checked = models.BooleanField(default=False)

    objects = AlertEventQuerySet.as_manager()

    class Meta:
        ordering = ["alert", "at", "id"]

    def __str__(self) -> str:
        return f"{self.alert_id}: {self.from_status} -> {self.to_status} by {self.actor}"


class NotificationSubscription(models.Model):
    """Where an agency's alerts are sent: a webhook signed with this subscription's secret, or an e-mail address."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="notification_subscriptions")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=SubscriptionKind.choices)
    url = models.URLField(blank=True)
    email = models.EmailField(blank=True)
    secret = models.CharField(max_length=64, blank=True, help_text="Standard Webhooks signing secret (whsec_...).")
    min_priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    include_historical = models.BooleanField(default=False, help_text="Also notify hits on earlier reads.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OwnAgencyQuerySet.as_manager()

    class Meta:
        ordering = ["agency__name", "name"]
        constraints = [
            models.CheckConstraint(
                name="subscription_has_destination",
                condition=(models.Q(kind="webhook") & ~models.Q(url=""))
                | (models.Q(kind="email") & ~models.Q(email="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()}, {self.agency})"


class NotificationOutbox(models.Model):
    """A notification waiting to leave. Written in the transaction that creates the alert, so that a broker outage
    delays it but cannot lose it: the dispatcher job delivers whatever is still pending."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications")
    subscription = models.ForeignKey(NotificationSubscription, on_delete=models.CASCADE, related_name="outbox")
    payload = models.JSONField()
    status = models.CharField(max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = OwnAgencyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "notification (outbox)"
        verbose_name_plural = "notification outbox"
        indexes = [
            models.Index(
                fields=["next_attempt_at"], name="outbox_pending", condition=models.Q(status=OutboxStatus.PENDING)
            ),
        ]

    def __str__(self) -> str:
        return f"alert {self.alert_id} -> {self.subscription} ({self.status})"

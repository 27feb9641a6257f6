"""Cameras, plate reads, the access log, evidence holds and retention purge runs."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.gis.db import models as gis
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from agencies.models import Agency

from .choices import (
    AccessAction,
    CameraKind,
    CameraPeer,
    CameraPlacement,
    Channel,
    DateOrder,
    Direction,
    PlateKind,
    Purpose,
    ReadSource,
)
from .querysets import (
    AccessLogQuerySet,
    CameraQuerySet,
    EvidenceHoldQuerySet,
    PartnerSearchQuerySet,
    PurgeRunQuerySet,
    ReadQuerySet,
)

CAMERA_NEEDS_PUBLIC_COMMENT = (
    "A public agency's camera cannot be activated before the governing body's public comment meeting on ALPR is "
    "recorded on the agency (Civil Code §1798.90.55(a))."
)
CAMERA_FIXED_NEEDS_LOCATION = "A fixed camera needs a location."
CAMERA_PEER_NEEDS_EXTERNAL_ID = "A camera fed by {peer} needs the identifier {peer} uses for it (external_id)."
CAMERA_TIME_ZONE_UNKNOWN = "Unknown time zone {value!r}; use an IANA name such as America/Los_Angeles."
CAMERA_RESIDENTIAL_NEEDS_END = (
    "A camera is never placed permanently in a residential neighbourhood: give the date its temporary placement ends."
)
CAMERA_RESIDENTIAL_NEEDS_TREND = (
    "A camera is placed in a residential neighbourhood only to answer a specific crime trend: describe it."
)
CAMERA_PLACEMENT_END_WITHOUT_RESIDENTIAL = (
    "Only a residential placement is temporary: clear the end date, or choose the residential placement."
)


class Camera(models.Model):
    """An ALPR camera. Its location is confidential: shown only to users of agencies that may search its reads."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="cameras")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=CameraKind.choices, default=CameraKind.FIXED)
    location = gis.PointField(geography=True, null=True, blank=True, help_text="Confidential.")
    heading = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(359)], help_text="Degrees from north the camera faces."
    )
    is_active = models.BooleanField(default=False)
    expected_interval_s = models.PositiveIntegerField(
        default=300, help_text="A camera silent for longer than this shows as offline."
    )
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    agent_uid = models.CharField(
        max_length=64, blank=True, help_text="OpenALPR agent uid, to map the agent's webhooks to this camera."
    )
    agent_camera_id = models.BigIntegerField(null=True, blank=True, help_text="The agent's camera number.")
    peer = models.CharField(
        max_length=16,
        choices=CameraPeer.choices,
        default=CameraPeer.NATIVE,
        help_text="What sends this camera's reads.",
    )
    external_id = models.CharField(
        max_length=128,
        blank=True,
        help_text=(
            "The identifier the peer uses for this camera: Frigate's camera name, Plate Recognizer's camera_id, the "
            "Axis serial number, Hikvision's device:channel (MAC address, IP address or channel name), the Genetec "
            "camera name, the OpenALPR agent_uid:camera_id. Unique per agency and peer."
        ),
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        help_text="IANA time zone of the peer's times that carry no offset (a time that cannot be placed is refused).",
    )
    date_order = models.CharField(
        max_length=3, choices=DateOrder.choices, blank=True, help_text="Order of the peer's slash-written dates."
    )
    placement = models.CharField(
        max_length=16,
        choices=CameraPlacement.choices,
        blank=True,
        help_text="Where the camera stands. Residential placements are temporary only.",
    )
    placement_ends_on = models.DateField(
        "temporary placement ends on", null=True, blank=True, help_text="Required for a residential placement."
    )
    crime_trend = models.CharField(
        "crime trend it answers",
        max_length=300,
        blank=True,
        help_text="Required for a residential placement, e.g. 'catalytic converter thefts on Oak Street, May'.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CameraQuerySet.as_manager()

    class Meta:
        ordering = ["agency__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="camera_unique_name_per_agency"),
            models.UniqueConstraint(
                fields=["agent_uid", "agent_camera_id"],
                name="camera_unique_agent_stream",
                condition=~models.Q(agent_uid=""),
            ),
            models.UniqueConstraint(
                fields=["agency", "peer", "external_id"],
                name="camera_unique_external_id_per_agency_peer",
                condition=~models.Q(external_id=""),
            ),
            # The residential rule also holds for writes that skip clean() (a bulk update, the shell).
            models.CheckConstraint(
                name="camera_residential_is_temporary",
                condition=~models.Q(placement=CameraPlacement.RESIDENTIAL)
                | (models.Q(placement_ends_on__isnull=False) & ~models.Q(crime_trend="")),
                violation_error_message=CAMERA_RESIDENTIAL_NEEDS_END,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"

    def clean(self) -> None:
        public = self.agency_id and self.agency.is_public_agency
        if self.is_active and public and not self.agency.public_comment_recorded:
            raise ValidationError({"is_active": CAMERA_NEEDS_PUBLIC_COMMENT})
        if self.kind == CameraKind.FIXED and self.location is None:
            raise ValidationError({"location": CAMERA_FIXED_NEEDS_LOCATION})
        self.external_id = (self.external_id or "").strip()
        # OpenALPR cameras may be mapped by agent_uid and agent_camera_id instead.
        if self.peer not in (CameraPeer.NATIVE, CameraPeer.OPENALPR) and not self.external_id:
            raise ValidationError(
                {"external_id": CAMERA_PEER_NEEDS_EXTERNAL_ID.format(peer=CameraPeer(self.peer).label)}
            )
        if self.time_zone:
            try:
                ZoneInfo(self.time_zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValidationError({"time_zone": CAMERA_TIME_ZONE_UNKNOWN.format(value=self.time_zone)}) from None
        errors = {}
        if self.placement == CameraPlacement.RESIDENTIAL:
            if self.placement_ends_on is None:
                errors["placement_ends_on"] = CAMERA_RESIDENTIAL_NEEDS_END
            if not (self.crime_trend or "").strip():
                errors["crime_trend"] = CAMERA_RESIDENTIAL_NEEDS_TREND
        elif self.placement_ends_on is not None:
            errors["placement_ends_on"] = CAMERA_PLACEMENT_END_WITHOUT_RESIDENTIAL
        if errors:
            raise ValidationError(errors)

    @property
    def is_temporarily_placed(self) -> bool:
        return self.placement == CameraPlacement.RESIDENTIAL

    @property
    def is_online(self) -> bool:
        if self.last_heartbeat_at is None:
            return False
        return (timezone.now() - self.last_heartbeat_at).total_seconds() <= self.expected_interval_s


class CameraMove(models.Model):
    """A camera's position over time: a camera moved for a crime trend and moved back keeps both stays."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="moves")
    location = gis.PointField(geography=True, null=True, blank=True)
    heading = models.PositiveSmallIntegerField(null=True, blank=True)
    moved_at = models.DateTimeField(default=timezone.now)
    moved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["camera", "-moved_at"]

    def __str__(self) -> str:
        return f"{self.camera} moved {self.moved_at:%Y-%m-%d}"


class CameraPlacementNotice(models.Model):
    """A reminder to the agency's records clerks that a camera's temporary (residential) placement has ended: it
    must be moved back, or its placement renewed for a crime trend that still holds. Written once per camera and
    end date by the daily task reads.tasks.camera_placement_reminders; a clerk marks it done in admin."""

    camera = models.ForeignKey(Camera, on_delete=models.CASCADE, related_name="placement_notices")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    placement_ended_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["resolved_at", "-placement_ended_on"]
        verbose_name = "camera placement reminder"
        constraints = [
            models.UniqueConstraint(fields=["camera", "placement_ended_on"], name="placement_notice_once_per_end"),
        ]

    def __str__(self) -> str:
        return f"{self.camera}: temporary placement ended {self.placement_ended_on:%Y-%m-%d}"


class Read(models.Model):
    """One plate read. Stored in `reads_read`, a table partitioned by day on captured_at (see migration 0002):
    the primary key is (id, captured_at, owner_agency_id), so the owner agency is in every key. Django sees `id`
    as the key; other tables refer to reads by id without a foreign key, since a constraint would stop the purge
    from dropping partitions."""

    id = models.BigAutoField(primary_key=True)
    owner_agency = models.ForeignKey(Agency, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    # No database constraint: ingest checks the camera, cameras are deactivated rather than deleted, and a
    # constraint would cost every insert and stop test databases from being flushed.
    camera = models.ForeignKey(
        Camera, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    captured_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    plate = models.CharField(max_length=10)
    plate_state = models.CharField(max_length=2, blank=True)
    plate_kind = models.CharField(max_length=8, choices=PlateKind.choices, default=PlateKind.FULL)
    confidence = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(1)])
    candidates = models.JSONField(default=list, blank=True, help_text="OCR alternatives: [{plate, confidence}].")
    vehicle_make = models.CharField(max_length=40, blank=True)
    vehicle_model = models.CharField(max_length=40, blank=True)
    vehicle_type = models.CharField(max_length=24, blank=True)
    vehicle_color = models.CharField(max_length=24, blank=True)
    direction = models.CharField(max_length=12, choices=Direction.choices, blank=True)
    heading = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Travel direction, degrees.")
    location = gis.PointField(geography=True, null=True, blank=True)
    own_location = models.BooleanField(
        default=False, help_text="The read carried its own point (mobile camera); else the camera's position then."
    )
    image = models.CharField(max_length=255, blank=True, help_text="Storage path of the rear image.")
    plate_crop = models.CharField(max_length=255, blank=True, help_text="Storage path of the plate crop.")
    source = models.CharField(max_length=16, choices=ReadSource.choices)
    source_id = models.CharField(max_length=128)
    recognition_job_id = models.BigIntegerField(null=True, blank=True)

    objects = ReadQuerySet.as_manager()

    class Meta:
        managed = False  # partitioned table, created and indexed by migration 0002
        db_table = "reads_read"
        ordering = ["-captured_at"]
        permissions = [
            ("search_read", "Can search plate reads"),
            ("view_read_image", "Can view read images"),
            ("export_read", "Can export read search results"),
        ]

    def __str__(self) -> str:
        return f"{self.plate} at {self.captured_at:%Y-%m-%d %H:%M}"


class Plate(models.Model):
    """Every distinct plate text seen, with its OCR-confusion key. An index, not data anyone reads directly:
    wildcard search runs its trigram match here (a few hundred thousand rows) instead of on every read."""

    plate = models.CharField(max_length=10, primary_key=True)
    canonical = models.CharField(max_length=10)

    class Meta:
        # Only equality on the key (no LIKE index on it: one index less to maintain at ingest).
        indexes = [
            GinIndex(name="reads_plate_trgm", fields=["plate"], opclasses=["gin_trgm_ops"]),
            models.Index(name="reads_plate_canonical", fields=["canonical"]),
        ]

    def __str__(self) -> str:
        return self.plate


class AccessLogEntry(models.Model):
    """One access of ALPR information (Civil Code §1798.90.52). Append-only: a database trigger refuses UPDATE and
    DELETE. Each row carries an HMAC-SHA-256, under a key the database does not hold, over its content and the
    previous row's MAC, so a change made with the trigger disabled still shows, even when the chain after it is
    recomputed (manage.py audit_verify; reads.access_log)."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    username = models.CharField(max_length=150)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="access_log", help_text="Acted for.")
    agencies_searched = models.JSONField(default=list, help_text="Ids of the agencies whose data was reached.")
    action = models.CharField(max_length=16, choices=AccessAction.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    purpose_detail = models.CharField(max_length=500, blank=True)
    case_number = models.CharField(max_length=64)
    query = models.JSONField(default=dict, help_text="The data elements used to query.")
    result_count = models.PositiveIntegerField(default=0)
    oldest_result_at = models.DateTimeField(null=True, blank=True)
    client_address = models.GenericIPAddressField(null=True, blank=True)
    on_behalf_of = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The other agency the access was made for; empty: the searcher's own agency.",
    )
    on_behalf_of_ori = models.CharField("on behalf of (ORI)", max_length=9, blank=True)
    attested = models.BooleanField(
        default=False,
        help_text="The searcher confirmed the search is not for immigration enforcement nor for an agency that may "
        "not receive the data (asked when a search reaches other agencies' data).",
    )
    prev_hash = models.CharField(max_length=64, editable=False)
    row_hash = models.CharField(max_length=64, editable=False, unique=True)
    key_id = models.CharField(max_length=32, editable=False, help_text="The MAC key row_hash was computed under.")

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "access log entry"
        verbose_name_plural = "access log"
        indexes = [
            models.Index(fields=["agency", "at"], name="accesslog_agency_at"),
            # Owner-side audit: the rows whose agencies_searched contains an agency (@>).
            GinIndex(fields=["agencies_searched"], name="accesslog_agencies_searched", opclasses=["jsonb_path_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} ({self.purpose})"


class AccessLogCheckpoint(models.Model):
    """A signed statement of the access log's state: its head (last row's MAC), row count and last row id at a
    time, MACed under the log's key. Written daily and on demand (reads.access_log.access_log_checkpoint_write),
    published on the transparency portal and in every published report, so that copies the database cannot
    change show rows cut off the end of the log. Append-only, like the log (database trigger)."""

    at = models.DateTimeField(default=timezone.now)
    row_count = models.BigIntegerField()
    last_entry_id = models.BigIntegerField(help_text="0 when the log was empty.")
    head_hash = models.CharField(max_length=64)
    key_id = models.CharField(max_length=32)
    mac = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "access log checkpoint"

    def __str__(self) -> str:
        return f"Checkpoint {self.at:%Y-%m-%d %H:%M}: {self.row_count} rows"


class PartnerSearch(AccessLogEntry):
    """The access log as an owner agency's auditors see it: every access by a partner agency's people that
    reached the owner's data, with the person's name. A view of AccessLogEntry, not a table."""

    objects = PartnerSearchQuerySet.as_manager()

    class Meta:
        proxy = True
        ordering = ["-at", "-id"]
        verbose_name = "partner search of our data"
        verbose_name_plural = "partner searches of our data"


class EvidenceHold(models.Model):
    """Reads kept past retention for a case until the hold is released."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="evidence_holds")
    case_number = models.CharField(max_length=64)
    reason = models.CharField(max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    release_reason = models.CharField(max_length=500, blank=True)

    objects = EvidenceHoldQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("release_evidencehold", "Can release evidence holds")]

    def __str__(self) -> str:
        return f"Hold {self.case_number} ({self.agency})"

    @property
    def is_active(self) -> bool:
        return self.released_at is None


class EvidenceHoldItem(models.Model):
    """One read under a hold. Refers to the read by (id, captured_at): no foreign key into the partitioned table."""

    hold = models.ForeignKey(EvidenceHold, on_delete=models.CASCADE, related_name="items")
    read_id = models.BigIntegerField()
    captured_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hold", "read_id"], name="hold_item_unique_read")]
        indexes = [models.Index(fields=["read_id"], name="hold_item_read")]

    def __str__(self) -> str:
        return f"read {self.read_id} in {self.hold}"


class PurgeRun(models.Model):
    """One run of the retention purge: what it removed, per agency, and how long it took."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    removed_total = models.BigIntegerField(default=0)
    removed_by_agency = models.JSONField(default=dict, help_text="{agency id: reads removed}")
    partitions_dropped = models.JSONField(default=list)
    kept_for_holds = models.BigIntegerField(default=0)
    files_removed = models.BigIntegerField(default=0, help_text="Images, plate crops and uploads removed.")
    alerts_removed = models.BigIntegerField(default=0)
    uploads_removed = models.BigIntegerField(default=0, help_text="Uploaded photos none of whose reads remain.")
    plates_removed = models.BigIntegerField(default=0, help_text="Plate-index entries no read names any more.")
    timings_ms = models.JSONField(
        default=dict, help_text="Milliseconds per phase: rows, files, plates, and each app's (hotlists, recognition)."
    )

    objects = PurgeRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Purge {self.started_at:%Y-%m-%d %H:%M}: {self.removed_total} removed"


class PurgedReadCount(models.Model):
    """How many of an agency's reads captured on one local day (settings.TIME_ZONE) retention purges have removed.

    Written only by the purge (reads.services.read_purge_expired), in the transaction that removes those reads, so
    that figures counting reads by day (the transparency portal, published reports) stay whole after retention:
    reads captured that day = reads still stored + this count. Nothing identifying is kept: a count per day.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", help_text="Owner of the reads.")
    day = models.DateField()
    reads = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "day"], name="reads_purgedreadcount_agency_day")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}: {self.reads} purged"


# --- Periodic search audits (California State Auditor report 2019-118) ------------------------------------------

SEARCH_AUDIT_DEFAULT_SAMPLE_SIZE = 25


class SearchAuditQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An audit is seen only by its own agency's auditors and agency admins."""
        from agencies.access import alpr_access_refusal, membership_of  # appended section: imports kept local
        from agencies.choices import Role

        if alpr_access_refusal(user) is not None:
            return self.none()
        membership = membership_of(user)
        if membership.role not in (Role.AUDITOR, Role.AGENCY_ADMIN):
            return self.none()
        return self.filter(agency_id=membership.agency_id)

    def closed(self):
        return self.filter(closed_at__isnull=False)


class SearchAudit(models.Model):
    """A periodic audit of an agency's searches: a reproducible random sample of the search, export and timeline
    rows of its access log in a period, each reviewed by an auditor. Opened, reviewed and closed only through
    reads.audits; a closed audit's figures feed the transparency portal."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="search_audits")
    period_start = models.DateField(help_text="First day audited.")
    period_end = models.DateField(help_text="Last day audited (inclusive).")
    sample_size = models.PositiveIntegerField(
        default=SEARCH_AUDIT_DEFAULT_SAMPLE_SIZE, help_text="How many searches to draw (fewer if the period has fewer)."
    )
    risk_sample_size = models.PositiveIntegerField(
        default=SEARCH_AUDIT_DEFAULT_SAMPLE_SIZE,
        help_text="How many searches to add, beyond the random draw, that the risk rules pick (reads.audit_risk): "
        "purpose 'other', on behalf of another agency, many searches by one person in a day, one plate searched by "
        "many agencies, outside the person's usual hours. 0: none.",
    )
    seed = models.BigIntegerField(editable=False, help_text="Seed of the random draw, so the sample can be redrawn.")
    population_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Searches in the period the sample was drawn from."
    )
    population_last_entry_id = models.BigIntegerField(
        default=0, editable=False, help_text="Last access-log row at opening: later rows are not in the population."
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    findings = models.TextField(blank=True, help_text="The auditor's conclusions, written at closing.")

    objects = SearchAuditQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="search_audit_period_order", condition=models.Q(period_end__gte=models.F("period_start"))
            ),
            models.CheckConstraint(name="search_audit_sample_size_positive", condition=models.Q(sample_size__gte=1)),
        ]

    def __str__(self) -> str:
        return f"Search audit {self.period_start:%Y-%m-%d} to {self.period_end:%Y-%m-%d} ({self.agency})"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class SearchAuditFinding(models.TextChoices):
    COMPLIANT = "compliant", "Compliant"
    NON_COMPLIANT = "non_compliant", "Not compliant"


class SearchAuditSample(models.Model):
    """One access-log row drawn for an audit, and the auditor's finding on it (blank until reviewed)."""

    audit = models.ForeignKey(SearchAudit, on_delete=models.CASCADE, related_name="samples")
    position = models.PositiveIntegerField(help_text="Order in the draw.")
    access_log_entry = models.ForeignKey(AccessLogEntry, on_delete=models.PROTECT, related_name="+")
    reasons = models.JSONField(
        default=list, help_text="Why it was chosen: 'random', or the risk rules that picked it (reads.audit_risk)."
    )
    finding = models.CharField(max_length=16, choices=SearchAuditFinding.choices, blank=True)
    note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["audit", "position"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "access_log_entry"], name="search_audit_sample_unique_entry"),
            models.UniqueConstraint(fields=["audit", "position"], name="search_audit_sample_unique_position"),
        ]

    def __str__(self) -> str:
        return f"Sample {self.position} of {self.audit}"

    @property
    def reasons_display(self) -> str:
        from .audit_risk import RiskReason

        labels = dict(RiskReason.choices)
        return "; ".join(labels.get(reason, reason) for reason in self.reasons)

    @property
    def is_reviewed(self) -> bool:
        return bool(self.finding)


# --- Frigate over MQTT -------------------------------------------------------------------------------------------

FRIGATE_BROKER_URL_SCHEME = "Use mqtt://host:port, or mqtts://host:port for TLS."


class FrigateBroker(models.Model):
    """An MQTT broker a private entity's (or an agency's) Frigate publishes to, which `manage.py frigate_subscriber`
    subscribes to for the agency. The session is persistent (clean session off, a fixed client id, QoS 1), so the
    broker keeps what it received while the subscriber was away and hands it over when it reconnects."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="frigate_brokers")
    name = models.CharField(max_length=120)
    url = models.CharField(max_length=255, help_text="mqtt://host:1883 or mqtts://host:8883 (TLS).")
    username = models.CharField(max_length=150, blank=True)
    password = models.CharField(max_length=255, blank=True)
    tls = models.BooleanField(default=False, help_text="Connect with TLS (implied by mqtts://).")
    ca_certificate = models.TextField(
        blank=True,
        help_text="PEM of the certificate authority that signed the broker's certificate (else the system's).",
    )
    topic_prefix = models.CharField(max_length=120, default="frigate", help_text="Frigate's mqtt.topic_prefix.")
    client_id = models.CharField(
        max_length=64,
        blank=True,
        help_text="Fixed MQTT client id of the persistent session (default alpr-records-<agency slug>-<id>).",
    )
    mqtt_version = models.CharField(
        max_length=5,
        choices=[("3.1.1", "MQTT 3.1.1"), ("5", "MQTT 5")],
        default="3.1.1",
        help_text="MQTT 5 lets the subscriber take up to 1,000 unacknowledged messages at a time (3.1.1: the broker's "
        "max_inflight_messages, 20 by default in Mosquitto), so that it stores them in larger batches.",
    )
    camera_map = models.JSONField(
        default=dict,
        blank=True,
        help_text="Frigate camera name -> the external_id of one of the agency's Frigate cameras, where they differ "
        '(e.g. {"driveway": "hoa-gate-1"}). Names not listed are looked up as they are.',
    )
    is_active = models.BooleanField(default=True)
    last_connected_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_message_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.CharField(max_length=500, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agency__name", "name"]
        constraints = [models.UniqueConstraint(fields=["agency", "name"], name="frigatebroker_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"

    def clean(self) -> None:
        if not self.url.startswith(("mqtt://", "mqtts://")):
            raise ValidationError({"url": FRIGATE_BROKER_URL_SCHEME})
        if not isinstance(self.camera_map, dict):
            raise ValidationError({"camera_map": "A JSON object of Frigate camera name -> external_id."})

    @property
    def session_client_id(self) -> str:
        return self.client_id or f"alpr-records-{self.agency.slug}-{self.pk}"[:64]

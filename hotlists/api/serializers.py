from rest_framework import serializers

from ..choices import AlertStatus, ImportFormat
from ..models import Alert, AlertEvent, Hotlist, HotlistEntry, HotlistImport


class HotlistSerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = Hotlist
        fields = [
            "id",
            "agency",
            "agency_name",
            "name",
            "source",
            "category",
            "priority",
            "alert_level",
            "match_strategy",
            "is_active",
            "default_entry_lifetime",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class HotlistEntrySerializer(serializers.ModelSerializer):
    entered_by = serializers.CharField(source="entered_by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = HotlistEntry
        fields = [
            "id",
            "hotlist",
            "plate",
            "plate_state",
            "ncic_code",
            "reason",
            "case_number",
            "description",
            "listed_on",
            "vehicle_year",
            "vehicle_make",
            "vehicle_model",
            "vehicle_color",
            "entered_by",
            "entered_at",
            "expires_at",
        ]
        read_only_fields = fields


class HotlistEntryCreateSerializer(serializers.Serializer):
    """Input of a manual entry; the service validates the plate, the state and the reason."""

    hotlist = serializers.PrimaryKeyRelatedField(queryset=Hotlist.objects.none())
    plate = serializers.CharField(max_length=20)
    plate_state = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    case_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    vehicle_year = serializers.IntegerField(min_value=1900, max_value=2100, required=False, allow_null=True)
    vehicle_make = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    vehicle_model = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    vehicle_color = serializers.CharField(max_length=24, required=False, allow_blank=True, default="")

    def __init__(self, *args, hotlists=None, **kwargs):
        super().__init__(*args, **kwargs)
        if hotlists is not None:
            self.fields["hotlist"].queryset = hotlists


class HotlistImportSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = HotlistImport
        fields = [
            "id",
            "hotlist",
            "user",
            "channel",
            "started_at",
            "finished_at",
            "file_name",
            "sha256",
            "file_format",
            "replace",
            "header_date",
            "records_read",
            "added",
            "updated",
            "removed",
            "unchanged",
            "duplicates",
            "historical_alerts",
            "outcome",
            "stage",
            "total_lines",
            "progress",
            "progress_at",
            "errors",
            "error_count",
            "duration_ms",
        ]
        read_only_fields = fields


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField()
    format = serializers.ChoiceField(choices=ImportFormat.choices)
    replace = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Default: true for CLEW and NCIC, false for CSV."
    )


class AlertEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True)

    class Meta:
        model = AlertEvent
        fields = ["id", "actor", "at", "from_status", "to_status", "note", "plate_verified", "database_checked"]
        read_only_fields = fields


_ALERT_FIELDS = [
    "id",
    "agency",
    "hotlist",
    "entry",
    "status",
    "priority",
    "alert_level",
    "match_kind",
    "distance",
    "historical",
    "read_id",
    "read_captured_at",
    "owner_agency",
    "camera_id",
    "camera_name",
    "plate",
    "plate_state",
    "image",
    "list_name",
    "entry_plate",
    "entry_plate_state",
    "reason",
    "case_number",
    "ncic_code",
    "entry_description",
    "read_count",
    "last_seen_at",
    "last_read_id",
    "plate_verified",
    "database_checked",
    "disposition_note",
    "created_at",
    "updated_at",
]


class AlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alert
        fields = _ALERT_FIELDS
        read_only_fields = fields


class AlertDetailSerializer(serializers.ModelSerializer):
    events = AlertEventSerializer(many=True, read_only=True)

    class Meta:
        model = Alert
        fields = [*_ALERT_FIELDS, "events"]
        read_only_fields = fields


class AlertTransitionSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=AlertStatus.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    plate_verified = serializers.BooleanField(
        required=False, default=False, help_text="The plate was compared with the read's image."
    )
    database_checked = serializers.BooleanField(
        required=False, default=False, help_text="The hit was rechecked in CLETS or NCIC."
    )


class AlertFeedSerializer(serializers.Serializer):
    alerts = AlertSerializer(many=True)
    cursor = serializers.CharField()


class AlertHoldSerializer(serializers.Serializer):
    case_number = serializers.CharField(max_length=64)
    reason = serializers.CharField(max_length=500)

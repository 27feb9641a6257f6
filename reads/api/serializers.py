from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.fields import FloatField

from ..choices import STATED_PURPOSES, CameraKind, CameraPeer, CameraPlacement, DateOrder, OnBehalfOf
from ..models import AccessLogEntry, Camera, EvidenceHold, PurgeRun, Read
from ..purpose import ATTESTATION_TEXT, PURPOSE_UNKNOWN, PurposeStatement, purpose_validate
from ..search import Near, SearchCriteria

SEARCH_PAGE_MAX = 10_000
CAMERA_LATLON_PAIR = "Give both latitude and longitude, or neither."


class PurposeSerializer(serializers.Serializer):
    """Purpose and case number: asked of every search, image view and export. Checked by reads.purpose."""

    purpose = serializers.ChoiceField(
        choices=STATED_PURPOSES,
        required=False,
        allow_blank=True,
        error_messages={"invalid_choice": PURPOSE_UNKNOWN},  # names the valid ones
    )
    purpose_detail = serializers.CharField(required=False, allow_blank=True, max_length=500)
    case_number = serializers.CharField(required=False, allow_blank=True, max_length=64)
    on_behalf_of = serializers.ChoiceField(
        choices=OnBehalfOf.choices,
        required=False,
        allow_blank=True,
        help_text="For whom the search is made. Default: your own agency; naming an agency implies 'other'.",
    )
    on_behalf_of_ori = serializers.CharField(
        required=False, allow_blank=True, max_length=9, help_text="The ORI of the agency the search is made for."
    )
    on_behalf_of_agency = serializers.IntegerField(
        required=False, allow_null=True, help_text="Or the id of the agency the search is made for."
    )
    attestation = serializers.BooleanField(
        required=False,
        default=False,
        help_text=f"Required when the search reaches other agencies' data: {ATTESTATION_TEXT}",
    )

    def to_statement(self, *, user) -> PurposeStatement:
        """The validated statement (reads.purpose: the rule both channels use). Raises django's ValidationError."""
        data = self.validated_data
        return purpose_validate(
            purpose=data.get("purpose"),
            case_number=data.get("case_number"),
            detail=data.get("purpose_detail"),
            user=user,
            on_behalf_of=data.get("on_behalf_of"),
            on_behalf_of_ori=data.get("on_behalf_of_ori"),
            on_behalf_of_agency=data.get("on_behalf_of_agency"),
            attested=data.get("attestation", False),
        )


class NearSerializer(serializers.Serializer):
    latitude = FloatField(min_value=-90, max_value=90)
    longitude = FloatField(min_value=-180, max_value=180)
    radius_m = FloatField(min_value=1)


class SearchRequestSerializer(PurposeSerializer):
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    plate = serializers.CharField(required=False, allow_blank=True, max_length=20)
    fuzzy = serializers.BooleanField(required=False, default=False, help_text="OCR-confusion-tolerant plate match.")
    plate_state = serializers.CharField(required=False, allow_blank=True, max_length=2)
    plate_kind = serializers.CharField(
        required=False, allow_blank=True, max_length=8, help_text="full, partial, paper or none."
    )
    vehicle_make = serializers.CharField(required=False, allow_blank=True, max_length=40)
    vehicle_model = serializers.CharField(required=False, allow_blank=True, max_length=40)
    vehicle_type = serializers.CharField(required=False, allow_blank=True, max_length=24)
    vehicle_color = serializers.CharField(required=False, allow_blank=True, max_length=24)
    cameras = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=500)
    group_by = serializers.ChoiceField(
        choices=["", "vehicle"],
        required=False,
        default="",
        help_text="`vehicle`: a row per plate (count, first and last seen); unplated reads by description and camera.",
    )
    agencies = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=100)
    near = NearSerializer(required=False)
    # Bounded so that the offset stays a number PostgreSQL takes (page 10**20 was a 500); 10,000 pages of up to 500
    # reach 5 million results, past anything a person pages through.
    page = serializers.IntegerField(required=False, min_value=1, max_value=SEARCH_PAGE_MAX, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=500, default=50)

    def to_criteria(self) -> SearchCriteria:
        data = self.validated_data
        near = data.get("near")
        return SearchCriteria(
            start=data.get("start"),
            end=data.get("end"),
            plate=data.get("plate", ""),
            fuzzy=data.get("fuzzy", False),
            plate_state=data.get("plate_state", ""),
            plate_kind=data.get("plate_kind", ""),
            vehicle_make=data.get("vehicle_make", ""),
            vehicle_model=data.get("vehicle_model", ""),
            vehicle_type=data.get("vehicle_type", ""),
            vehicle_color=data.get("vehicle_color", ""),
            cameras=data.get("cameras", []),
            agencies=data.get("agencies", []),
            near=Near(**near) if near else None,
        )


class ReadSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="owner_agency.name")
    agency_id = serializers.IntegerField(source="owner_agency_id")
    camera_name = serializers.CharField(source="camera.name", default=None, allow_null=True)
    latitude = serializers.SerializerMethodField()
    longitude = serializers.SerializerMethodField()
    has_image = serializers.SerializerMethodField()

    class Meta:
        model = Read
        fields = [
            "id", "agency_id", "agency", "camera", "camera_name", "captured_at", "plate", "plate_state",
            "plate_kind", "confidence", "candidates", "vehicle_make", "vehicle_model", "vehicle_type",
            "vehicle_color", "direction", "heading", "latitude", "longitude", "source", "has_image",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_latitude(self, read):
        return read.location.y if read.location else None

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_longitude(self, read):
        return read.location.x if read.location else None

    def get_has_image(self, read) -> bool:
        return bool(read.image or read.plate_crop)


class SearchResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    count_capped = serializers.BooleanField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    access_log_id = serializers.IntegerField()
    results = ReadSerializer(many=True)


class VehicleGroupSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="plate: one vehicle by plate; description: unplated reads at one camera.")
    plate = serializers.CharField()
    plate_state = serializers.CharField()
    plate_kind = serializers.CharField()
    vehicle_make = serializers.CharField()
    vehicle_model = serializers.CharField()
    vehicle_type = serializers.CharField()
    vehicle_color = serializers.CharField()
    camera = serializers.IntegerField(source="camera.pk", default=None, allow_null=True)
    camera_name = serializers.CharField(source="camera.name", default=None, allow_null=True)
    count = serializers.IntegerField(help_text="Reads of this vehicle or description.")
    first_seen = serializers.DateTimeField()
    last_seen = serializers.DateTimeField()
    last_read_id = serializers.IntegerField()
    confusions = serializers.IntegerField(help_text="Characters matched only through an OCR confusion.")


class VehicleGroupResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    count_capped = serializers.BooleanField()
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    access_log_id = serializers.IntegerField()
    group_by = serializers.CharField()
    results = VehicleGroupSerializer(many=True)


class BatchRequestSerializer(serializers.Serializer):
    reads = serializers.ListField(child=serializers.DictField(), help_text="Up to 1,000 reads.")


class BatchResponseSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    stored = serializers.IntegerField()
    updated = serializers.IntegerField(help_text="Reads of a vehicle pass that this message improved.")
    duplicates = serializers.IntegerField()
    alerts = serializers.IntegerField()
    read_ids = serializers.ListField(child=serializers.IntegerField())
    detail = serializers.CharField()


class CameraSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.name")
    latitude = serializers.SerializerMethodField()
    longitude = serializers.SerializerMethodField()
    online = serializers.BooleanField(source="is_online")
    # Empty until a clerk records it: the schema says so (an empty string or one of the placements).
    placement = serializers.ChoiceField(choices=CameraPlacement.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Camera
        fields = [
            "id", "agency_id", "agency", "name", "kind", "latitude", "longitude", "heading", "is_active",
            "expected_interval_s", "last_heartbeat_at", "online", "peer", "external_id", "time_zone", "date_order",
            "placement", "placement_ends_on", "crime_trend",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_latitude(self, camera):
        return camera.location.y if camera.location else None

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_longitude(self, camera):
        return camera.location.x if camera.location else None


class CameraWriteSerializer(serializers.Serializer):
    """A camera of the caller's agency as a records clerk creates or changes it (checked again by Camera.clean)."""

    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=CameraKind.choices, default=CameraKind.FIXED)
    latitude = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    longitude = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True)
    heading = serializers.IntegerField(min_value=0, max_value=359, required=False, allow_null=True)
    is_active = serializers.BooleanField(default=False)
    expected_interval_s = serializers.IntegerField(min_value=1, required=False)
    peer = serializers.ChoiceField(choices=CameraPeer.choices, default=CameraPeer.NATIVE)
    external_id = serializers.CharField(max_length=128, required=False, allow_blank=True)
    time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    date_order = serializers.ChoiceField(choices=DateOrder.choices, required=False, allow_blank=True)

    def validate(self, attrs):
        if ("latitude" in attrs) != ("longitude" in attrs) or (
            (attrs.get("latitude") is None) != (attrs.get("longitude") is None)
        ):
            raise serializers.ValidationError({"latitude": [CAMERA_LATLON_PAIR]})
        return attrs


class CameraPlacementSerializer(serializers.Serializer):
    """A camera's placement. Residential needs placement_ends_on and crime_trend (reads.placement)."""

    placement = serializers.ChoiceField(choices=CameraPlacement.choices)
    placement_ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    crime_trend = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class EvidenceHoldSerializer(serializers.ModelSerializer):
    read_ids = serializers.ListField(child=serializers.IntegerField(), write_only=True, min_length=1, max_length=5000)
    items = serializers.SerializerMethodField()
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    released_by = serializers.CharField(source="released_by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = EvidenceHold
        fields = [
            "id", "case_number", "reason", "read_ids", "items", "created_by", "created_at", "released_at",
            "released_by", "release_reason",
        ]  # fmt: skip
        read_only_fields = ["id", "items", "created_by", "created_at", "released_at", "released_by", "release_reason"]

    def get_items(self, hold) -> list[int]:
        return sorted(item.read_id for item in hold.items.all())


class HoldReleaseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class AccessLogEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AccessLogEntry
        fields = [
            "id", "at", "username", "user", "agency", "agencies_searched", "action", "channel", "purpose",
            "purpose_detail", "case_number", "query", "result_count", "oldest_result_at", "client_address",
            "on_behalf_of", "on_behalf_of_ori", "attested", "prev_hash", "row_hash",
        ]  # fmt: skip
        read_only_fields = fields


class PurgeRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = PurgeRun
        fields = [
            "id", "started_at", "finished_at", "duration_ms", "removed_total", "removed_by_agency",
            "partitions_dropped", "kept_for_holds", "files_removed", "alerts_removed", "uploads_removed",
            "plates_removed", "timings_ms",
        ]  # fmt: skip
        read_only_fields = fields

"""The portal's JSON. Explicit fields all the way down: this is public output, and a field added to the figures
must be added here on purpose before it is published."""

from rest_framework import serializers

from ..models import POLICY_ELEMENTS, UsagePolicy


class AgencyNameSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()


class PortalAgencySerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    state = serializers.CharField()
    is_california_public_agency = serializers.BooleanField()


class PeriodSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    days = serializers.IntegerField()


class MeetingSerializer(serializers.Serializer):
    date = serializers.DateField(allow_null=True)
    url = serializers.URLField(allow_null=True)


class CameraKindSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class CamerasSerializer(serializers.Serializer):
    active = serializers.IntegerField()
    by_kind = CameraKindSerializer(many=True)


class PublicHotlistSerializer(serializers.Serializer):
    source = serializers.CharField()
    source_label = serializers.CharField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    lists = serializers.IntegerField()


class PurposeCountSerializer(serializers.Serializer):
    purpose = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()


class DaySerializer(serializers.Serializer):
    date = serializers.DateField()
    reads = serializers.IntegerField()
    searches = serializers.IntegerField()


class ScopeSerializer(serializers.Serializer):
    scope = serializers.CharField()
    label = serializers.CharField()
    agencies = AgencyNameSerializer(many=True)


class SharingChangeSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    label = serializers.CharField()
    partner = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField())
    previous_scopes = serializers.ListField(child=serializers.CharField())
    expires_on = serializers.DateField(allow_null=True)


class SharingSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    shares_with = ScopeSerializer(many=True)
    receives_from = ScopeSerializer(many=True)
    partners_with_access = serializers.IntegerField()
    agencies_sharing_in = serializers.IntegerField()
    private_entities_sharing_in = AgencyNameSerializer(many=True)
    history = SharingChangeSerializer(
        many=True, required=False, help_text="The latest changes to what this agency shares, newest first."
    )


class PublicPurgeRunSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    removed = serializers.IntegerField()


class PurgesSerializer(serializers.Serializer):
    runs = serializers.IntegerField()
    removed = serializers.IntegerField()
    latest = PublicPurgeRunSerializer(many=True)


class AuditSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    closed_at = serializers.DateTimeField()
    searches_in_period = serializers.IntegerField()
    sampled = serializers.IntegerField()
    compliant = serializers.IntegerField()
    non_compliant = serializers.IntegerField()


class CheckpointSerializer(serializers.Serializer):
    """A signed checkpoint of the access log: save it, and `manage.py audit_verify --checkpoint FILE` checks the
    log against it."""

    at = serializers.CharField()
    row_count = serializers.IntegerField()
    last_entry_id = serializers.IntegerField()
    head_hash = serializers.CharField()
    key_id = serializers.CharField()
    mac = serializers.CharField()


class PartnerSearchCountSerializer(serializers.Serializer):
    name = serializers.CharField()
    searches = serializers.IntegerField()


class FiguresSerializer(serializers.Serializer):
    """transparency.selectors.transparency_figures, field by field."""

    version = serializers.IntegerField(help_text="2: `reads` includes reads since removed by retention.")
    generated_at = serializers.DateTimeField()
    agency = PortalAgencySerializer()
    period = PeriodSerializer()
    retention_days = serializers.IntegerField()
    reads_retained_from = serializers.DateField(
        required=False,
        help_text="Only in reports published before purged reads were counted (figures version 1): days before this "
        "date had been purged and are undercounted in `reads` and `daily`.",
    )
    public_comment_meeting = MeetingSerializer()
    cameras = CamerasSerializer()
    hotlists = PublicHotlistSerializer(many=True)
    reads = serializers.IntegerField()
    hotlist_hits = serializers.IntegerField()
    searches = serializers.IntegerField()
    searches_to_date = serializers.IntegerField()
    partner_searches = serializers.IntegerField()
    partner_searches_by_agency = PartnerSearchCountSerializer(
        many=True, required=False, help_text="Searches of this agency's data by each partner agency in the period."
    )
    searches_by_purpose = PurposeCountSerializer(many=True)
    daily = DaySerializer(many=True)
    sharing = SharingSerializer()
    purges = PurgesSerializer()
    audit = AuditSerializer(allow_null=True)
    access_log_checkpoints = CheckpointSerializer(
        many=True, required=False, help_text="The access log's newest signed checkpoints, newest first."
    )
    policy_version = serializers.IntegerField(allow_null=True)


class UsagePolicySerializer(serializers.ModelSerializer):
    prohibited_uses = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = UsagePolicy
        fields = ["version", "effective_on", "published_at", *POLICY_ELEMENTS, "prohibited_uses"]


class PolicyVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    url = serializers.CharField()


class ReportLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period_kind = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    published_at = serializers.DateTimeField()
    url = serializers.CharField()


class PortalSerializer(FiguresSerializer):
    policy = UsagePolicySerializer(allow_null=True)
    policy_versions = PolicyVersionSerializer(many=True)
    reports = ReportLinkSerializer(many=True)

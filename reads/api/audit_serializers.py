from rest_framework import serializers

from agencies.selectors import DeactivationReason

from ..audits import DEFAULT_SAMPLE_SIZE, MAX_SAMPLE_SIZE
from ..models import AccessLogEntry, PartnerSearch, SearchAudit, SearchAuditFinding, SearchAuditSample
from ..partner_searches import person_name


class SampledSearchSerializer(serializers.ModelSerializer):
    """The access-log row under review: what the auditor judges."""

    class Meta:
        model = AccessLogEntry
        fields = [
            "id", "at", "username", "action", "channel", "purpose", "purpose_detail", "case_number", "query",
            "result_count", "oldest_result_at", "agencies_searched", "on_behalf_of", "on_behalf_of_ori", "attested",
        ]  # fmt: skip
        read_only_fields = fields


class SearchAuditSampleSerializer(serializers.ModelSerializer):
    search = SampledSearchSerializer(source="access_log_entry", read_only=True)
    reviewed_by = serializers.CharField(source="reviewed_by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = SearchAuditSample
        fields = ["id", "position", "reasons", "search", "finding", "note", "reviewed_by", "reviewed_at"]
        read_only_fields = fields


class SearchAuditSerializer(serializers.ModelSerializer):
    opened_by = serializers.CharField(source="opened_by.username", read_only=True)
    closed_by = serializers.CharField(source="closed_by.username", read_only=True, default=None, allow_null=True)
    sampled = serializers.IntegerField(read_only=True)
    reviewed = serializers.IntegerField(read_only=True)
    compliant = serializers.IntegerField(read_only=True)
    non_compliant = serializers.IntegerField(read_only=True)

    class Meta:
        model = SearchAudit
        fields = [
            "id", "agency", "period_start", "period_end", "sample_size", "risk_sample_size", "seed", "population_count",
            "opened_by",
            "opened_at", "closed_by", "closed_at", "findings", "sampled", "reviewed", "compliant", "non_compliant",
        ]  # fmt: skip
        read_only_fields = fields


class SearchAuditDetailSerializer(SearchAuditSerializer):
    samples = SearchAuditSampleSerializer(many=True, read_only=True)

    class Meta(SearchAuditSerializer.Meta):
        fields = [*SearchAuditSerializer.Meta.fields, "samples"]
        read_only_fields = fields


class SearchAuditOpenSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    sample_size = serializers.IntegerField(min_value=1, max_value=MAX_SAMPLE_SIZE, default=DEFAULT_SAMPLE_SIZE)
    risk_sample_size = serializers.IntegerField(
        min_value=0,
        max_value=MAX_SAMPLE_SIZE,
        default=DEFAULT_SAMPLE_SIZE,
        help_text="How many searches the risk rules add beyond the random sample (0: none).",
    )


class SampleReviewSerializer(serializers.Serializer):
    finding = serializers.ChoiceField(choices=SearchAuditFinding.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class SearchAuditCloseSerializer(serializers.Serializer):
    findings = serializers.CharField(required=False, allow_blank=True, default="")


class StaleAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    full_name = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    job_title = serializers.CharField(allow_blank=True)
    date_joined = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField(allow_null=True)
    training_until = serializers.DateField(allow_null=True)
    reasons = serializers.ListField(child=serializers.ChoiceField(choices=DeactivationReason.choices))


class StaleAccountsSerializer(serializers.Serializer):
    inactivity_days = serializers.IntegerField()
    count = serializers.IntegerField()
    results = StaleAccountSerializer(many=True)


class PartnerSearchSerializer(serializers.ModelSerializer):
    """One access by a partner agency's person that reached the owner's data, as the owner's auditors see it."""

    partner_agency = serializers.CharField(source="agency.name", read_only=True)
    partner_agency_id = serializers.IntegerField(source="agency_id", read_only=True)
    partner_ori = serializers.CharField(source="agency.ori", read_only=True)
    name = serializers.SerializerMethodField()
    on_behalf_of_name = serializers.CharField(source="on_behalf_of.name", read_only=True, default=None)
    criteria = serializers.JSONField(source="query", read_only=True)

    class Meta:
        model = PartnerSearch
        fields = [
            "id", "at", "partner_agency_id", "partner_agency", "partner_ori", "username", "name", "action",
            "channel", "purpose", "purpose_detail", "case_number", "on_behalf_of", "on_behalf_of_name",
            "on_behalf_of_ori", "attested", "criteria", "result_count", "agencies_searched",
        ]  # fmt: skip
        read_only_fields = fields

    def get_name(self, entry) -> str:
        return person_name(entry)

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from agencies.models import Agency

from ..models import MOU, SCOPE_FIELDS
from ..rules import partner_refusal

SCOPE_CHOICES = list(SCOPE_FIELDS)


class AgencyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "slug", "name"]
        read_only_fields = fields


class MOUSerializer(serializers.ModelSerializer):
    """An MOU as either party sees it. The signed document is fetched from `document_url` (owner and partner
    records staff only)."""

    owner = AgencyRefSerializer()
    partner = AgencyRefSerializer()
    scope = serializers.ListField(source="scopes", child=serializers.ChoiceField(choices=SCOPE_CHOICES))
    in_effect = serializers.SerializerMethodField(help_text="Active, within its dates, partner eligible: today.")
    has_document = serializers.SerializerMethodField()
    document_url = serializers.SerializerMethodField()

    class Meta:
        model = MOU
        fields = [
            "id", "owner", "partner", "scope", "effective_on", "expires_on", "status", "in_effect",
            "owner_signatory", "partner_signatory", "partner_certified_purposes", "justification",
            "has_document", "document_url", "activated_at", "revoked_at", "revocation_reason", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_in_effect(self, mou) -> bool:
        return mou.is_in_effect() and partner_refusal(mou.partner) is None

    def get_has_document(self, mou) -> bool:
        return bool(mou.document)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_document_url(self, mou):
        if not mou.document:
            return None
        return reverse("mou-document", args=[mou.pk], request=None)


class MOUCreateSerializer(serializers.Serializer):
    """A draft MOU from the caller's agency (the owner) to `partner`. Rules are checked by sharing.services."""

    partner = serializers.SlugRelatedField(slug_field="slug", queryset=Agency.objects.all())
    scope = serializers.MultipleChoiceField(choices=SCOPE_CHOICES, allow_empty=True)
    effective_on = serializers.DateField()
    expires_on = serializers.DateField()
    justification = serializers.CharField(allow_blank=True, help_text="Why this partner needs the data.")
    owner_signatory = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    partner_signatory = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    partner_certified_purposes = serializers.BooleanField(required=False, default=False)
    document = serializers.FileField(required=False, allow_null=True, help_text="The signed MOU, PDF, <= 10 MB.")


class MOURevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class MOURenewSerializer(serializers.Serializer):
    expires_on = serializers.DateField()
    document = serializers.FileField(help_text="The signed renewal, PDF, <= 10 MB.")


class MOUDocumentSerializer(serializers.Serializer):
    document = serializers.FileField(help_text="The signed MOU, PDF, <= 10 MB.")

from rest_framework import serializers

from ..models import Agency


class AgencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = [
            "id",
            "name",
            "slug",
            "ori",
            "kind",
            "state",
            "retention_days",
            "public_comment_meeting_on",
            "is_active",
        ]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    agency = AgencySerializer(allow_null=True)
    role = serializers.CharField(allow_null=True)
    training_current = serializers.BooleanField()

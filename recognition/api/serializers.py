from rest_framework import serializers

from ..models import RecognitionJob


class UploadSerializer(serializers.Serializer):
    camera = serializers.IntegerField(help_text="One of your agency's cameras.")
    captured_at = serializers.DateTimeField(
        required=False, help_text="When the images were taken; else each image's EXIF time; else now."
    )
    images = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), min_length=1, help_text="One or many JPEG/PNG files."
    )


class RecognitionJobSerializer(serializers.ModelSerializer):
    class Meta:
        model = RecognitionJob
        fields = [
            "id", "camera", "original_name", "content_type", "size_bytes", "sha256", "captured_at",
            "captured_at_source", "status", "error", "attempts", "read_count", "detect_ms", "ocr_ms", "total_ms",
            "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields


class UploadResultSerializer(serializers.Serializer):
    jobs = RecognitionJobSerializer(many=True)
    created = serializers.ListField(child=serializers.BooleanField())

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from agencies.access import membership_of
from agencies.choices import TokenPurpose
from agencies.models import ApiToken
from common.api import AlprDataPermission, AlprViewSet, IngestPermission
from common.parsers import FormParser, MultiPartParser
from reads.models import Camera

from ..models import RecognitionJob
from ..services import CAMERA_NOT_OURS, job_create
from ..uploads import UploadRejected, check_image, check_size
from .serializers import RecognitionJobSerializer, UploadResultSerializer, UploadSerializer

TOO_MANY_FILES = "At most {n} images per upload."


class UploadPermission(permissions.BasePermission):
    """Cameras that do not read plates push images with their ingest token; people upload with the role's
    permission (and so, current training)."""

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ApiToken) and request.auth.purpose == TokenPurpose.INGEST:
            return IngestPermission().has_permission(request, view)
        return AlprDataPermission().has_permission(request, view)


class RecognitionJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AlprViewSet):
    """Recognition jobs of the caller's agency: one per distinct image, with status, timings and errors."""

    queryset = RecognitionJob.objects.all()
    serializer_class = RecognitionJobSerializer
    required_perms = {
        "list": ("recognition.view_recognitionjob",),
        "retrieve": ("recognition.view_recognitionjob",),
        "upload": ("recognition.add_recognitionjob",),
    }
    filterset_fields = ["status", "camera"]

    def get_permissions(self):
        if self.action == "upload":
            return [UploadPermission()]
        return super().get_permissions()

    def get_parsers(self):
        return [MultiPartParser(), FormParser()]

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={202: UploadResultSerializer})
    def upload(self, request):
        """Upload images (field `images`, repeatable). Each distinct image becomes one job; answers 202."""
        files = request.FILES.getlist("images")
        if len(files) > settings.RECOGNITION_MAX_FILES_PER_UPLOAD:
            raise ValidationError({"images": [TOO_MANY_FILES.format(n=settings.RECOGNITION_MAX_FILES_PER_UPLOAD)]})
        # A body that is not a form (none at all, or JSON) parses to a plain dict, not a QueryDict.
        fields = request.data.dict() if hasattr(request.data, "dict") else dict(request.data)
        body = UploadSerializer(data={**fields, "images": files})
        body.is_valid(raise_exception=True)
        agency = membership_of(request.user).agency
        camera = Camera.objects.filter(pk=body.validated_data["camera"], agency=agency).first()
        if camera is None:
            raise ValidationError({"camera": [CAMERA_NOT_OURS]})
        # Every file is checked before any is stored: an upload with one bad file changes nothing. (job_create checks
        # each again, as it does for every way in; the decode is cheap next to recognition itself.)
        contents = []
        for upload in files:
            try:
                check_size(upload.size)  # before reading it into memory
                data = upload.read()
                check_image(data)
            except UploadRejected as exc:
                return Response({"detail": str(exc), "file": upload.name}, status=exc.status)
            contents.append((upload.name or "", data))
        jobs, created = [], []
        for name, data in contents:
            job, is_new = job_create(
                user=request.user,
                camera=camera,
                data=data,
                name=name,
                captured_at=body.validated_data.get("captured_at"),
            )
            jobs.append(job)
            created.append(is_new)
        return Response(
            {"jobs": RecognitionJobSerializer(jobs, many=True).data, "created": created},
            status=status.HTTP_202_ACCEPTED,
        )

import datetime as dt

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.access import membership_of
from common.api import AlprDataPermission, AlprViewSet, IngestPermission, client_address, validation_error
from common.throttles import FailOpenScopedRateThrottle, SearchRateThrottle

from .. import openalpr
from ..access_log import access_log_write
from ..analysis.vehicles import GROUP_BY_VEHICLE, vehicle_search_grouped
from ..choices import AccessAction, CameraPeer, Channel, ReadSource
from ..models import AccessLogEntry, Camera, EvidenceHold, PurgeRun, Read
from ..peers import openalpr_frames
from ..peers.common import PeerError, PeerRead
from ..peers.ingest import PeerCamera, PeerCameraError, agent_camera, peer_reads_ingest
from ..placement import camera_placement_set
from ..search import read_search
from ..services import (
    CAMERA_NOT_YOURS,
    IngestValidationError,
    camera_heartbeat,
    camera_save,
    hold_place,
    hold_release,
    read_ingest,
)
from .peer_views import ingest_response
from .serializers import (
    AccessLogEntrySerializer,
    BatchRequestSerializer,
    BatchResponseSerializer,
    CameraPlacementSerializer,
    CameraSerializer,
    CameraWriteSerializer,
    EvidenceHoldSerializer,
    HoldReleaseSerializer,
    PurgeRunSerializer,
    PurposeSerializer,
    SearchRequestSerializer,
    SearchResponseSerializer,
    VehicleGroupResponseSerializer,
)

BATCH_BODY = 'Send a JSON object {"reads": [...]} with up to 1,000 reads.'
UNKNOWN_AGENT_CAMERA = "No camera of your agency is mapped to agent {agent!r} camera {camera!r}; map it in admin."
INACTIVE_AGENT_CAMERA = "The camera mapped to agent {agent!r} camera {camera!r} is not active."
NO_IMAGE = "This read has no image of that kind."


class ReadBatchView(APIView):
    """Push up to 1,000 reads at once. All-or-nothing: one bad read refuses the batch, listing each problem."""

    permission_classes = [IngestPermission]
    throttle_classes = [FailOpenScopedRateThrottle]
    throttle_scope = "ingest"

    @extend_schema(
        request=BatchRequestSerializer, responses={201: BatchResponseSerializer, 200: BatchResponseSerializer}
    )
    def post(self, request):
        items = request.data.get("reads") if isinstance(request.data, dict) else None
        if not isinstance(items, list):
            raise ValidationError({"reads": [BATCH_BODY]})
        try:
            result = read_ingest(agency=membership_of(request.user).agency, items=items, source=ReadSource.CAMERA_PUSH)
        except IngestValidationError as exc:
            return Response({"detail": exc.message, "errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        return ingest_response(result)


class OpenAlprWebhookView(APIView):
    """The OpenALPR / Rekor Scout agent's webhook: `alpr_results` frames and `alpr_group` documents become reads
    (one per vehicle pass: the frames of a pass, then its group, update one read), heartbeats mark cameras alive.
    Point the agent's data destination at this URL with an ingest token in the Authorization header. A camera is
    mapped by agent_uid and agent_camera_id, or by external_id `<agent_uid>:<camera_id>` (peer openalpr)."""

    permission_classes = [IngestPermission]
    throttle_classes = [FailOpenScopedRateThrottle]
    throttle_scope = "ingest"

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: BatchResponseSerializer, 200: OpenApiTypes.OBJECT})
    def post(self, request):
        document = request.data
        agency = membership_of(request.user).agency
        if not isinstance(document, dict):
            raise ValidationError({"detail": openalpr.NOT_AN_OBJECT})
        kind = document.get("data_type")
        if kind == "heartbeat":
            numbers = openalpr.heartbeat_streams(document)
            ids = list(
                Camera.objects.filter(
                    agency=agency, agent_uid=str(document.get("agent_uid", "")), agent_camera_id__in=numbers
                ).values_list("id", flat=True)
            )
            return Response({"cameras_alive": camera_heartbeat(camera_ids=ids)})
        if kind not in ("alpr_group", "alpr_results"):
            raise ValidationError({"data_type": [openalpr.UNSUPPORTED_TYPE.format(value=kind)]})
        camera = self._camera(agency, document)
        try:
            if kind == "alpr_results":
                reads = openalpr_frames.frame_reads(document)
                result = peer_reads_ingest(
                    agency=agency,
                    peer=CameraPeer.OPENALPR,
                    reads=reads,
                    camera=camera,
                    pass_window_s=openalpr_frames.PASS_WINDOW_S,
                )
                return ingest_response(result)
            item, image = openalpr.group_to_item(document, camera_id=camera.pk)
        except (openalpr.WebhookError, PeerError) as exc:
            raise ValidationError({"detail": str(exc)}) from exc
        except IngestValidationError as exc:
            return Response({"detail": exc.message, "errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        # The group names the frames of its pass: a read stored from those frames is updated, not stored again.
        uuids = document.get("uuids") if isinstance(document.get("uuids"), list) else []
        item["pass_aliases"] = [str(uuid)[:128] for uuid in uuids if isinstance(uuid, str | int)]
        images = {item["source_id"]: image} if image else None
        try:
            result = read_ingest(
                agency=agency,
                items=[item],
                source=ReadSource.OPENALPR_AGENT,
                images=images,
                pass_window=dt.timedelta(seconds=openalpr_frames.PASS_WINDOW_S),
            )
        except IngestValidationError as exc:
            return Response({"detail": exc.message, "errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
        return ingest_response(result)

    @staticmethod
    def _camera(agency, document) -> PeerCamera:
        agent, number = str(document.get("agent_uid") or ""), document.get("camera_id")
        if number is not None and not openalpr.is_whole_number(number):
            raise ValidationError({"camera_id": [openalpr.FIELD_TYPE.format(name="camera_id", kind="a whole number")]})
        keys = openalpr_frames.frame_camera_keys(document)
        probe = PeerRead(camera=keys[0] if keys else "", camera_keys=keys, pass_id="", time=None, plate="")
        try:
            by_agent, camera = agent_camera(
                agency=agency, agent_uid=agent if number is not None else "", number=number, read=probe
            )
        except PeerCameraError as exc:
            if not keys:
                raise ValidationError(
                    {"camera_id": [UNKNOWN_AGENT_CAMERA.format(agent=agent, camera=number)]}
                ) from None
            if "not active" in str(exc):
                raise ValidationError({"camera": [str(exc)]}) from None
            raise ValidationError(
                {"camera_id": [UNKNOWN_AGENT_CAMERA.format(agent=agent or document.get("site_id"), camera=number)]}
            ) from None
        if by_agent is not None and not by_agent.is_active:
            raise ValidationError({"camera": [INACTIVE_AGENT_CAMERA.format(agent=agent, camera=number)]})
        return camera


class ReadSearchView(APIView):
    """Search reads. Purpose and case number are required; each search writes one access-log row."""

    permission_classes = [AlprDataPermission]
    required_perms = {"post": ("reads.search_read",)}
    throttle_classes = [SearchRateThrottle]  # the same count per person as the console's searches

    @extend_schema(
        request=SearchRequestSerializer,
        responses=PolymorphicProxySerializer(
            component_name="SearchAnswer",
            serializers=[SearchResponseSerializer, VehicleGroupResponseSerializer],
            resource_type_field_name=None,
        ),
    )
    def post(self, request):
        serializer = SearchRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            statement = serializer.to_statement(user=request.user)
            criteria = serializer.to_criteria().validate()
            page, size = data["page"], data["page_size"]
            if data["group_by"] == GROUP_BY_VEHICLE:
                return self._grouped(request, criteria, statement, page, size)
            result = read_search(
                user=request.user,
                criteria=criteria,
                statement=statement,
                channel=Channel.API,
                client_address=client_address(request),
                offset=(page - 1) * size,
                limit=size,
            )
        except DjangoValidationError as exc:
            raise validation_error(exc) from exc
        body = {
            "count": result.count,
            "count_capped": result.count_capped,
            "page": page,
            "page_size": size,
            "access_log_id": result.access_log_id,
            "results": result.results,
        }
        return Response(SearchResponseSerializer(body).data)

    def _grouped(self, request, criteria, statement, page, size):
        result = vehicle_search_grouped(
            user=request.user,
            criteria=criteria,
            statement=statement,
            channel=Channel.API,
            client_address=client_address(request),
            offset=(page - 1) * size,
            limit=size,
        )
        body = {
            "count": result.count,
            "count_capped": result.count_capped,
            "page": page,
            "page_size": size,
            "access_log_id": result.access_log_id,
            "group_by": GROUP_BY_VEHICLE,
            "results": result.results,
        }
        return Response(VehicleGroupResponseSerializer(body).data)


class ReadViewSet(AlprViewSet):
    """Reads are reached through search; this viewset serves a read's images, under a purpose, logged."""

    queryset = Read.objects.select_related("owner_agency")
    required_perms = {"image": ("reads.view_read_image",)}
    serializer_class = serializers.Serializer

    @extend_schema(
        parameters=[
            OpenApiParameter("purpose", str, required=True),
            OpenApiParameter("case_number", str, required=True),
            OpenApiParameter("purpose_detail", str),
            OpenApiParameter("kind", str, enum=["rear", "plate"]),
        ],
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"])
    def image(self, request, pk=None):
        params = PurposeSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        try:
            statement = params.to_statement(user=request.user)
        except DjangoValidationError as exc:
            raise validation_error(exc) from exc
        read = self.get_object()
        kind = request.query_params.get("kind", "rear")
        path = read.plate_crop if kind == "plate" else read.image
        if not path or not default_storage.exists(path):
            raise Http404(NO_IMAGE)
        access_log_write(
            user=request.user,
            agency=membership_of(request.user).agency,
            action=AccessAction.IMAGE_VIEW,
            channel=Channel.API,
            purpose=statement.purpose,
            purpose_detail=statement.detail,
            case_number=statement.case_number,
            query={"read_id": read.pk, "kind": kind},
            result_count=1,
            oldest_result_at=read.captured_at,
            agencies_searched=[read.owner_agency_id],
            client_address=client_address(request),
            on_behalf_of_id=statement.on_behalf_of_id,
            on_behalf_of_ori=statement.on_behalf_of_ori,
            attested=statement.attested,
        )
        return FileResponse(default_storage.open(path, "rb"), content_type="image/jpeg")


class CameraViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AlprViewSet):
    """Cameras of agencies whose reads the caller may search, with health (online when heard from recently). A
    records clerk creates and changes the cameras of their own agency here too (peer, external_id, time zone)."""

    queryset = Camera.objects.select_related("agency")
    serializer_class = CameraSerializer
    filterset_fields = ["agency", "kind", "is_active", "peer", "external_id", "placement"]
    required_perms = {
        "list": ("reads.view_camera",),
        "retrieve": ("reads.view_camera",),
        "create": ("reads.add_camera",),
        "partial_update": ("reads.change_camera",),
        "placement": ("reads.change_camera",),
    }

    @extend_schema(request=CameraWriteSerializer, responses={201: CameraSerializer})
    def create(self, request):
        body = CameraWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            camera = camera_save(agency=membership_of(request.user).agency, fields=body.validated_data)
        except DjangoValidationError as exc:
            raise validation_error(exc) from exc
        return Response(CameraSerializer(camera).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CameraWriteSerializer, responses=CameraSerializer)
    def partial_update(self, request, pk=None):
        camera = self.get_object()
        if camera.agency_id != membership_of(request.user).agency_id:
            raise PermissionDenied(CAMERA_NOT_YOURS)  # a partner sees the owner's cameras, and changes none
        body = CameraWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            camera = camera_save(
                agency=membership_of(request.user).agency,
                camera=camera,
                fields=body.validated_data,
                moved_by=request.user,
            )
        except DjangoValidationError as exc:
            raise validation_error(exc) from exc
        return Response(CameraSerializer(camera).data)

    @extend_schema(request=CameraPlacementSerializer, responses=CameraSerializer)
    @action(detail=True, methods=["post"])
    def placement(self, request, pk=None):
        """Set where the camera stands. Only the camera's own agency places it; a residential placement is
        temporary (an end date and the crime trend it answers), else 400."""
        camera = self.get_object()
        if camera.agency_id != membership_of(request.user).agency_id:
            raise PermissionDenied(CAMERA_NOT_YOURS)
        body = CameraPlacementSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            camera = camera_placement_set(
                camera=camera,
                placement=body.validated_data["placement"],
                ends_on=body.validated_data["placement_ends_on"],
                crime_trend=body.validated_data["crime_trend"],
                user=request.user,
            )
        except DjangoValidationError as exc:
            raise validation_error(exc) from exc
        return Response(CameraSerializer(camera).data)


class EvidenceHoldViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, AlprViewSet):
    """Evidence holds of the caller's agency: held reads survive retention until released."""

    queryset = EvidenceHold.objects.select_related("created_by", "released_by").prefetch_related("items")
    serializer_class = EvidenceHoldSerializer
    required_perms = {
        "list": ("reads.view_evidencehold",),
        "retrieve": ("reads.view_evidencehold",),
        "create": ("reads.add_evidencehold",),
        "release": ("reads.release_evidencehold",),
    }

    def perform_create(self, serializer):
        data = serializer.validated_data
        try:
            serializer.instance = hold_place(
                user=self.request.user,
                agency=membership_of(self.request.user).agency,
                case_number=data["case_number"],
                reason=data["reason"],
                read_ids=data["read_ids"],
            )
        except DjangoValidationError as exc:
            raise validation_error(exc) from exc

    @extend_schema(request=HoldReleaseSerializer, responses=EvidenceHoldSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        body = HoldReleaseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            hold = hold_release(hold=self.get_object(), user=request.user, reason=body.validated_data["reason"])
        except DjangoValidationError as exc:
            raise validation_error(exc) from exc
        return Response(EvidenceHoldSerializer(hold).data)


class AccessLogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AlprViewSet):
    """The access log of the caller's agency, for its auditors and agency admins."""

    queryset = AccessLogEntry.objects.all()
    serializer_class = AccessLogEntrySerializer
    required_perms = {"list": ("reads.view_accesslogentry",), "retrieve": ("reads.view_accesslogentry",)}
    filterset_fields = {"at": ["gte", "lt"], "action": ["exact"], "purpose": ["exact"], "username": ["exact"]}


class PurgeRunViewSet(mixins.ListModelMixin, AlprViewSet):
    """Retention purge runs: what was removed, when, and how long it took."""

    queryset = PurgeRun.objects.all()
    serializer_class = PurgeRunSerializer
    required_perms = {"list": ("reads.view_purgerun",)}

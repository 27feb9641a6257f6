from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.reverse import reverse

from common.api import AlprViewSet, client_address, validation_error
from common.parsers import FormParser, MultiPartParser
from reads.api.serializers import EvidenceHoldSerializer
from reads.choices import Channel

from ..alert_access import alert_access_log
from ..filtersets import AlertFilterSet, HotlistEntryFilterSet
from ..models import Alert, Hotlist, HotlistEntry, HotlistImport
from ..selectors import FEED_WAIT_MAX_S, FeedCursorError, alert_feed
from ..services import (
    alert_hold_place,
    alert_transition,
    hotlist_entry_create,
    hotlist_entry_delete,
    hotlist_import_queue,
)
from .serializers import (
    AlertDetailSerializer,
    AlertFeedSerializer,
    AlertHoldSerializer,
    AlertSerializer,
    AlertTransitionSerializer,
    HotlistEntryCreateSerializer,
    HotlistEntrySerializer,
    HotlistImportSerializer,
    HotlistSerializer,
    ImportRequestSerializer,
)

NOT_YOUR_LIST = "Only the agency that owns a hotlist changes it."


class HotlistViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AlprViewSet):
    """Hotlists of the caller's agency and of owners sharing their hotlists with it; imports into own lists."""

    queryset = Hotlist.objects.select_related("agency")
    serializer_class = HotlistSerializer
    filterset_fields = ["agency", "source", "category", "is_active"]
    required_perms = {
        "list": ("hotlists.view_hotlist",),
        "retrieve": ("hotlists.view_hotlist",),
        "import_file": ("hotlists.import_hotlist",),
    }

    @extend_schema(request=ImportRequestSerializer, responses={202: HotlistImportSerializer})
    @action(detail=True, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_file(self, request, pk=None):
        """Queue a file for import (multipart: file, format, replace) and answer 202 with the import record, in
        state `queued`; `Location` names the record (`/api/v1/hotlist-imports/<id>/`), which shows the import's
        stage and progress while a worker runs it, then its outcome: succeeded with its counts, refused with each
        bad line and why (the list unchanged: all or nothing), or failed."""
        hotlist = self.get_object()
        if hotlist.agency_id != request.user.membership.agency_id:
            raise PermissionDenied(NOT_YOUR_LIST)
        body = ImportRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        record = hotlist_import_queue(
            hotlist=hotlist,
            content=upload.read(),
            file_name=upload.name,
            file_format=body.validated_data["format"],
            replace=body.validated_data["replace"],
            user=request.user,
            channel="api",
        )
        location = reverse("hotlistimport-detail", args=[record.pk], request=request)
        return Response(
            HotlistImportSerializer(record).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location}
        )


class HotlistEntryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, AlprViewSet
):
    """Entries of visible hotlists; add to and remove from the caller's own agency's lists."""

    queryset = HotlistEntry.objects.select_related("hotlist", "entered_by")
    serializer_class = HotlistEntrySerializer
    filterset_class = HotlistEntryFilterSet
    required_perms = {
        "list": ("hotlists.view_hotlistentry",),
        "retrieve": ("hotlists.view_hotlistentry",),
        "create": ("hotlists.add_hotlistentry",),
        "destroy": ("hotlists.delete_hotlistentry",),
    }

    @extend_schema(request=HotlistEntryCreateSerializer, responses={201: HotlistEntrySerializer})
    def create(self, request, *args, **kwargs):
        body = HotlistEntryCreateSerializer(data=request.data, hotlists=Hotlist.objects.owned_by(request.user))
        body.is_valid(raise_exception=True)
        try:
            entry = hotlist_entry_create(user=request.user, **body.validated_data)
        except DjangoValidationError as exc:
            raise validation_error(exc) from exc
        return Response(HotlistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        if instance.hotlist.agency_id != self.request.user.membership.agency_id:
            raise PermissionDenied(NOT_YOUR_LIST)
        hotlist_entry_delete(entry=instance, user=self.request.user)


class HotlistImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AlprViewSet):
    """The imports of the caller's agency's lists: queued and running ones with their progress, and the history,
    refused files included."""

    queryset = HotlistImport.objects.select_related("user")
    serializer_class = HotlistImportSerializer
    filterset_fields = ["hotlist", "outcome", "file_format"]
    required_perms = {"list": ("hotlists.view_hotlistimport",), "retrieve": ("hotlists.view_hotlistimport",)}


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AlprViewSet):
    """Alerts of the caller's agency (the hotlist's agency), their workflow, and the dispatch screens' live feed."""

    queryset = Alert.objects.all()
    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet
    required_perms = {
        "list": ("hotlists.view_alert",),
        "retrieve": ("hotlists.view_alert",),
        "feed": ("hotlists.view_alert",),
        "transition": ("hotlists.transition_alert",),
        "hold": ("hotlists.view_alert", "reads.add_evidencehold"),
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("events__actor")
        return queryset

    def get_serializer_class(self):
        return AlertDetailSerializer if self.action in ("retrieve", "transition") else AlertSerializer

    def _log_shown(self, alerts, view: str, criteria: dict | None = None) -> None:
        """Every answer that shows alerts is an access of ALPR data (hotlists.alert_access)."""
        alert_access_log(
            user=self.request.user,
            alerts=alerts,
            channel=Channel.API,
            view=view,
            client_address=client_address(self.request),
            criteria=criteria,
        )

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        alerts = list(page if page is not None else queryset)
        self._log_shown(alerts, "api:alert-list", {"filters": request.query_params.dict()})
        data = self.get_serializer(alerts, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    def retrieve(self, request, *args, **kwargs):
        alert = self.get_object()
        self._log_shown([alert], "api:alert-detail")
        return Response(self.get_serializer(alert).data)

    @extend_schema(request=AlertTransitionSerializer, responses={200: AlertDetailSerializer})
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the alert one step: new -> acknowledged -> confirmed / misread / not_located / cleared. Confirming
        needs plate_verified and database_checked; misread and cleared need a note."""
        alert = self.get_object()
        body = AlertTransitionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            alert = alert_transition(alert=alert, user=request.user, **body.validated_data)
        except DjangoValidationError as exc:
            raise validation_error(exc) from exc
        alert = Alert.objects.prefetch_related("events__actor").get(pk=alert.pk)
        self._log_shown([alert], "api:alert-transition")
        return Response(AlertDetailSerializer(alert).data)

    @extend_schema(request=AlertHoldSerializer, responses={201: EvidenceHoldSerializer})
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        """Place the alert under an evidence hold for a case: it and its image outlive the alert retention until
        the hold is released (POST /api/v1/holds/{id}/release/)."""
        alert = self.get_object()
        body = AlertHoldSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            hold = alert_hold_place(user=request.user, agency=alert.agency, alert_ids=[alert.pk], **body.validated_data)
        except DjangoValidationError as exc:
            raise validation_error(exc) from exc
        return Response({**EvidenceHoldSerializer(hold).data, "alerts": [alert.pk]}, status=201)

    @extend_schema(
        parameters=[
            OpenApiParameter("since", OpenApiTypes.STR, description="Cursor from the previous answer; omit to start."),
            OpenApiParameter("wait", OpenApiTypes.FLOAT, description=f"Seconds to wait, at most {FEED_WAIT_MAX_S}."),
        ],
        responses=AlertFeedSerializer,
    )
    @action(detail=False, methods=["get"])
    def feed(self, request):
        """Long poll: new alerts after `since`, waiting up to ~20 s for some; pass the returned cursor next time."""
        try:
            wait = float(request.query_params.get("wait", FEED_WAIT_MAX_S))
        except ValueError:
            wait = FEED_WAIT_MAX_S
        try:
            alerts, cursor = alert_feed(user=request.user, cursor=request.query_params.get("since"), wait_s=wait)
        except FeedCursorError as exc:
            raise ValidationError({"since": str(exc)}) from exc
        self._log_shown(alerts, "api:alert-feed")
        return Response({"alerts": AlertSerializer(alerts, many=True).data, "cursor": cursor})

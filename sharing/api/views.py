from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies.access import membership_of
from common.api import AlprViewSet
from common.parsers import FormParser, JSONParser, MultiPartParser

from .. import services
from ..models import MOU, SCOPE_FIELDS, SharingRefusal
from .serializers import (
    MOUCreateSerializer,
    MOUDocumentSerializer,
    MOURenewSerializer,
    MOURevokeSerializer,
    MOUSerializer,
)

ONLY_OWNER_MAY = "Only the owner agency's admins and records clerks can change this MOU."
_API_FIELD = {field: "scope" for field, _ in SCOPE_FIELDS.values()}


def _api_error(error: DjangoValidationError) -> exceptions.ValidationError:
    """A refusal from the services as a 400 whose keys are the API's field names."""
    if hasattr(error, "error_dict"):
        detail: dict[str, list[str]] = {}
        for field, messages in error.message_dict.items():
            detail.setdefault(_API_FIELD.get(field, field), []).extend(messages)
        return exceptions.ValidationError(detail)
    return exceptions.ValidationError({"non_field_errors": error.messages})


class MOUViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AlprViewSet):
    """The caller's agency's MOUs, as owner or as partner. Owner-side admins and records clerks draft, activate,
    renew and revoke them."""

    queryset = MOU.objects.select_related("owner", "partner")
    serializer_class = MOUSerializer
    filterset_fields = ["status"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    required_perms = {
        "list": (),  # every role sees its own agency's agreements (MOUQuerySet.visible_to)
        "retrieve": (),
        "create": ("sharing.add_mou",),
        "activate": ("sharing.change_mou",),
        "revoke": ("sharing.change_mou",),
        "renew": ("sharing.change_mou",),
        "document": ("sharing.view_mou",),
        "attach_document": ("sharing.change_mou",),
    }

    def _owned(self) -> MOU:
        mou = self.get_object()
        if mou.owner_id != membership_of(self.request.user).agency_id:
            raise exceptions.PermissionDenied(ONLY_OWNER_MAY)
        return mou

    def _done(self, mou: MOU, code=status.HTTP_200_OK) -> Response:
        mou = self.get_queryset().get(pk=mou.pk)
        return Response(MOUSerializer(mou, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=MOUCreateSerializer, responses={201: MOUSerializer})
    def create(self, request):
        serializer = MOUCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            mou = services.mou_create(
                owner=membership_of(request.user).agency,
                partner=data["partner"],
                scopes=data["scope"],
                effective_on=data["effective_on"],
                expires_on=data["expires_on"],
                justification=data["justification"],
                owner_signatory=data["owner_signatory"],
                partner_signatory=data["partner_signatory"],
                partner_certified_purposes=data["partner_certified_purposes"],
                document=data.get("document"),
                created_by=request.user,
                where=SharingRefusal.Where.API,
            )
        except DjangoValidationError as error:
            raise _api_error(error) from error
        return self._done(mou, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=MOUSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        try:
            mou = services.mou_activate(mou=self._owned(), user=request.user)
        except DjangoValidationError as error:
            raise _api_error(error) from error
        return self._done(mou)

    @extend_schema(request=MOURevokeSerializer, responses=MOUSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        serializer = MOURevokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            mou = services.mou_revoke(
                mou=self._owned(),
                reason=serializer.validated_data["reason"],
                user=request.user,
                where=SharingRefusal.Where.API,
            )
        except DjangoValidationError as error:
            raise _api_error(error) from error
        return self._done(mou)

    @extend_schema(request={"multipart/form-data": MOURenewSerializer}, responses=MOUSerializer)
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        serializer = MOURenewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            mou = services.mou_renew(mou=self._owned(), user=request.user, **serializer.validated_data)
        except DjangoValidationError as error:
            raise _api_error(error) from error
        return self._done(mou)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def document(self, request, pk=None):
        """The signed MOU (PDF), to either party's records staff."""
        mou = self.get_object()
        if not mou.document:
            raise Http404("No signed document is attached to this MOU.")
        response = FileResponse(mou.document.open("rb"), content_type="application/pdf", filename=f"MOU-{mou.pk}.pdf")
        response["Cache-Control"] = "private, no-store"
        return response

    @extend_schema(request={"multipart/form-data": MOUDocumentSerializer}, responses=MOUSerializer)
    @document.mapping.post
    def attach_document(self, request, pk=None):
        """Attach (or replace) the signed PDF of a draft."""
        serializer = MOUDocumentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            mou = services.mou_update(
                mou=self._owned(),
                user=request.user,
                where=SharingRefusal.Where.API,
                document=serializer.validated_data["document"],
            )
        except DjangoValidationError as error:
            raise _api_error(error) from error
        return self._done(mou)

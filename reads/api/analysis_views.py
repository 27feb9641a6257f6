"""The analyses' endpoints: POST /api/v1/analysis/{convoy,places,locate}/ answer JSON, and each `export/` beside
them answers the same analysis as CSV (logged as an export). One shape for all: parse, check the purpose, run the
service (which checks the criteria, runs, and writes the one access-log row)."""

from __future__ import annotations

import csv
import io

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from common.api import AlprDataPermission, client_address, validation_error
from common.throttles import SearchRateThrottle

from ..analysis.common import Caller
from ..analysis.convoy import convoy_analyse
from ..analysis.exports import convoy_csv_rows, locate_csv_rows, places_csv_rows
from ..analysis.locate import locate_analyse
from ..analysis.places import places_analyse
from ..choices import AccessAction, Channel
from .analysis_serializers import (
    ConvoyRequestSerializer,
    ConvoyResponseSerializer,
    LocateRequestSerializer,
    LocateResponseSerializer,
    PlacesRequestSerializer,
    PlacesResponseSerializer,
)


class AnalysisView(APIView):
    """Base of the analysis endpoints. Purpose and case number are required; each run writes one access-log row."""

    permission_classes = [AlprDataPermission]
    required_perms = {"post": ("reads.search_read",)}
    throttle_classes = [SearchRateThrottle]  # one count per person with searches, API and console
    request_serializer: type = None
    response_serializer: type = None
    name = ""
    export = False

    @staticmethod
    def analyse(*, caller, criteria, action):
        raise NotImplementedError

    @staticmethod
    def csv_rows(analysis):
        raise NotImplementedError

    def post(self, request):
        serializer = self.request_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            statement = serializer.to_statement(user=request.user)
            caller = Caller.of(
                user=request.user,
                statement=statement,
                channel=Channel.EXPORT if self.export else Channel.API,
                client_address=client_address(request),
            )
            analysis = self.analyse(
                caller=caller,
                criteria=serializer.to_criteria(),
                action=AccessAction.EXPORT if self.export else AccessAction.SEARCH,
            )
        except DjangoValidationError as exc:
            raise validation_error(exc) from exc
        if not self.export:
            return Response(self.response_serializer(analysis).data)
        buffer = io.StringIO()
        csv.writer(buffer).writerows(self.csv_rows(analysis))
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="alpr-{self.name}-{analysis.access_log_id}.csv"'
        return response


class ConvoyView(AnalysisView):
    """Convoy: vehicles read at the same cameras within ±`seconds` of a target's reads, again and again."""

    name = "convoy"
    request_serializer = ConvoyRequestSerializer
    response_serializer = ConvoyResponseSerializer
    analyse = staticmethod(convoy_analyse)
    csv_rows = staticmethod(convoy_csv_rows)

    @extend_schema(request=ConvoyRequestSerializer, responses=ConvoyResponseSerializer)
    def post(self, request):
        return super().post(request)


class PlacesView(AnalysisView):
    """Multiple places: vehicles read at 2 to 10 places, each in its own window."""

    name = "places"
    request_serializer = PlacesRequestSerializer
    response_serializer = PlacesResponseSerializer
    analyse = staticmethod(places_analyse)
    csv_rows = staticmethod(places_csv_rows)

    @extend_schema(request=PlacesRequestSerializer, responses=PlacesResponseSerializer)
    def post(self, request):
        return super().post(request)


class LocateView(AnalysisView):
    """Likely locations: where and when one plate is most often read."""

    name = "locate"
    request_serializer = LocateRequestSerializer
    response_serializer = LocateResponseSerializer
    analyse = staticmethod(locate_analyse)
    csv_rows = staticmethod(locate_csv_rows)

    @extend_schema(request=LocateRequestSerializer, responses=LocateResponseSerializer)
    def post(self, request):
        return super().post(request)


class _Export:
    """The same analysis, answered as CSV and logged as an export (channel export)."""

    export = True
    required_perms = {"post": ("reads.search_read", "reads.export_read")}


_CSV = {(200, "text/csv"): OpenApiTypes.BINARY}


class ConvoyExportView(_Export, ConvoyView):
    @extend_schema(request=ConvoyRequestSerializer, responses=_CSV)
    def post(self, request):
        return AnalysisView.post(self, request)


class PlacesExportView(_Export, PlacesView):
    @extend_schema(request=PlacesRequestSerializer, responses=_CSV)
    def post(self, request):
        return AnalysisView.post(self, request)


class LocateExportView(_Export, LocateView):
    @extend_schema(request=LocateRequestSerializer, responses=_CSV)
    def post(self, request):
        return AnalysisView.post(self, request)

"""Audit endpoints: periodic search audits and accounts due for deactivation (State Auditor report 2019-118)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from agencies.access import membership_of
from agencies.selectors import INACTIVITY_DAYS, accounts_due_for_deactivation, deactivation_reasons
from common.api import AlprDataPermission, AlprViewSet, validation_error
from common.client import client_address

from ..audits import audit_close, audit_open, audit_review_sample, audits_with_counts
from ..choices import Channel
from ..models import PartnerSearch, SearchAuditSample
from ..partner_searches import monthly_report, report_csv, report_download_log, report_pdf
from .audit_serializers import (
    PartnerSearchSerializer,
    SampleReviewSerializer,
    SearchAuditCloseSerializer,
    SearchAuditDetailSerializer,
    SearchAuditOpenSerializer,
    SearchAuditSampleSerializer,
    SearchAuditSerializer,
    StaleAccountsSerializer,
)

_VIEW, _ADD, _CHANGE = ("reads.view_searchaudit",), ("reads.add_searchaudit",), ("reads.change_searchaudit",)


class SearchAuditViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AlprViewSet):
    """Periodic search audits of the caller's agency, for its auditors and agency admins. Open one for a period
    (the system draws the sample), review each sampled search, then close it."""

    queryset = audits_with_counts().select_related("opened_by", "closed_by")
    serializer_class = SearchAuditSerializer
    required_perms = {"list": _VIEW, "retrieve": _VIEW, "create": _ADD, "review": _CHANGE, "close": _CHANGE}
    filterset_fields = {"period_start": ["gte"], "period_end": ["lte"], "closed_at": ["isnull"]}

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action in ("retrieve", "create", "close"):
            samples = SearchAuditSample.objects.select_related("access_log_entry", "reviewed_by")
            queryset = queryset.prefetch_related(Prefetch("samples", queryset=samples))
        return queryset

    def get_serializer_class(self):
        return SearchAuditSerializer if self.action == "list" else SearchAuditDetailSerializer

    def _detail(self, pk, status_code=status.HTTP_200_OK) -> Response:
        audit = self.get_queryset().get(pk=pk)  # read again: the counts and samples after the write
        return Response(SearchAuditDetailSerializer(audit).data, status=status_code)

    @extend_schema(request=SearchAuditOpenSerializer, responses={201: SearchAuditDetailSerializer})
    def create(self, request):
        body = SearchAuditOpenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            audit = audit_open(agency=membership_of(request.user).agency, opened_by=request.user, **body.validated_data)
        except DjangoValidationError as exc:
            raise validation_error(exc) from exc
        return self._detail(audit.pk, status.HTTP_201_CREATED)

    @extend_schema(request=SampleReviewSerializer, responses=SearchAuditSampleSerializer)
    @action(detail=True, methods=["post"], url_path=r"samples/(?P<sample_id>\d+)/review")
    def review(self, request, pk=None, sample_id=None):
        audit = self.get_object()
        sample = get_object_or_404(SearchAuditSample, audit=audit, pk=sample_id)
        body = SampleReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            sample = audit_review_sample(audit=audit, sample=sample, reviewer=request.user, **body.validated_data)
        except DjangoValidationError as exc:
            raise validation_error(exc) from exc
        return Response(SearchAuditSampleSerializer(sample).data)

    @extend_schema(request=SearchAuditCloseSerializer, responses=SearchAuditDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        audit = self.get_object()
        body = SearchAuditCloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            audit_close(audit=audit, closed_by=request.user, **body.validated_data)
        except DjangoValidationError as exc:
            raise validation_error(exc) from exc
        return self._detail(audit.pk)


class StaleAccountsView(APIView):
    """Accounts of the caller's agency due for deactivation: no sign-in for over 90 days (or never, for an account
    older than that), or no current ALPR training. For auditors and agency admins."""

    permission_classes = [AlprDataPermission]
    # Held together only by the audit roles (auditor, agency admin): records clerks see users but do not audit.
    required_perms = {"get": ("agencies.view_user", "reads.view_searchaudit")}

    @extend_schema(responses=StaleAccountsSerializer)
    def get(self, request):
        now = timezone.now()
        users = accounts_due_for_deactivation(membership_of(request.user).agency, now=now)
        results = [
            {
                "id": user.pk,
                "username": user.username,
                "full_name": user.get_full_name(),
                "role": user.membership.role,
                "job_title": user.membership.job_title,
                "date_joined": user.date_joined,
                "last_seen_at": user.last_seen_at,
                "training_until": user.training_until,
                "reasons": deactivation_reasons(user, now=now),
            }
            for user in users
        ]
        body = {"inactivity_days": INACTIVITY_DAYS, "count": len(results), "results": results}
        return Response(StaleAccountsSerializer(body).data)


_PARTNER_VIEW = ("reads.view_partnersearch",)
PARTNER_NOT_A_NUMBER = "Give the partner agency's id (a number), or leave it out for every partner."


class PartnerSearchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, AlprViewSet):
    """Every access by another agency's people that reached the caller's agency's data, with the person's name,
    purpose, case number, on-behalf-of, criteria and result count. For the owner's auditors and agency admins.
    `report/csv/` and `report/pdf/` give a month's report (`?month=YYYY-MM`, optionally `&partner=<agency id>`)."""

    queryset = PartnerSearch.objects.select_related("agency", "user", "on_behalf_of")
    serializer_class = PartnerSearchSerializer
    required_perms = {"list": _PARTNER_VIEW, "retrieve": _PARTNER_VIEW, "report": _PARTNER_VIEW}
    filterset_fields = {"at": ["gte", "lt"], "agency": ["exact"], "action": ["exact"], "purpose": ["exact"]}

    @extend_schema(responses={(200, "text/csv"): bytes, (200, "application/pdf"): bytes})
    @action(detail=False, methods=["get"], url_path=r"report/(?P<kind>csv|pdf)")
    def report(self, request, kind=None):
        partner = request.query_params.get("partner") or None
        try:
            if partner is not None and not partner.isdigit():
                raise DjangoValidationError({"partner": [PARTNER_NOT_A_NUMBER]})
            report = monthly_report(
                owner=membership_of(request.user).agency,
                month=request.query_params.get("month"),
                partner_id=int(partner) if partner else None,
            )
        except DjangoValidationError as exc:
            raise validation_error(exc) from exc
        report_download_log(report, user=request.user, channel=Channel.API, client_address=client_address(request))
        if kind == "csv":
            response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(report_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{report.file_stem}.{kind}"'
        return response

from django.urls import path
from rest_framework.routers import SimpleRouter

from .analysis_views import (
    ConvoyExportView,
    ConvoyView,
    LocateExportView,
    LocateView,
    PlacesExportView,
    PlacesView,
)
from .audit_views import PartnerSearchViewSet, SearchAuditViewSet, StaleAccountsView
from .peer_views import (
    AxisIngestView,
    FrigateIngestView,
    GenetecIngestView,
    HikvisionIngestView,
    PlateRecognizerIngestView,
)
from .views import (
    AccessLogViewSet,
    CameraViewSet,
    EvidenceHoldViewSet,
    OpenAlprWebhookView,
    PurgeRunViewSet,
    ReadBatchView,
    ReadSearchView,
    ReadViewSet,
)

router = SimpleRouter()
router.register("reads", ReadViewSet)
router.register("cameras", CameraViewSet)
router.register("holds", EvidenceHoldViewSet)
router.register("audit/access-log", AccessLogViewSet, basename="access-log")
router.register("audit/audits", SearchAuditViewSet, basename="search-audit")
router.register("audit/partner-searches", PartnerSearchViewSet, basename="partner-search")
router.register("purge-runs", PurgeRunViewSet)

urlpatterns = [
    path("reads/batch/", ReadBatchView.as_view(), name="read-batch"),
    path("reads/search/", ReadSearchView.as_view(), name="read-search"),
    path("ingest/openalpr/", OpenAlprWebhookView.as_view(), name="ingest-openalpr"),
    path("analysis/convoy/", ConvoyView.as_view(), name="analysis-convoy"),
    path("analysis/convoy/export/", ConvoyExportView.as_view(), name="analysis-convoy-export"),
    path("analysis/places/", PlacesView.as_view(), name="analysis-places"),
    path("analysis/places/export/", PlacesExportView.as_view(), name="analysis-places-export"),
    path("analysis/locate/", LocateView.as_view(), name="analysis-locate"),
    path("analysis/locate/export/", LocateExportView.as_view(), name="analysis-locate-export"),
    path("ingest/frigate/", FrigateIngestView.as_view(), name="ingest-frigate"),
    path("ingest/platerecognizer/", PlateRecognizerIngestView.as_view(), name="ingest-platerecognizer"),
    path("ingest/axis/", AxisIngestView.as_view(), name="ingest-axis"),
    path("ingest/hikvision/", HikvisionIngestView.as_view(), name="ingest-hikvision"),
    path("ingest/genetec/", GenetecIngestView.as_view(), name="ingest-genetec"),
    path("audit/stale-accounts/", StaleAccountsView.as_view(), name="stale-accounts"),
    *router.urls,
]

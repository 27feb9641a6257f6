from django.urls import path
from rest_framework.routers import SimpleRouter

from .audit_views import PartnerSearchViewSet, SearchAuditViewSet, StaleAccountsView
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
    path("audit/stale-accounts/", StaleAccountsView.as_view(), name="stale-accounts"),
    *router.urls,
]

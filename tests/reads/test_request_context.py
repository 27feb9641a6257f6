"""What a request knows about its user (agency, role, training, the agencies visible per scope) is computed once
per request and never kept beyond it; the access log records exactly the agencies a search used; and query-count
budgets for a search, an ingest batch and a portal page, which fail when a change makes them run more queries."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.access import TRAINING_REQUIRED, access_of
from agencies.choices import TokenPurpose
from agencies.models import ApiToken, TrainingRecord
from agencies.request_scope import RequestScopeMiddleware, request_cache
from reads.models import AccessLogEntry

from ..sharing.conftest import active_mou

pytestmark = pytest.mark.django_db
SEARCH = reverse("read-search")

# Budgets: what each runs today, measured; a change that adds a query fails here and must say why.
# A search: the token with its user, membership and agency (1) and its last use (1); training (1); the role's
# permissions (2); sharing (1); the prohibited-purpose terms of the searcher's agency and of the owners whose data
# it reaches (2); the reads (1); the access-log row (5, with its savepoint and chain lock).
SEARCH_QUERIES = 14
# An ingest batch of 50 reads, whatever its size: token (2), cameras (1), partition (3), sharing for alert routing
# (1), hotlist matching (1), camera heartbeats (1), savepoints (2).
INGEST_BATCH_QUERIES = 11
# The portal's first view: one query per figure (later views take the figures from the cache, tests/transparency),
# plus the program page's live sections (questions, FAQ, program facts, costs, council, evaluation, camera counts:
# tests/transparency/test_faq_and_facts.py).
PORTAL_QUERIES = 44


@pytest.fixture
def shared(agency, other_agency, make_camera, store_reads):
    """Our reads and a partner's that shares its reads with us (search scope)."""
    store_reads(make_camera(agency, "Ours"), ["7ABC123"])
    store_reads(make_camera(other_agency, "Theirs"), ["7ABC123"])
    active_mou(other_agency, agency)
    return other_agency


def _token_client(user) -> APIClient:
    """As an integration calls: a fresh user loaded by the token on every request."""
    _, secret = ApiToken.issue(user=user, name="test", purpose=TokenPurpose.API)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def _queries_on(captured, table: str) -> int:
    return sum(1 for query in captured.captured_queries if f'"{table}"' in query["sql"] or f" {table} " in query["sql"])


def test_one_search_checks_training_and_sharing_once(investigator, shared, search_body):
    client = _token_client(investigator)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(SEARCH, search_body(plate="7ABC123", attestation=True), format="json")
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 2
    assert _queries_on(captured, "agencies_trainingrecord") == 1
    assert _queries_on(captured, "sharing_mou") == 1
    assert _queries_on(captured, "agencies_membership") == 1


def test_the_search_budget(investigator, shared, search_body, django_assert_max_num_queries):
    client = _token_client(investigator)
    with django_assert_max_num_queries(SEARCH_QUERIES):
        assert client.post(SEARCH, search_body(plate="7ABC123", attestation=True), format="json").status_code == 200


def test_the_access_log_records_exactly_the_agencies_searched(investigator, agency, shared, search_body):
    client = _token_client(investigator)
    everything = client.post(SEARCH, search_body(plate="7ABC123", attestation=True), format="json").json()
    assert sorted(read["agency_id"] for read in everything["results"]) == sorted([agency.pk, shared.pk])
    theirs = search_body(plate="7ABC123", agencies=[shared.pk], attestation=True)
    only_theirs = client.post(SEARCH, theirs, format="json").json()
    assert [read["agency_id"] for read in only_theirs["results"]] == [shared.pk]
    logged = list(AccessLogEntry.objects.order_by("at").values_list("agencies_searched", flat=True))
    assert logged == [sorted([agency.pk, shared.pk]), [shared.pk]]


def test_a_lapse_takes_effect_on_the_next_request(client_for, investigator, shared, search_body):
    """The same client and the same user object: nothing of the first request is kept for the second."""
    client = client_for(investigator)
    assert client.post(SEARCH, search_body(plate="7ABC123", attestation=True), format="json").status_code == 200
    TrainingRecord.objects.filter(user=investigator).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    refused = client.post(SEARCH, search_body(plate="7ABC123", attestation=True), format="json")
    assert refused.status_code == 403 and refused.json()["detail"] == TRAINING_REQUIRED


def test_the_context_lives_exactly_as_long_as_the_request(investigator):
    assert request_cache() is None  # outside a request, nothing is kept: each call computes afresh
    assert access_of(investigator) is not access_of(investigator)
    seen = {}

    def view(request):
        seen["same"] = access_of(investigator) is access_of(investigator)
        seen["cache"] = request_cache()
        return "response"

    assert RequestScopeMiddleware(view)(object()) == "response"
    assert seen["same"] and seen["cache"] is not None
    assert request_cache() is None


def test_the_ingest_batch_budget(agency, camera, ingest_client, django_assert_max_num_queries):
    client = ingest_client(agency)
    at = timezone.now() - dt.timedelta(minutes=5)
    reads = [
        {"camera": camera.pk, "captured_at": (at + dt.timedelta(seconds=i)).isoformat(), "plate": f"7QC{i:04d}",
         "source_id": f"qc-{i}"}
        for i in range(50)
    ]  # fmt: skip
    with django_assert_max_num_queries(INGEST_BATCH_QUERIES):
        response = client.post(reverse("read-batch"), {"reads": reads}, format="json")
    assert response.status_code == 201, response.content


def test_the_portal_page_budget(client, agency, django_assert_max_num_queries):
    with django_assert_max_num_queries(PORTAL_QUERIES):
        response = client.get(reverse("transparency:portal", args=[agency.slug]))
    assert response.status_code == 200

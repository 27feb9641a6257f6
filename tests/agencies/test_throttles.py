"""Scoped rate limits that search and ingest views attach (common/throttles.py)."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from agencies.choices import Role, TokenPurpose
from agencies.models import ApiToken
from common.throttles import IngestRateThrottle, ScopeRateThrottle, SearchRateThrottle

pytestmark = pytest.mark.django_db


class _SearchView(APIView):
    throttle_classes = [SearchRateThrottle]

    def get(self, request):
        return Response({"ok": True})


class _IngestView(APIView):
    throttle_classes = [IngestRateThrottle]

    def post(self, request):
        return Response({"ok": True})


@pytest.fixture
def rates(settings):
    def _set(**rates):
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    return _set


def test_search_is_limited_per_user(rates, make_user):
    rates(search="2/min")
    view = _SearchView.as_view()
    first, second = make_user(Role.INVESTIGATOR), make_user(Role.INVESTIGATOR)

    def call(user):
        request = APIRequestFactory().get("/search/")
        force_authenticate(request, user=user)
        return view(request)

    assert [call(first).status_code for _ in range(3)] == [200, 200, 429]
    assert call(second).status_code == 200


def test_ingest_is_limited_per_token(rates, make_user, settings):
    rates(ingest="2/min")
    settings.ROOT_URLCONF = "tests.agencies.throttle_urls"
    user = make_user(Role.RECORDS_CLERK)
    _, camera_a = ApiToken.issue(user=user, name="camera A", purpose=TokenPurpose.INGEST)
    _, camera_b = ApiToken.issue(user=user, name="camera B", purpose=TokenPurpose.INGEST)

    def push(secret):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
        return client.post("/ingest/", {}).status_code

    assert [push(camera_a) for _ in range(3)] == [200, 200, 429]
    assert push(camera_b) == 200


def test_a_scope_without_a_rate_is_a_configuration_error(rates):
    rates(search="2/min")

    class Unknown(ScopeRateThrottle):
        scope = "nothing"

    with pytest.raises(ImproperlyConfigured):
        Unknown()

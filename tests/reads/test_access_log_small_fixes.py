"""Two facts of the access log: the client's address behind reverse proxies (the same function sign-in uses), and
the age of the oldest result over the whole search, not the page shown."""

from __future__ import annotations

import datetime as dt

from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from agencies.signin import lockout
from common.api import client_address as api_client_address
from common.client import client_address
from reads.models import AccessLogEntry

SEARCH = reverse("read-search")
PROXY, CLIENT = "10.0.0.5", "203.0.113.7"


def _rest(num_proxies: int):
    from django.conf import settings

    return override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "NUM_PROXIES": num_proxies})


def test_one_function_gives_the_client_address_to_the_log_and_to_sign_in():
    assert api_client_address is client_address and lockout.client_address is client_address
    request = RequestFactory().get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.1, {CLIENT}")
    with _rest(1):
        assert client_address(request) == CLIENT  # the address the one trusted proxy saw
    with _rest(0):
        assert client_address(request) == PROXY  # no proxy trusted: the header is the client's own claim
    assert client_address(RequestFactory().get("/", REMOTE_ADDR="not-an-address")) is None


def test_behind_a_proxy_the_access_log_records_the_client_not_the_proxy(
    client_for, investigator, camera, store_reads, search_body
):
    store_reads(camera, ["7PRX001"])
    api = client_for(investigator)
    with _rest(1):
        response = api.post(
            SEARCH, search_body(plate="7PRX001"), format="json", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT
        )
    assert response.status_code == 200, response.content
    assert AccessLogEntry.objects.get().client_address == CLIENT
    with _rest(0):
        api.post(SEARCH, search_body(plate="7PRX001"), format="json", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT)
    assert AccessLogEntry.objects.order_by("-id").first().client_address == PROXY


def test_the_oldest_result_is_the_oldest_of_the_whole_search_not_of_the_page(
    client_for, investigator, camera, store_reads, search_body
):
    oldest = timezone.now() - dt.timedelta(days=6)
    store_reads(camera, ["7OLD001"] * 30, at=oldest, step=dt.timedelta(hours=4))
    response = client_for(investigator).post(SEARCH, search_body(plate="7OLD001", page_size=10), format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 30 and len(body["results"]) == 10
    entry = AccessLogEntry.objects.get()
    assert entry.oldest_result_at == oldest.replace(microsecond=oldest.microsecond)
    assert entry.result_count == 30

"""With DEBUG off (production, the demo, the tests), error pages are friendly and reveal nothing: no URL map on a
404, no traceback, exception, setting or path on a 500."""

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

REVEALING = ["URLconf", "urlpatterns", "api/v1/", "admin/", "healthz", "Traceback", "SECRET_KEY", "DATABASES"]


@override_settings(DEBUG=False)
def test_the_404_page_lists_no_url_patterns(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and "Go to the start page" in page
    for text in REVEALING:
        assert text not in page, text


@override_settings(DEBUG=False, ROOT_URLCONF="tests.deploy.boom_urls")
def test_the_500_page_reveals_nothing():
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    for text in [*REVEALING, "RuntimeError", "secret-detail", "hunter2", "/srv/alpr", "base.py"]:
        assert text not in page, text

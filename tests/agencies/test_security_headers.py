"""Security headers on every response, and pages that need no inline script or style."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from common.middleware import CONTENT_SECURITY_POLICY, PERMISSIONS_POLICY

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    ["/accounts/login/", "/", "/admin/", "/api/v1/agencies/", "/healthz", "/no-such-page/", "/static/css/site.css"],
)
def test_every_response_carries_the_security_headers(path):
    response = Client().get(path)
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response["Permissions-Policy"] == PERMISSIONS_POLICY
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_policy_allows_nothing_external_and_nothing_inline():
    directives = dict(part.split(" ", 1) for part in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY
    assert "http" not in CONTENT_SECURITY_POLICY
    assert "camera=()" in PERMISSIONS_POLICY and "geolocation=()" in PERMISSIONS_POLICY


def test_the_middleware_is_outermost():
    """So that redirects and errors made by other middleware carry the headers too."""
    assert settings.MIDDLEWARE[0] == "common.middleware.SecurityHeadersMiddleware"


def test_the_api_docs_page_needs_no_exception_its_files_come_from_this_origin():
    response = Client().get("/api/docs/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    page = response.content.decode()
    assert "<script>" not in page  # its start-up script is served from this origin
    assert "http://" not in page and "https://" not in page and "/static/drf_spectacular_sidecar/" in page


def test_site_templates_hold_no_inline_script_or_style():
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = template.read_text()
        assert "<script" not in text, template
        assert "<style" not in text, template
        assert " style=" not in text, template
        assert "http://" not in text and "https://" not in text, template


def test_the_login_page_is_plain_html5_with_the_site_stylesheet():
    html = Client().get("/accounts/login/").content.decode()
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in html
    assert '<link rel="stylesheet" href="/static/css/site.css">' in html
    assert '<main id="main"' in html and "<header" in html and "<footer" in html

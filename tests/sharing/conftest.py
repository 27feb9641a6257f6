"""Fixtures of the sharing tests: a signed PDF, and MOUs in each state, made through the services."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agencies.access import Scope
from sharing import services

# The reads app's fixtures (cameras, reads stored through ingest, a search body), for the partner-search tests.
from ..reads.conftest import make_camera, search_body, store_reads  # noqa: F401

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def signed_pdf(name="signed-mou.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def draft_mou(owner, partner, *, scopes=(Scope.SEARCH,), document=True, **overrides):
    today = timezone.localdate()
    fields = {
        "owner": owner,
        "partner": partner,
        "scopes": scopes,
        "effective_on": today - dt.timedelta(days=10),
        "expires_on": today + dt.timedelta(days=365),
        "justification": "Shared regional auto-theft task force.",
        "owner_signatory": "Chief A. Owner",
        "partner_signatory": "Chief B. Partner",
        "partner_certified_purposes": True,
        "document": signed_pdf() if document is True else (document or None),
    }
    fields.update(overrides)
    return services.mou_create(**fields)


def active_mou(owner, partner, **kwargs):
    return services.mou_activate(mou=draft_mou(owner, partner, **kwargs))


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def admin_client_for(user):
    """A Django test client signed in to admin as `user`, with a verified second factor (staff need one)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_static.models import StaticDevice

    client = Client()
    client.force_login(user)
    device, _ = StaticDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client

"""Each role lands on its own work (issue #20): a records clerk on MOUs to act on, imports and camera health; an
auditor on open audits, recent access and refusals; neither on "recent searches" they cannot make."""

import datetime as dt

import pytest
from django.utils import timezone

from agencies.choices import Role
from hotlists.choices import ImportFormat
from hotlists.models import Hotlist, HotlistImport
from reads.models import SearchAudit
from sharing.models import SharingRefusal

from ..sharing.conftest import draft_mou
from .conftest import text

pytestmark = pytest.mark.django_db


def test_a_records_clerk_lands_on_mous_and_imports(make_user, signed_in, agency, other_agency, camera):
    mou = draft_mou(agency, other_agency)
    hotlist = Hotlist.objects.create(agency=agency, name="Local stolen", source="manual", category="stolen_vehicle")
    HotlistImport.objects.create(hotlist=hotlist, file_name="plates.csv", file_format=ImportFormat.CSV, replace=False)
    page = text(signed_in(make_user(Role.RECORDS_CLERK, username="clerk")).get("/"))
    assert "MOUs to act on" in page and f"/admin/sharing/mou/{mou.pk}/change/" in page
    assert "Hotlist imports" in page and "plates.csv" in page
    assert "Camera health" in page
    assert "recent searches" not in page.lower() and "Open audits" not in page


def test_an_auditor_lands_on_audits_access_and_refusals(make_user, signed_in, agency, other_agency):
    auditor = make_user(Role.AUDITOR, username="auditor")
    today = timezone.localdate()
    audit = SearchAudit.objects.create(
        agency=agency, period_start=today - dt.timedelta(days=30), period_end=today, seed=7, opened_by=auditor
    )
    SharingRefusal.objects.create(owner=agency, partner=other_agency, where="admin", reason="Not a public agency.")
    page = text(signed_in(auditor).get("/"))
    assert "Open audits" in page and f"/admin/reads/searchaudit/{audit.pk}/change/" in page
    assert "Recent access to ALPR data" in page
    assert "Sharing refusals" in page and "Not a public agency." in page
    assert "recent searches" not in page.lower() and "MOUs to act on" not in page


def test_an_investigator_still_sees_recent_searches(make_user, signed_in):
    page = text(signed_in(make_user(Role.INVESTIGATOR, username="det")).get("/"))
    assert "Your recent searches" in page and "MOUs to act on" not in page and "Open audits" not in page

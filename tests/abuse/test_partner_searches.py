"""The owner agency sees every search of its data by partner agencies, with the person's name: in the API, in
admin, in a monthly per-partner report (CSV and PDF); the public portal shows per-partner counts."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.access import Scope
from agencies.choices import Role
from reads.choices import AccessAction
from reads.models import AccessLogEntry
from reads.partner_searches import MONTH_FORMAT, REPORT_PURPOSE

from ..factories import AgencyFactory, UserFactory
from ..sharing.conftest import active_mou, admin_client_for

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/reads/search/"
LIST = "/api/v1/audit/partner-searches/"


@pytest.fixture
def world(agency, other_agency, make_user, client_for, search_body, make_camera, store_reads):
    """Palm Vista (owner) shares search with Desert Springs (partner); Dana Reyes of Desert Springs searches it
    on behalf of a third California agency; Palm Vista's own investigator searches too (not a partner search)."""
    store_reads(make_camera(agency), ["7ABC123", "7ABC123"])
    active_mou(agency, other_agency, scopes=[Scope.SEARCH])
    third = AgencyFactory(name="Mesa County Sheriff", slug="mesa-so", ori="CA0339000", kind="sheriff")
    dana = UserFactory(username="dreyes", first_name="Dana", last_name="Reyes", agency=other_agency)
    body = search_body(plate="7ABC123", case_number="DS-26-0815", attestation=True, on_behalf_of_ori=third.ori)
    response = client_for(dana).post(SEARCH, body, format="json")
    assert response.status_code == 200, response.json()
    own = client_for(make_user(Role.INVESTIGATOR, username="pv-inv")).post(SEARCH, search_body(plate="7ABC123"))
    assert own.status_code == 200
    return {"dana": dana, "third": third, "partner_log_id": response.json()["access_log_id"]}


def test_owner_auditor_lists_every_partner_search_with_the_persons_name(
    world, client_for, make_user, agency, other_agency
):
    auditor = make_user(Role.AUDITOR, username="pv-auditor")
    response = client_for(auditor).get(LIST)
    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["id"] == world["partner_log_id"]
    assert (row["partner_agency"], row["partner_ori"]) == (other_agency.name, other_agency.ori)
    assert (row["name"], row["username"]) == ("Dana Reyes", "dreyes")
    assert (row["purpose"], row["case_number"]) == ("criminal_investigation", "DS-26-0815")
    assert (row["on_behalf_of_name"], row["on_behalf_of_ori"]) == (world["third"].name, world["third"].ori)
    assert row["criteria"]["plate"] == "7ABC123"
    assert row["result_count"] == 2 and row["attested"] is True
    assert client_for(auditor).get(f"{LIST}{row['id']}/").status_code == 200
    # The partner's own auditor sees no search of *its* data here; an investigator may not look at all.
    partner_auditor = make_user(Role.AUDITOR, username="ds-auditor", agency=other_agency)
    assert client_for(partner_auditor).get(LIST).json()["count"] == 0
    assert client_for(partner_auditor).get(f"{LIST}{row['id']}/").status_code == 404
    assert client_for(make_user(Role.INVESTIGATOR, username="pv-inv2")).get(LIST).status_code == 403


def test_monthly_report_csv_and_pdf(world, client_for, make_user, agency, other_agency):
    client = client_for(make_user(Role.AGENCY_ADMIN, username="pv-admin"))
    month = f"{timezone.localdate():%Y-%m}"
    response = client.get(f"{LIST}report/csv/", {"month": month})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"partner-searches-palm-vista-pd-{month}.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(row["partner_agency"], row["name"], row["case_number"]) for row in rows] == [
        (other_agency.name, "Dana Reyes", "DS-26-0815")
    ]
    assert rows[0]["on_behalf_of_ori"] == world["third"].ori and '"plate": "7ABC123"' in rows[0]["criteria"]
    one = client.get(f"{LIST}report/csv/", {"month": month, "partner": other_agency.pk})
    assert len(list(csv.DictReader(io.StringIO(one.content.decode())))) == 1
    none = client.get(f"{LIST}report/csv/", {"month": month, "partner": world["third"].pk})
    assert list(csv.DictReader(io.StringIO(none.content.decode()))) == []
    pdf = client.get(f"{LIST}report/pdf/", {"month": month})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf["Content-Type"] == "application/pdf"
    # Each download is an access written to the log, filed under the owner (never a search of a partner's data).
    downloads = AccessLogEntry.objects.filter(purpose_detail=REPORT_PURPOSE, username="pv-admin")
    assert downloads.count() == 4 and {entry.agencies_searched[0] for entry in downloads} == {agency.pk}
    bad = client.get(f"{LIST}report/csv/", {"month": "March"})
    assert bad.status_code == 400 and bad.json()["month"] == [MONTH_FORMAT]
    assert client.get(f"{LIST}report/pdf/", {"month": month, "partner": "x"}).status_code == 400


def test_admin_shows_partner_searches_and_downloads_the_report(world, make_user, other_agency):
    client = admin_client_for(make_user(Role.AUDITOR, username="pv-auditor"))
    page = client.get(reverse("admin:reads_partnersearch_changelist"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Dana Reyes" in html and "DS-26-0815" in html and other_agency.name in html
    assert list(page.context["cl"].result_list) == list(AccessLogEntry.objects.filter(pk=world["partner_log_id"]))
    report = client.get(reverse("admin:reads_partnersearch_report"), {"month": f"{timezone.localdate():%Y-%m}"})
    assert report.status_code == 200 and "Dana Reyes" in report.content.decode()
    logged = AccessLogEntry.objects.latest("id")  # the download is itself an access, written to the log
    assert logged.purpose_detail == REPORT_PURPOSE and logged.action == AccessAction.EXPORT
    assert logged.result_count == 1 and logged.username == "pv-auditor"
    pdf = client.get(reverse("admin:reads_partnersearch_report"), {"month": "2026-01", "kind": "pdf"})
    assert pdf.content.startswith(b"%PDF")


def test_portal_shows_searches_per_partner_agency(world, client, other_agency):
    html = client.get(reverse("transparency:portal", args=["palm-vista-pd"])).content.decode()
    assert 'data-figure="partner_searches_by_agency"' in html
    assert f"<td>{other_agency.name}</td><td>1</td>" in html
    data = client.get(reverse("api-transparency", args=["palm-vista-pd"])).json()
    assert data["partner_searches_by_agency"] == [{"name": other_agency.name, "searches": 1}]

"""The one prohibited-purpose screen (common/prohibited.py), through every place a person states a purpose or a
reason: search and timeline purposes (API and console), image views, hotlist entries (API, admin, CSV import),
MOU justifications, evidence hold reasons and alert notes. Each entry point is run over the whole table."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from agencies.choices import Role
from agencies.models import ProhibitedTerm
from common.prohibited import IMMIGRATION_ENFORCEMENT_REFUSED, normalize, prohibited_term_in, states_prohibited_purpose
from hotlists.choices import Category, HotlistSource
from hotlists.models import Hotlist, HotlistEntry
from hotlists.rules import PROHIBITED_REASON
from reads.models import AccessLogEntry, EvidenceHold
from sharing.models import MOU

from ..console.conftest import search_form, text
from ..factories import AgencyFactory
from ..sharing.conftest import admin_client_for, signed_pdf
from .phrasings import ACCEPTED, REFUSED

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/reads/search/"


# -- the screen itself ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("phrase", REFUSED)
def test_the_screen_refuses(phrase):
    assert prohibited_term_in(phrase) is not None, normalize(phrase)


@pytest.mark.parametrize("phrase", ACCEPTED)
def test_the_screen_accepts_ordinary_police_words(phrase):
    assert prohibited_term_in(phrase) is None


def test_normalisation_folds_width_look_alikes_accents_and_spelled_letters():
    assert normalize("\uff29\uff23\uff25") == "ice"
    assert normalize("\u0456mmigration") == "immigration"
    assert normalize("inmigración, expulsión") == "inmigracion expulsion"
    assert normalize("I-C-E") == normalize("I.C.E.") == normalize("i c e") == "ice"
    assert normalize("287(g)") == "287 g"


def test_agency_terms_extend_the_screen_for_that_agency_only(agency, other_agency):
    assert not states_prohibited_purpose("Operation Clean Sweep", agency_ids=[agency.pk])
    ProhibitedTerm.objects.create(agency=agency, term="clean sweep*")
    assert states_prohibited_purpose("operation CLEAN-SWEEPS", agency_ids=[agency.pk])
    assert not states_prohibited_purpose("operation clean sweeps", agency_ids=[other_agency.pk])


# -- searches: API, console, timeline, image views -----------------------------------------------------------------


def _other(detail):
    return {"purpose": "other", "purpose_detail": detail}


def test_search_api_refuses_every_phrasing_as_purpose_and_case_number(client_for, investigator, search_body):
    client = client_for(investigator)
    for phrase in REFUSED:
        response = client.post(SEARCH, search_body(plate="7ABC123", **_other(phrase)), format="json")
        assert response.status_code == 400, phrase
        assert response.json()["purpose_detail"] == [IMMIGRATION_ENFORCEMENT_REFUSED], phrase
        response = client.post(SEARCH, search_body(plate="7ABC123", case_number=phrase[:64]), format="json")
        assert response.status_code == 400 and "case_number" in response.json(), phrase
    assert not AccessLogEntry.objects.exists()


def test_search_api_accepts_ordinary_phrasings(client_for, investigator, search_body):
    client = client_for(investigator)
    for phrase in ACCEPTED:
        response = client.post(SEARCH, search_body(plate="7ABC123", **_other(phrase)), format="json")
        assert response.status_code == 200, (phrase, response.json())
    assert AccessLogEntry.objects.count() == len(ACCEPTED)


def test_console_search_and_timeline_refuse_every_phrasing(verified_client, investigator):
    client = verified_client(investigator)
    for phrase in REFUSED:
        for url in ("/console/search/", "/console/timeline/"):
            response = client.post(url, search_form(plate="7ABC123", **_other(phrase)))
            assert response.status_code == 400, (url, phrase)
            assert IMMIGRATION_ENFORCEMENT_REFUSED in text(response), (url, phrase)
    assert not AccessLogEntry.objects.exists()


def test_console_search_accepts_ordinary_phrasings(verified_client, investigator):
    client = verified_client(investigator)
    for phrase in ACCEPTED:
        response = client.post("/console/search/", search_form(plate="7ABC123", **_other(phrase)))
        assert response.status_code == 302, phrase


def test_image_view_refuses_every_phrasing(client_for, investigator, camera, settings, tmp_path):
    from reads.choices import ReadSource
    from reads.services import read_ingest

    settings.MEDIA_ROOT = tmp_path
    item = {"camera": camera.pk, "captured_at": timezone.now().isoformat(), "plate": "7ABC123", "source_id": "img-1"}
    images = {"img-1": b"\xff\xd8x"}
    result = read_ingest(agency=camera.agency, items=[item], source=ReadSource.CAMERA_PUSH, images=images)
    url = f"/api/v1/reads/{result.reads[0].id}/image/"
    client = client_for(investigator)
    for phrase in REFUSED:
        response = client.get(url, {"case_number": "PV-1", **_other(phrase)})
        assert response.status_code == 400, phrase
    assert client.get(url, {"case_number": "PV-1", **_other(ACCEPTED[0])}).status_code == 200
    assert AccessLogEntry.objects.count() == 1


# -- hotlist entries: API, admin, import ---------------------------------------------------------------------------


@pytest.fixture
def hotlist(agency):
    return Hotlist.objects.create(
        agency=agency, name="Stolen vehicles", source=HotlistSource.MANUAL, category=Category.STOLEN_VEHICLE
    )


def test_hotlist_entry_api_refuses_every_phrasing(client_for, investigator, hotlist):
    client = client_for(investigator)
    for number, phrase in enumerate(REFUSED):
        body = {"hotlist": hotlist.pk, "plate": f"7ABC{number:03d}", "plate_state": "CA", "description": phrase}
        response = client.post("/api/v1/hotlist-entries/", body, format="json")
        assert response.status_code == 400, phrase
        assert response.json()["reason"] == [PROHIBITED_REASON], phrase
    assert not HotlistEntry.objects.exists()
    for number, phrase in enumerate(ACCEPTED):
        body = {"hotlist": hotlist.pk, "plate": f"8ABC{number:03d}", "plate_state": "CA", "description": phrase}
        assert client.post("/api/v1/hotlist-entries/", body, format="json").status_code == 201, phrase


def test_hotlist_entry_admin_refuses_every_phrasing(make_user, hotlist):
    client = admin_client_for(make_user(Role.RECORDS_CLERK, username="clerk"))
    url = reverse("admin:hotlists_hotlistentry_add")
    for number, phrase in enumerate(REFUSED):
        body = {"hotlist": hotlist.pk, "plate": f"7ABC{number:03d}", "plate_state": "CA", "reason": "stolen_vehicle"}
        response = client.post(url, {**body, "description": phrase})
        assert response.status_code == 200 and PROHIBITED_REASON in text(response), phrase
        response = client.post(url, {**body, "description": "stolen", "case_number": phrase[:64]})
        assert response.status_code == 200 and PROHIBITED_REASON in text(response), phrase
    assert not HotlistEntry.objects.exists()
    body = {"hotlist": hotlist.pk, "plate": "8ABC001", "plate_state": "CA", "reason": "stolen_vehicle"}
    assert client.post(url, {**body, "description": "ice cream truck"}).status_code == 302
    entry = HotlistEntry.objects.get()
    change = reverse("admin:hotlists_hotlistentry_change", args=[entry.pk])
    response = client.post(change, {"reason": "stolen_vehicle", "description": "now wanted by ICE"})
    assert PROHIBITED_REASON in text(response)
    entry.refresh_from_db()
    assert entry.description == "ice cream truck"


def _import(client, url, upload, capture) -> dict:
    """An import through the API: queued (202), run by the worker (eager here) after commit; its record."""
    with capture(execute=True):
        response = client.post(url, {"file": upload, "format": "csv"}, format="multipart")
    assert response.status_code == 202, response.content
    return client.get(response["Location"]).json()


def test_csv_import_refuses_every_phrasing(client_for, make_user, hotlist, django_capture_on_commit_callbacks):
    client = client_for(make_user(Role.RECORDS_CLERK, username="clerk"))
    url = f"/api/v1/hotlists/{hotlist.pk}/import/"
    rows = "".join(f'7ABC{number:03d},CA,"{phrase}"\n' for number, phrase in enumerate(REFUSED))
    upload = SimpleUploadedFile("list.csv", ("plate,state,description\n" + rows).encode())
    record = _import(client, url, upload, django_capture_on_commit_callbacks)
    assert record["outcome"] == "refused"
    assert [error["line"] for error in record["errors"]] == list(range(2, len(REFUSED) + 2))
    assert {error["reason"] for error in record["errors"]} == {PROHIBITED_REASON}
    rows = "".join(f'8ABC{number:03d},CA,"{phrase}"\n' for number, phrase in enumerate(ACCEPTED))
    upload = SimpleUploadedFile("list.csv", ("plate,state,description\n" + rows).encode())
    record = _import(client, url, upload, django_capture_on_commit_callbacks)
    assert record["outcome"] == "succeeded", record
    assert record["added"] == len(ACCEPTED)


def test_import_uses_the_agencys_own_terms(client_for, make_user, hotlist, agency, django_capture_on_commit_callbacks):
    ProhibitedTerm.objects.create(agency=agency, term="special removal unit")
    client = client_for(make_user(Role.RECORDS_CLERK, username="clerk"))
    upload = SimpleUploadedFile("list.csv", b"plate,state,description\n7ABC123,CA,for the Special Removal Unit\n")
    url = f"/api/v1/hotlists/{hotlist.pk}/import/"
    record = _import(client, url, upload, django_capture_on_commit_callbacks)
    assert record["outcome"] == "refused"
    assert record["errors"] == [{"line": 2, "reason": PROHIBITED_REASON}]


# -- MOU justifications, holds, alert notes ------------------------------------------------------------------------


def test_mou_admin_refuses_every_phrasing_as_justification(make_user, agency, other_agency):
    client = admin_client_for(make_user(Role.RECORDS_CLERK, username="clerk"))
    today = timezone.localdate()
    form = {
        "owner": agency.pk,
        "partner": other_agency.pk,
        "scope_search": "on",
        "effective_on": today.isoformat(),
        "expires_on": (today + dt.timedelta(days=365)).isoformat(),
        "owner_signatory": "Chief A. Owner",
        "partner_signatory": "Chief B. Partner",
        "partner_certified_purposes": "on",
    }
    url = reverse("admin:sharing_mou_add")
    for phrase in REFUSED:
        response = client.post(url, {**form, "justification": f"Regional task force; {phrase}"})
        assert response.status_code == 200 and IMMIGRATION_ENFORCEMENT_REFUSED in text(response), phrase
    assert not MOU.objects.exists()
    response = client.post(url, {**form, "justification": "Regional auto-theft task force", "document": signed_pdf()})
    assert response.status_code == 302
    assert MOU.objects.count() == 1


def test_hold_reasons_are_screened_in_the_api_and_the_console(
    client_for, verified_client, investigator, camera, store_reads
):
    read_id = store_reads(camera, ["7ABC123"]).reads[0].id
    client = client_for(investigator)
    for phrase in REFUSED:
        response = client.post("/api/v1/holds/", {"case_number": "PV-1", "reason": phrase, "read_ids": [read_id]})
        assert response.status_code == 400, phrase
        assert response.json()["reason"] == [IMMIGRATION_ENFORCEMENT_REFUSED], phrase
    console = verified_client(investigator)
    log_id = int(console.post("/console/search/", search_form(plate="7ABC123"))["Location"].rstrip("/").split("/")[-1])
    for phrase in REFUSED[:5]:
        body = {"search": log_id, "read_ids": [read_id], "case_number": "PV-1", "reason": phrase}
        response = console.post("/console/holds/place/", body, follow=True)
        assert IMMIGRATION_ENFORCEMENT_REFUSED in text(response), phrase
    assert not EvidenceHold.objects.exists()
    response = client.post("/api/v1/holds/", {"case_number": "PV-1", "reason": ACCEPTED[0], "read_ids": [read_id]})
    assert response.status_code == 201


def test_alert_notes_are_screened(client_for, investigator, hotlist, camera, store_reads):
    from hotlists.models import Alert
    from hotlists.services import hotlist_entry_create

    hotlist_entry_create(hotlist=hotlist, user=investigator, plate="8HOT123", case_number="SV-1")
    store_reads(camera, ["8HOT123"])
    alert = Alert.objects.get()
    url = f"/api/v1/alerts/{alert.pk}/transition/"
    client = client_for(investigator)
    response = client.post(url, {"to_status": "acknowledged", "note": "handed to ICE ERO"}, format="json")
    assert response.status_code == 400 and response.json()["note"] == [IMMIGRATION_ENFORCEMENT_REFUSED]
    assert client.post(url, {"to_status": "acknowledged", "note": "ice cream truck"}).status_code == 200


def test_agency_term_added_in_admin_refuses_that_agencys_searches(make_user, client_for, search_body, agency):
    clerk = admin_client_for(make_user(Role.RECORDS_CLERK, username="clerk"))
    response = clerk.post(reverse("admin:agencies_prohibitedterm_add"), {"agency": agency.pk, "term": "clean sweep*"})
    assert response.status_code == 302, text(response)
    term = ProhibitedTerm.objects.get()
    assert (term.agency, term.added_by.username) == (agency, "clerk")
    ours = client_for(make_user(Role.INVESTIGATOR, username="ours"))
    response = ours.post(SEARCH, search_body(plate="7ABC123", **_other("Operation Clean-Sweeps")), format="json")
    assert response.status_code == 400
    theirs = client_for(make_user(Role.INVESTIGATOR, username="theirs", agency=AgencyFactory()))
    response = theirs.post(SEARCH, search_body(plate="7ABC123", **_other("Operation Clean-Sweeps")), format="json")
    assert response.status_code == 200


def test_a_hotlist_named_for_immigration_enforcement_is_refused_in_admin(make_user, agency):
    client = admin_client_for(make_user(Role.RECORDS_CLERK, username="clerk"))
    form = {"agency": agency.pk, "source": "manual", "category": "stolen_vehicle", "priority": 2,
            "alert_level": "standard", "match_strategy": "canonical", "is_active": "on"}  # fmt: skip
    url = reverse("admin:hotlists_hotlist_add")
    response = client.post(url, {**form, "name": "E.R.O. fugitives"})
    assert response.status_code == 200 and PROHIBITED_REASON in text(response)
    assert client.post(url, {**form, "name": "Stolen vehicles"}).status_code == 302
    assert Hotlist.objects.get().name == "Stolen vehicles"


def test_an_owners_own_terms_bind_partner_searches_of_its_data(
    agency, other_agency, make_user, client_for, search_body
):
    from agencies.access import Scope

    from ..sharing.conftest import active_mou

    active_mou(other_agency, agency, scopes=[Scope.SEARCH])
    ProhibitedTerm.objects.create(agency=other_agency, term="clean sweep*")
    client = client_for(make_user(Role.INVESTIGATOR, username="ours"))
    body = search_body(plate="7ABC123", attestation=True, **_other("Operation Clean Sweep"))
    response = client.post(SEARCH, body, format="json")
    assert response.status_code == 400 and response.json()["purpose_detail"] == [IMMIGRATION_ENFORCEMENT_REFUSED]
    # Narrowed to its own agency's data, the owner's terms do not apply.
    assert client.post(SEARCH, {**body, "agencies": [agency.pk]}, format="json").status_code == 200

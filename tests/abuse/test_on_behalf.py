"""Every search states for whom it is made; a search on behalf of an agency that may not receive ALPR data is
refused and recorded like a sharing refusal; the access log records on-behalf-of; a search reaching other
agencies' data carries the searcher's attestation."""

import pytest

from agencies.access import Scope
from reads.access_log import access_log_verify
from reads.models import AccessLogEntry
from reads.purpose import (
    ATTESTATION_REQUIRED,
    ON_BEHALF_CONFLICT,
    ON_BEHALF_NEEDS_AGENCY,
    ON_BEHALF_REFUSED_ORI,
    ON_BEHALF_UNKNOWN_ORI,
)
from sharing.models import SharingRefusal
from sharing.rules import partner_refusal

from ..console.conftest import search_form, text
from ..sharing.conftest import active_mou

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/reads/search/"


@pytest.fixture
def search(client_for, investigator, search_body):
    client = client_for(investigator)

    def _search(**fields):
        return client.post(SEARCH, search_body(plate="7ABC123", **fields), format="json")

    return _search


@pytest.mark.parametrize("receiver", ["federal_agency", "nevada_agency", "private_entity"])
@pytest.mark.parametrize("named_by", ["ori", "agency"])
def test_a_search_on_behalf_of_an_agency_that_may_not_receive_the_data_is_refused_and_recorded(
    request, search, investigator, agency, receiver, named_by
):
    other = request.getfixturevalue(receiver)
    name = {"on_behalf_of_ori": other.ori} if named_by == "ori" else {"on_behalf_of_agency": other.pk}
    response = search(on_behalf_of="other", **name)
    assert response.status_code == 400
    [message] = response.json()["on_behalf_of"]
    assert partner_refusal(other) in message
    assert not AccessLogEntry.objects.exists()
    refusal = SharingRefusal.objects.get()
    assert (refusal.where, refusal.user, refusal.owner, refusal.partner) == ("on_behalf", investigator, agency, other)
    assert refusal.reason == message


def test_an_unknown_ori_is_refused_and_recorded(search):
    response = search(on_behalf_of_ori="NV0169999")
    assert response.json()["on_behalf_of"] == [ON_BEHALF_REFUSED_ORI.format(ori="NV0169999")]
    response = search(on_behalf_of_ori="ca0339999")
    assert response.json()["on_behalf_of"] == [ON_BEHALF_UNKNOWN_ORI.format(ori="CA0339999")]
    assert SharingRefusal.objects.filter(where="on_behalf", partner=None).count() == 2
    assert not AccessLogEntry.objects.exists()


def test_a_search_on_behalf_of_a_california_agency_is_logged_with_it(search, other_agency):
    response = search(on_behalf_of="other", on_behalf_of_ori=other_agency.ori.lower())
    assert response.status_code == 200, response.json()
    entry = AccessLogEntry.objects.get()
    assert (entry.on_behalf_of, entry.on_behalf_of_ori) == (other_agency, other_agency.ori)
    assert search(on_behalf_of_agency=other_agency.pk).status_code == 200  # naming it implies "other"
    own = search(on_behalf_of="own")
    assert own.status_code == 200
    assert AccessLogEntry.objects.get(pk=own.json()["access_log_id"]).on_behalf_of is None
    assert access_log_verify() == (3, None)  # on-behalf-of is part of the hashed content
    assert not SharingRefusal.objects.exists()


def test_on_behalf_of_is_part_of_the_hash_chain(search, other_agency):
    from django.db import connection

    search(on_behalf_of_ori=other_agency.ori)
    entry = AccessLogEntry.objects.get()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred FK checks would block ALTER TABLE
        cursor.execute("ALTER TABLE reads_accesslogentry DISABLE TRIGGER reads_accesslogentry_append_only")
        cursor.execute("UPDATE reads_accesslogentry SET on_behalf_of_id = NULL, on_behalf_of_ori = ''")
        cursor.execute("ALTER TABLE reads_accesslogentry ENABLE TRIGGER reads_accesslogentry_append_only")
    assert access_log_verify() == (0, entry)


def test_unclear_statements_are_refused(search, other_agency):
    assert search(on_behalf_of="other").json()["on_behalf_of"] == [ON_BEHALF_NEEDS_AGENCY]
    response = search(on_behalf_of="own", on_behalf_of_ori=other_agency.ori)
    assert response.json()["on_behalf_of"] == [ON_BEHALF_CONFLICT]
    assert search(on_behalf_of="other", on_behalf_of_ori="12").status_code == 400
    assert search(on_behalf_of="federal").status_code == 400
    assert not AccessLogEntry.objects.exists()


def test_console_offers_only_eligible_agencies_and_refuses_a_typed_federal_ori(
    verified_client, investigator, agency, other_agency, federal_agency, nevada_agency
):
    client = verified_client(investigator)
    page = text(client.get("/console/search/"))
    assert other_agency.name in page
    assert federal_agency.name not in page and nevada_agency.name not in page
    response = client.post("/console/search/", search_form(plate="7ABC123", on_behalf_of="other",
                                                           on_behalf_of_ori=federal_agency.ori))  # fmt: skip
    assert response.status_code == 400
    assert partner_refusal(federal_agency) in text(response)
    assert SharingRefusal.objects.get().partner == federal_agency
    response = client.post("/console/search/", search_form(plate="7ABC123", on_behalf_of="other",
                                                           on_behalf_of_agency=other_agency.pk))  # fmt: skip
    assert response.status_code == 302
    entry = AccessLogEntry.objects.get()
    assert (entry.on_behalf_of, entry.channel) == (other_agency, "web")
    results = text(client.get(response["Location"]))
    assert f"on behalf of <strong>{other_agency.ori}</strong>" in results


def test_console_timeline_states_on_behalf_of_too(verified_client, investigator, nevada_agency, other_agency):
    client = verified_client(investigator)
    body = search_form(plate="7ABC123", on_behalf_of="other", on_behalf_of_ori=nevada_agency.ori)
    assert client.post("/console/timeline/", body).status_code == 400
    body = search_form(plate="7ABC123", on_behalf_of="other", on_behalf_of_ori=other_agency.ori)
    assert client.post("/console/timeline/", body).status_code == 302
    assert AccessLogEntry.objects.get().action == "timeline"
    assert AccessLogEntry.objects.get().on_behalf_of == other_agency


# -- the partner's attestation ------------------------------------------------------------------------------------


def test_a_search_reaching_another_agencys_data_needs_the_attestation(search, agency, other_agency):
    assert search().status_code == 200  # only its own agency's data: nothing to attest
    active_mou(other_agency, agency, scopes=[Scope.SEARCH])
    response = search()
    assert response.status_code == 400
    assert response.json()["attestation"] == [ATTESTATION_REQUIRED]
    assert search(agencies=[agency.pk]).status_code == 200  # narrowed to its own data
    response = search(attestation=True)
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get(pk=response.json()["access_log_id"])
    assert entry.attested and sorted(entry.agencies_searched) == sorted([agency.pk, other_agency.pk])
    assert AccessLogEntry.objects.filter(attested=False).count() == 2
    assert access_log_verify()[1] is None


def test_console_asks_for_the_attestation_only_when_partner_data_is_reached(
    verified_client, investigator, agency, other_agency
):
    client = verified_client(investigator)
    assert 'name="attestation"' not in text(client.get("/console/search/"))
    active_mou(other_agency, agency, scopes=[Scope.SEARCH])
    assert 'name="attestation"' in text(client.get("/console/search/"))
    response = client.post("/console/search/", search_form(plate="7ABC123"))
    assert response.status_code == 400 and ATTESTATION_REQUIRED in text(response)
    assert client.post("/console/timeline/", search_form(plate="7ABC123")).status_code == 400
    assert client.post("/console/search/", search_form(plate="7ABC123", attestation="on")).status_code == 302
    assert AccessLogEntry.objects.get().attested

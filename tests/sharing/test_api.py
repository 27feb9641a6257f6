"""The partner API: MOUs through their life, and a partner searching the reads an MOU shares with it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.models import GroupObjectPermission

from agencies.access import Scope
from agencies.choices import Role
from reads.models import AccessLogEntry
from sharing import rules, services
from sharing.api.views import ONLY_OWNER_MAY
from sharing.models import MOU, MOU_NO_SCOPE, SharingRefusal

from ..factories import AgencyFactory
from .conftest import active_mou, draft_mou, signed_pdf

pytestmark = pytest.mark.django_db

LIST = reverse("mou-list")


def _detail(mou, name="mou-detail"):
    return reverse(name, args=[mou.pk])


@pytest.fixture
def owner_clerk(make_user):
    return make_user(Role.RECORDS_CLERK, username="pv-clerk")


@pytest.fixture
def partner_investigator(make_user, other_agency):
    return make_user(Role.INVESTIGATOR, agency=other_agency, username="ds-inv")


def _body(partner, **overrides):
    today = timezone.localdate()
    body = {
        "partner": partner.slug,
        "scope": ["search", "alerts"],
        "effective_on": today.isoformat(),
        "expires_on": (today + dt.timedelta(days=365)).isoformat(),
        "justification": "Regional auto-theft task force.",
        "owner_signatory": "Chief A. Owner",
        "partner_signatory": "Chief B. Partner",
        "partner_certified_purposes": True,
    }
    body.update(overrides)
    return body


def test_each_party_lists_its_own_agreements(client_for, owner_clerk, partner_investigator, agency, other_agency):
    shared = active_mou(agency, other_agency)
    inbound = draft_mou(other_agency, agency)
    unrelated = draft_mou(other_agency, AgencyFactory())
    owner_ids = {row["id"] for row in client_for(owner_clerk).get(LIST).json()["results"]}
    partner_ids = {row["id"] for row in client_for(partner_investigator).get(LIST).json()["results"]}
    assert owner_ids == {shared.pk, inbound.pk}
    assert partner_ids == {shared.pk, inbound.pk, unrelated.pk}
    assert client_for(owner_clerk).get(_detail(unrelated)).status_code == 404


def test_list_shape_and_query_count(client_for, owner_clerk, agency, other_agency, django_assert_max_num_queries):
    for _ in range(3):
        services.mou_revoke(mou=active_mou(agency, AgencyFactory()), reason="Ended.")
    active_mou(agency, other_agency, scopes=[Scope.SEARCH, Scope.ALERTS])
    client = client_for(owner_clerk)
    with django_assert_max_num_queries(6):
        response = client.get(LIST, {"status": "active"})
    (row,) = response.json()["results"]
    assert row["partner"] == {"id": other_agency.pk, "slug": "desert-springs-pd", "name": other_agency.name}
    assert row["scope"] == ["search", "alerts"]
    assert row["status"] == "active" and row["in_effect"] is True
    assert row["document_url"] == reverse("mou-document", args=[row["id"]])


def test_owner_clerk_drafts_activates_and_revokes(client_for, owner_clerk, agency, other_agency):
    client = client_for(owner_clerk)
    created = client.post(LIST, {**_body(other_agency), "document": signed_pdf()}, format="multipart")
    assert created.status_code == 201, created.json()
    mou = MOU.objects.get(pk=created.json()["id"])
    assert (mou.owner, mou.created_by, mou.status) == (agency, owner_clerk, "draft")
    activated = client.post(_detail(mou, "mou-activate"))
    assert activated.status_code == 200
    assert activated.json()["status"] == "active"
    assert GroupObjectPermission.objects.count() == 2
    assert client.post(_detail(mou, "mou-revoke"), {"reason": ""}).json() == {
        "non_field_errors": [services.MOU_REVOKE_NEEDS_REASON]
    }
    revoked = client.post(_detail(mou, "mou-revoke"), {"reason": "Ended by council vote."})
    assert revoked.json()["status"] == "revoked"
    assert not GroupObjectPermission.objects.exists()


def test_draft_then_attach_document_then_activate(client_for, owner_clerk, other_agency):
    client = client_for(owner_clerk)
    mou_id = client.post(LIST, _body(other_agency)).json()["id"]
    refused = client.post(reverse("mou-activate", args=[mou_id]))
    assert refused.status_code == 400
    assert services.MOU_ACTIVATE_NEEDS_DOCUMENT in refused.json()["non_field_errors"]
    attached = client.post(reverse("mou-document", args=[mou_id]), {"document": signed_pdf()}, format="multipart")
    assert attached.status_code == 200 and attached.json()["has_document"]
    assert client.post(reverse("mou-activate", args=[mou_id])).json()["status"] == "active"


@pytest.mark.parametrize("partner_fixture", ["nevada_agency", "federal_agency", "private_entity"])
def test_api_refuses_partners_that_are_not_california_public_agencies(
    request, client_for, owner_clerk, agency, partner_fixture
):
    partner = request.getfixturevalue(partner_fixture)
    response = client_for(owner_clerk).post(LIST, _body(partner))
    assert response.status_code == 400
    assert response.json() == {"partner": [rules.partner_refusal(partner)]}
    assert not MOU.objects.exists()
    refusal = SharingRefusal.objects.get()
    assert (refusal.where, refusal.user, refusal.owner, refusal.partner) == ("api", owner_clerk, agency, partner)


def test_api_bad_input_gets_clear_errors(client_for, owner_clerk, other_agency):
    today = timezone.localdate()
    body = _body(other_agency, scope=[], expires_on=(today - dt.timedelta(days=1)).isoformat())
    response = client_for(owner_clerk).post(LIST, {**body, "document": signed_pdf("mou.txt")}, format="multipart")
    errors = response.json()
    assert response.status_code == 400
    assert errors["scope"] == [MOU_NO_SCOPE]
    assert "expires_on" in errors and "document" in errors
    assert not MOU.objects.exists()


def test_only_the_owners_records_staff_may_act(client_for, make_user, partner_investigator, agency, other_agency):
    mou = draft_mou(agency, other_agency)
    partner_clerk = make_user(Role.RECORDS_CLERK, agency=other_agency, username="ds-clerk")
    refused = client_for(partner_clerk).post(_detail(mou, "mou-activate"))
    assert (refused.status_code, refused.json()["detail"]) == (403, ONLY_OWNER_MAY)
    owner_investigator = make_user(Role.INVESTIGATOR, username="pv-inv")
    assert client_for(owner_investigator).post(_detail(mou, "mou-activate")).status_code == 403
    assert client_for(owner_investigator).post(LIST, _body(other_agency)).status_code == 403
    mou.refresh_from_db()
    assert mou.status == "draft"


def test_renew_via_api(client_for, owner_clerk, agency, other_agency):
    mou = active_mou(agency, other_agency)
    new_expiry = (mou.expires_on + dt.timedelta(days=365)).isoformat()
    response = client_for(owner_clerk).post(
        _detail(mou, "mou-renew"), {"expires_on": new_expiry, "document": signed_pdf()}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["expires_on"] == new_expiry


def test_signed_document_goes_to_records_staff_of_either_party_only(
    client_for, make_user, owner_clerk, partner_investigator, agency, other_agency
):
    mou = draft_mou(agency, other_agency)
    url = _detail(mou, "mou-document")
    response = client_for(owner_clerk).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    partner_clerk = make_user(Role.RECORDS_CLERK, agency=other_agency, username="ds-clerk")
    assert client_for(partner_clerk).get(url).status_code == 200
    assert client_for(partner_investigator).get(url).status_code == 403  # no sharing.view_mou
    stranger = make_user(Role.RECORDS_CLERK, agency=AgencyFactory(), username="x-clerk")
    assert client_for(stranger).get(url).status_code == 404


# -- the point of it all: a partner searching the owner's reads -----------------------------------------------


def test_partner_searches_the_owners_reads_only_while_the_mou_is_in_effect(
    client_for, partner_investigator, agency, other_agency, make_camera, store_reads, search_body
):
    store_reads(make_camera(agency), ["7ABC123"])
    store_reads(make_camera(other_agency, "Desert Springs camera"), ["7ABC123"])
    client = client_for(partner_investigator)
    search = reverse("read-search")

    def agencies_found(**criteria):
        response = client.post(search, search_body(plate="7ABC123", attestation=True, **criteria))
        assert response.status_code == 200, response.json()
        return sorted({row["agency_id"] for row in response.json()["results"]})

    assert agencies_found() == [other_agency.pk]
    # Naming the owner before an MOU shares with us is refused, naming it (not "no results"): issue #20.
    refused = client.post(search, search_body(plate="7ABC123", agencies=[agency.pk]))
    assert refused.status_code == 400 and str(agency.pk) in refused.json()["agencies"][0]
    mou = active_mou(agency, other_agency, scopes=[Scope.SEARCH])
    assert agencies_found() == sorted([agency.pk, other_agency.pk])
    assert agencies_found(agencies=[agency.pk]) == [agency.pk]
    entry = AccessLogEntry.objects.order_by("-id").first()
    assert entry.agency == other_agency  # the agency the user acted for
    assert entry.agencies_searched == [agency.pk]  # the agency whose data was searched
    MOU.objects.filter(pk=mou.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    assert agencies_found() == [other_agency.pk]
    MOU.objects.filter(pk=mou.pk).update(expires_on=timezone.localdate() + dt.timedelta(days=1))
    assert agencies_found() == sorted([agency.pk, other_agency.pk])
    services.mou_revoke(mou=mou, reason="Ended.")
    assert agencies_found() == [other_agency.pk]


def test_alerts_only_mou_does_not_open_search(
    client_for, partner_investigator, agency, other_agency, make_camera, store_reads, search_body
):
    store_reads(make_camera(agency), ["7ABC123"])
    active_mou(agency, other_agency, scopes=[Scope.ALERTS])
    response = client_for(partner_investigator).post(reverse("read-search"), search_body(plate="7ABC123"))
    assert response.json()["results"] == []

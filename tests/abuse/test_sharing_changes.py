"""Nothing is shared by default and no switch widens sharing: a search reaches exactly the searcher's own agency
and the owners whose MOU in effect grants search. Every change to sharing is recorded and shown to both parties'
auditors and on the owner's public portal."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from agencies.access import Scope
from agencies.choices import Role
from agencies.models import Agency
from reads.models import AccessLogEntry
from reads.search import SearchCriteria, searched_agencies
from sharing import services
from sharing.models import MOU, SharingEvent

from ..factories import AgencyFactory
from ..sharing.conftest import active_mou, admin_client_for, draft_mou, signed_pdf

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/reads/search/"


def test_there_is_no_statewide_or_national_switch():
    words = ("STATEWIDE", "NATIONAL", "NATIONWIDE", "NETWORK_SEARCH", "SHARE_ALL")
    assert not [name for name in dir(settings) if any(word in name for word in words)]
    fields = {field.name for model in (Agency, MOU) for field in model._meta.get_fields()}
    assert not [name for name in fields if any(word.lower() in name for word in words)]


def test_a_search_reaches_exactly_its_own_agency_and_the_mous_in_effect_with_search_scope(
    agency, client_for, investigator, search_body
):
    today = timezone.localdate()
    shares = AgencyFactory(name="Shares search")
    alerts_only = AgencyFactory(name="Shares alerts only")
    drafted = AgencyFactory(name="Draft only")
    past = AgencyFactory(name="Past its expiry")
    revoked = AgencyFactory(name="Revoked")
    future = AgencyFactory(name="Not yet in effect")
    elsewhere = AgencyFactory(name="Shares with someone else")
    active_mou(shares, agency, scopes=[Scope.SEARCH, Scope.ALERTS])
    active_mou(alerts_only, agency, scopes=[Scope.ALERTS])
    draft_mou(drafted, agency)
    lapsed = active_mou(past, agency)
    MOU.objects.filter(pk=lapsed.pk).update(expires_on=today - dt.timedelta(days=1))
    services.mou_revoke(mou=active_mou(revoked, agency), reason="Ended.")
    active_mou(future, agency, effective_on=today + dt.timedelta(days=5))
    active_mou(elsewhere, AgencyFactory(name="Another partner"))

    expected = {agency.pk, shares.pk}
    criteria = SearchCriteria(start=timezone.now() - dt.timedelta(days=1), end=timezone.now(), plate="7ABC123")
    assert set(searched_agencies(user=investigator, criteria=criteria)) == set(expected)
    client = client_for(investigator)
    # Asking for more (unknown switches, or naming agencies without an MOU) reaches nothing more.
    body = search_body(plate="7ABC123", attestation=True, statewide=True, national=True, scope="national")
    response = client.post(SEARCH, body, format="json")
    assert response.status_code == 200, response.json()
    assert set(AccessLogEntry.objects.get(pk=response.json()["access_log_id"]).agencies_searched) == expected
    named = [alerts_only.pk, drafted.pk, past.pk, revoked.pk, future.pk, elsewhere.pk]
    before = AccessLogEntry.objects.count()
    response = client.post(SEARCH, search_body(plate="7ABC123", agencies=named), format="json")
    # refused, naming them (not a search of nothing that reads as "not seen there"), and nothing searched or logged
    assert response.status_code == 400 and "agencies" in response.json()
    assert AccessLogEntry.objects.count() == before


def test_every_sharing_change_is_recorded(agency, other_agency, make_user):
    clerk = make_user(Role.RECORDS_CLERK, username="pv-clerk")
    mou = draft_mou(agency, other_agency, scopes=[Scope.SEARCH])
    services.mou_update(mou=mou, scopes=[Scope.SEARCH, Scope.ALERTS], user=clerk)
    mou = services.mou_activate(mou=mou, user=clerk)
    old_expiry = mou.expires_on
    mou = services.mou_renew(mou=mou, expires_on=old_expiry + dt.timedelta(days=365), document=signed_pdf(), user=clerk)
    services.mou_revoke(mou=mou, reason="Partner misused the data.", user=clerk)
    second = active_mou(agency, other_agency)
    MOU.objects.filter(pk=second.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    services.mou_expire_due()
    events = list(SharingEvent.objects.order_by("id"))
    assert [event.kind for event in events] == [
        "scope_changed",
        "activated",
        "renewed",
        "revoked",
        "activated",
        "expired",
    ]
    scope_change, activated, renewed, revoked = events[:4]
    assert (scope_change.previous_scopes, scope_change.scopes) == (["search"], ["search", "alerts"])
    assert (activated.username, activated.owner, activated.partner) == ("pv-clerk", agency, other_agency)
    assert (renewed.previous_expires_on, renewed.expires_on) == (old_expiry, old_expiry + dt.timedelta(days=365))
    assert revoked.reason == "Partner misused the data."
    assert events[-1].username == ""  # the nightly job


def test_a_refused_change_leaves_no_event(agency, federal_agency):
    mou = draft_mou(agency, AgencyFactory(name="Becomes federal"))
    Agency.objects.filter(pk=mou.partner_id).update(kind="federal")
    with pytest.raises(ValidationError):
        services.mou_activate(mou=mou)
    assert not SharingEvent.objects.exists()


def test_partner_that_becomes_ineligible_is_recorded_as_a_change(agency, other_agency):
    active_mou(agency, other_agency)
    Agency.objects.filter(pk=other_agency.pk).update(state="NV")
    services.mou_expire_due()
    assert SharingEvent.objects.latest("id").kind == "partner_ineligible"


def test_both_parties_auditors_see_the_changes_in_admin_and_others_do_not(agency, other_agency, make_user):
    active_mou(agency, other_agency)
    active_mou(AgencyFactory(name="Unrelated owner"), AgencyFactory(name="Unrelated partner"))
    url = reverse("admin:sharing_sharingevent_changelist")
    owner = admin_client_for(make_user(Role.AUDITOR, username="pv-auditor"))
    assert [(e.owner, e.partner) for e in owner.get(url).context["cl"].result_list] == [(agency, other_agency)]
    partner = admin_client_for(make_user(Role.AUDITOR, username="ds-auditor", agency=other_agency))
    assert len(partner.get(url).context["cl"].result_list) == 1
    stranger = admin_client_for(make_user(Role.AUDITOR, username="x-auditor", agency=AgencyFactory()))
    assert len(stranger.get(url).context["cl"].result_list) == 0


def test_portal_shows_the_owners_sharing_history(client, agency, other_agency):
    mou = active_mou(agency, other_agency, scopes=[Scope.SEARCH])
    services.mou_revoke(mou=mou, reason="Ended.")
    html = client.get(reverse("transparency:portal", args=[agency.slug])).content.decode()
    assert 'data-figure="sharing_history"' in html
    assert "MOU revoked" in html and "MOU activated" in html and other_agency.name in html
    history = client.get(reverse("api-transparency", args=[agency.slug])).json()["sharing"]["history"]
    assert [change["kind"] for change in history] == ["revoked", "activated"]
    assert history[0]["partner"] == other_agency.name and history[0]["scopes"] == ["Search reads"]
    # The partner's portal lists what *it* shares: nothing changed there.
    assert client.get(reverse("api-transparency", args=[other_agency.slug])).json()["sharing"]["history"] == []

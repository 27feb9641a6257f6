"""The records clerk's MOU workflow, through the admin's pages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.models import GroupObjectPermission

from agencies.access import Scope
from agencies.choices import Role
from sharing import rules, services, validators
from sharing.admin import ACTION_DONE, ACTION_NOT_OWNER
from sharing.models import MOU, MOU_EXPIRES_BEFORE_START, SharingRefusal

from ..factories import AgencyFactory
from .conftest import active_mou, admin_client_for, draft_mou, signed_pdf

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:sharing_mou_changelist"


@pytest.fixture
def clerk(make_user):
    return make_user(Role.RECORDS_CLERK, username="pv-clerk")


@pytest.fixture
def clerk_client(clerk):
    return admin_client_for(clerk)


def _form(partner, **overrides):
    today = timezone.localdate()
    data = {
        "owner": AgencyFactory(slug="palm-vista-pd").pk,  # the clerk's own agency, the form's only choice
        "partner": partner.pk,
        "scope_search": "on",
        "effective_on": today.isoformat(),
        "expires_on": (today + dt.timedelta(days=365)).isoformat(),
        "owner_signatory": "Chief A. Owner",
        "partner_signatory": "Chief B. Partner",
        "partner_certified_purposes": "on",
        "justification": "Regional auto-theft task force.",
    }
    data.update(overrides)
    return data


def _messages(response):
    return [str(message) for message in response.context["messages"]]


def test_changelist_shows_our_agreements_as_owner_and_as_partner(clerk_client, agency, other_agency):
    ours = draft_mou(agency, other_agency)
    theirs = draft_mou(other_agency, agency)
    unrelated = draft_mou(other_agency, AgencyFactory())
    response = clerk_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    shown = set(response.context["cl"].result_list)
    assert shown == {ours, theirs}
    assert unrelated not in shown


def test_filters_status_partner_and_expiring_soon(clerk_client, agency, other_agency):
    soon = active_mou(agency, other_agency, expires_on=timezone.localdate() + dt.timedelta(days=20))
    later = active_mou(agency, AgencyFactory(), expires_on=timezone.localdate() + dt.timedelta(days=200))
    draft = draft_mou(agency, AgencyFactory())
    url = reverse(CHANGELIST)
    assert set(clerk_client.get(url, {"expiring": "30"}).context["cl"].result_list) == {soon}
    assert set(clerk_client.get(url, {"status__exact": "active"}).context["cl"].result_list) == {soon, later}
    assert set(clerk_client.get(url, {"status__exact": "draft"}).context["cl"].result_list) == {draft}
    assert set(clerk_client.get(url, {"partner__id__exact": other_agency.pk}).context["cl"].result_list) == {soon}


def test_clerk_drafts_an_mou_with_its_signed_pdf(clerk_client, clerk, agency, other_agency):
    response = clerk_client.post(
        reverse("admin:sharing_mou_add"), _form(other_agency, document=signed_pdf()), follow=True
    )
    assert response.status_code == 200
    mou = MOU.objects.get()
    assert (mou.owner, mou.partner, mou.status, mou.created_by) == (agency, other_agency, "draft", clerk)
    assert mou.document.read(5) == b"%PDF-"


@pytest.mark.parametrize("partner_fixture", ["federal_agency", "nevada_agency", "private_entity"])
def test_admin_refuses_a_partner_that_is_not_a_california_public_agency(
    request, clerk_client, clerk, agency, partner_fixture
):
    partner = request.getfixturevalue(partner_fixture)
    response = clerk_client.post(reverse("admin:sharing_mou_add"), _form(partner))
    assert response.status_code == 200  # the form again, with the error
    expected = rules.partner_refusal(partner)
    assert expected in response.content.decode()
    assert not MOU.objects.exists()
    refusal = SharingRefusal.objects.get()
    assert (refusal.where, refusal.user, refusal.owner, refusal.partner) == ("admin", clerk, agency, partner)


def test_admin_refuses_bad_dates_and_a_non_pdf(clerk_client, other_agency):
    today = timezone.localdate()
    response = clerk_client.post(
        reverse("admin:sharing_mou_add"),
        _form(other_agency, expires_on=(today - dt.timedelta(days=3)).isoformat(), document=signed_pdf("scan.jpg")),
    )
    html = response.content.decode()
    assert MOU_EXPIRES_BEFORE_START in html
    assert validators.DOCUMENT_NOT_PDF.replace("'", "&#x27;") in html
    assert not MOU.objects.exists()
    assert SharingRefusal.objects.get().where == "admin"


def test_activate_asks_for_confirmation_then_grants(clerk_client, agency, other_agency):
    mou = draft_mou(agency, other_agency, scopes=[Scope.SEARCH, Scope.ALERTS])
    url = reverse(CHANGELIST)
    selection = {"action": "activate_selected", "_selected_action": [mou.pk]}
    confirm = clerk_client.post(url, selection)
    assert confirm.status_code == 200
    assert "Activating gives every user of the partner agency" in confirm.content.decode()
    mou.refresh_from_db()
    assert mou.status == MOU.Status.DRAFT
    done = clerk_client.post(url, {**selection, "post": "yes"}, follow=True)
    assert ACTION_DONE["activate"] % {"count": 1} in _messages(done)
    mou.refresh_from_db()
    assert mou.status == MOU.Status.ACTIVE
    assert GroupObjectPermission.objects.count() == 2


def test_activation_without_a_signed_document_shows_why(clerk_client, agency, other_agency):
    mou = draft_mou(agency, other_agency, document=False)
    done = clerk_client.post(
        reverse(CHANGELIST), {"action": "activate_selected", "_selected_action": [mou.pk], "post": "yes"}, follow=True
    )
    assert f"{mou}: {services.MOU_ACTIVATE_NEEDS_DOCUMENT}" in _messages(done)
    mou.refresh_from_db()
    assert mou.status == MOU.Status.DRAFT
    assert SharingRefusal.objects.get().where == "activation"


def test_revoke_asks_for_a_reason(clerk_client, clerk, agency, other_agency):
    mou = active_mou(agency, other_agency)
    url = reverse(CHANGELIST)
    selection = {"action": "revoke_selected", "_selected_action": [mou.pk]}
    assert "Reason for revoking" in clerk_client.post(url, selection).content.decode()
    missing = clerk_client.post(url, {**selection, "post": "yes", "reason": ""})
    assert "This field is required." in missing.content.decode()
    mou.refresh_from_db()
    assert mou.status == MOU.Status.ACTIVE
    done = clerk_client.post(url, {**selection, "post": "yes", "reason": "Council ended the program."}, follow=True)
    assert ACTION_DONE["revoke"] % {"count": 1} in _messages(done)
    mou.refresh_from_db()
    assert (mou.status, mou.revocation_reason, mou.revoked_by) == ("revoked", "Council ended the program.", clerk)
    assert not GroupObjectPermission.objects.exists()


def test_renew_takes_a_new_expiry_and_signed_pdf(clerk_client, agency, other_agency):
    mou = active_mou(agency, other_agency)
    MOU.objects.filter(pk=mou.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    services.mou_expire_due()
    url = reverse(CHANGELIST)
    selection = {"action": "renew_selected", "_selected_action": [mou.pk]}
    form = clerk_client.post(url, selection)
    assert "Signed renewal (PDF)" in form.content.decode()
    new_expiry = timezone.localdate() + dt.timedelta(days=730)
    done = clerk_client.post(
        url,
        {**selection, "post": "yes", "expires_on": new_expiry.isoformat(), "document": signed_pdf("renewal.pdf")},
        follow=True,
    )
    assert ACTION_DONE["renew"] % {"expires_on": new_expiry} in _messages(done)
    mou.refresh_from_db()
    assert (mou.status, mou.expires_on) == (MOU.Status.ACTIVE, new_expiry)


def test_partner_side_sees_but_cannot_act(make_user, agency, other_agency):
    partner_clerk = make_user(Role.RECORDS_CLERK, agency=other_agency, username="ds-clerk")
    client = admin_client_for(partner_clerk)
    mou = draft_mou(agency, other_agency)
    change = client.get(reverse("admin:sharing_mou_change", args=[mou.pk]))
    assert change.status_code == 200
    assert not change.context["has_change_permission"]
    done = client.post(
        reverse(CHANGELIST), {"action": "activate_selected", "_selected_action": [mou.pk], "post": "yes"}, follow=True
    )
    assert ACTION_NOT_OWNER % {"mou": mou} in _messages(done)
    mou.refresh_from_db()
    assert mou.status == MOU.Status.DRAFT


def test_an_active_mou_is_a_record_not_a_form(clerk_client, agency, other_agency):
    mou = active_mou(agency, other_agency)
    url = reverse("admin:sharing_mou_change", args=[mou.pk])
    page = clerk_client.get(url)
    assert not page.context["has_change_permission"]
    assert [action for action, _ in page.context["mou_actions"]] == ["renew_selected", "revoke_selected"]
    assert clerk_client.post(url, {"justification": "edited"}).status_code == 403


def test_signed_document_is_served_only_to_the_parties(clerk_client, make_user, agency, other_agency, client):
    mou = draft_mou(agency, other_agency)
    url = reverse("admin:sharing_mou_document", args=[mou.pk])
    response = clerk_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    partner_clerk = make_user(Role.RECORDS_CLERK, agency=other_agency, username="ds-clerk")
    assert admin_client_for(partner_clerk).get(url).status_code == 200
    stranger = make_user(Role.RECORDS_CLERK, agency=AgencyFactory(), username="x-clerk")
    assert admin_client_for(stranger).get(url).status_code == 404
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    assert not mou.document.url.startswith("/media/")  # MEDIA_ROOT has no public route


def test_overview_lists_who_we_share_with_and_who_shares_with_us(clerk_client, agency, other_agency, private_entity):
    active_mou(agency, other_agency, scopes=[Scope.SEARCH, Scope.ALERTS])
    active_mou(private_entity, agency, scopes=[Scope.SEARCH])
    expired = active_mou(agency, AgencyFactory(name="Expired Partner PD"))
    MOU.objects.filter(pk=expired.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    response = clerk_client.get(reverse("admin:sharing_mou_overview"))
    assert response.status_code == 200
    overview = response.context["overview"]
    assert [line.agency for line in overview.we_share_with] == [other_agency]
    assert [line.agency for line in overview.shares_with_us] == [private_entity]
    html = response.content.decode()
    assert "Desert Springs Police Department" in html and "Palm Vista Mall" in html
    assert "Expired Partner PD" not in html


def test_refusals_are_listed_read_only(clerk_client, agency, federal_agency):
    with pytest.raises(Exception):
        draft_mou(agency, federal_agency)
    response = clerk_client.get(reverse("admin:sharing_sharingrefusal_changelist"))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == 1
    assert not response.context["has_add_permission"]


@pytest.mark.parametrize("partner_fixture", ["federal_agency"])
def test_a_refused_mou_with_its_pdf_links_to_no_missing_document(request, clerk_client, partner_fixture):
    """The refused form is shown again: its signed-document field must not link to an MOU that was never saved
    (it linked to /admin/sharing/mou/None/document/, a 500)."""
    partner = request.getfixturevalue(partner_fixture)
    response = clerk_client.post(reverse("admin:sharing_mou_add"), _form(partner, document=signed_pdf()))
    assert response.status_code == 200
    page = response.content.decode()
    assert "/None/" not in page and rules.partner_refusal(partner) in page
    assert not MOU.objects.exists()

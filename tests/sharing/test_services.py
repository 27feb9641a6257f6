"""MOU rules, their refusals, and the permissions that follow an MOU's state (services and selectors)."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import timezone
from guardian.models import GroupObjectPermission

from agencies.access import Scope, agencies_visible_to
from agencies.choices import AgencyKind, Role
from agencies.models import Agency, Membership
from agencies.services import membership_sync_groups
from sharing import rules, services, validators
from sharing.models import MOU, MOU_EXPIRES_BEFORE_START, MOU_NO_SCOPE, MOU_SAME_AGENCY, SharingRefusal
from sharing.selectors import owner_ids_sharing_with, partner_ids_with_scope, sharing_overview
from sharing.tasks import expire_mous

from ..factories import AgencyFactory, UserFactory
from .conftest import active_mou, draft_mou, signed_pdf

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


# -- the partner rule -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fixture,message",
    [
        ("nevada_agency", rules.PARTNER_OUT_OF_STATE % {"partner": "Reno Police Department", "state": "Nevada"}),
        ("federal_agency", rules.PARTNER_FEDERAL % {"partner": "Federal Investigations Bureau"}),
        ("private_entity", rules.PARTNER_PRIVATE % {"partner": "Palm Vista Mall"}),
    ],
)
def test_partner_must_be_a_california_public_agency(request, agency, fixture, message):
    partner = request.getfixturevalue(fixture)
    with pytest.raises(ValidationError) as excinfo:
        draft_mou(agency, partner, where=SharingRefusal.Where.API)
    assert excinfo.value.message_dict["partner"] == [message]
    assert not MOU.objects.exists()
    refusal = SharingRefusal.objects.get()
    assert (refusal.owner, refusal.partner, refusal.where) == (agency, partner, "api")
    assert message in refusal.reason


def test_partner_rule_agrees_with_the_agency_model(agency, nevada_agency, federal_agency, private_entity):
    for candidate in (agency, nevada_agency, federal_agency, private_entity):
        assert (rules.partner_refusal(candidate) is None) == candidate.is_california_public_agency
        assert Agency.objects.filter(rules.eligible_partner_q(""), pk=candidate.pk).exists() == (
            candidate.is_california_public_agency
        )


def test_private_entity_may_share_one_way_into_a_police_agency(private_entity, agency):
    mou = active_mou(private_entity, agency, scopes=[Scope.SEARCH, Scope.ALERTS])
    assert mou.status == MOU.Status.ACTIVE
    assert owner_ids_sharing_with(partner=agency, scope=Scope.SEARCH) == [private_entity.pk]
    assert owner_ids_sharing_with(partner=private_entity, scope=Scope.SEARCH) == []


def test_expiry_before_start_is_refused_and_logged(agency, other_agency):
    with pytest.raises(ValidationError) as excinfo:
        draft_mou(agency, other_agency, effective_on=TODAY(), expires_on=TODAY() - dt.timedelta(days=1))
    assert excinfo.value.message_dict["expires_on"] == [MOU_EXPIRES_BEFORE_START]
    assert not MOU.objects.exists()
    assert MOU_EXPIRES_BEFORE_START in SharingRefusal.objects.get().reason


def test_same_agency_and_empty_scope_are_refused(agency):
    with pytest.raises(ValidationError) as excinfo:
        draft_mou(agency, agency, scopes=[])
    assert excinfo.value.message_dict["partner"] == [MOU_SAME_AGENCY]
    assert excinfo.value.message_dict["scope_search"] == [MOU_NO_SCOPE]
    # clean() reports the check constraints' rules once, on the field, not again as "constraint violated".
    assert "__all__" not in excinfo.value.message_dict


@pytest.mark.parametrize(
    "upload,message",
    [
        (signed_pdf("mou.docx"), validators.DOCUMENT_NOT_PDF),
        (signed_pdf("mou.pdf", b"PK\x03\x04 this is a zip"), validators.DOCUMENT_NOT_REALLY_PDF),
        (signed_pdf("mou.pdf", b""), validators.DOCUMENT_EMPTY),
        (signed_pdf("mou.pdf", b"%PDF-" + b"0" * validators.DOCUMENT_MAX_BYTES), validators.DOCUMENT_TOO_LARGE),
    ],
)
def test_document_must_be_a_pdf_of_at_most_10_mb(agency, other_agency, upload, message):
    with pytest.raises(ValidationError) as excinfo:
        draft_mou(agency, other_agency, document=upload)
    assert excinfo.value.message_dict["document"] == [message]
    assert not MOU.objects.exists()
    assert SharingRefusal.objects.filter(reason__contains=message).exists()


def test_document_is_stored_under_media_root_with_a_random_name(agency, other_agency, settings):
    mou = draft_mou(agency, other_agency)
    assert mou.document.name.startswith(f"sharing/mous/{agency.pk}/")
    assert mou.document.path.startswith(str(settings.MEDIA_ROOT))
    assert mou.document.read(5) == b"%PDF-"


# -- activation and the permissions it grants ------------------------------------------------------------------


def test_activation_without_signed_document_is_refused_and_logged(agency, other_agency):
    mou = draft_mou(agency, other_agency, document=False)
    with pytest.raises(ValidationError) as excinfo:
        services.mou_activate(mou=mou)
    assert services.MOU_ACTIVATE_NEEDS_DOCUMENT in excinfo.value.messages
    mou.refresh_from_db()
    assert mou.status == MOU.Status.DRAFT
    assert not GroupObjectPermission.objects.exists()
    refusal = SharingRefusal.objects.get()
    assert (refusal.where, refusal.mou) == ("activation", mou)


def test_activation_without_certification_or_signatories_is_refused(agency, other_agency):
    mou = draft_mou(agency, other_agency, partner_certified_purposes=False, partner_signatory="")
    with pytest.raises(ValidationError) as excinfo:
        services.mou_activate(mou=mou)
    assert services.MOU_ACTIVATE_NEEDS_CERTIFICATION in excinfo.value.messages
    assert services.MOU_ACTIVATE_NEEDS_SIGNATORIES in excinfo.value.messages


def test_activation_refuses_a_partner_that_changed_after_drafting(agency, other_agency):
    mou = draft_mou(agency, other_agency)
    Agency.objects.filter(pk=other_agency.pk).update(kind=AgencyKind.FEDERAL)
    with pytest.raises(ValidationError):
        services.mou_activate(mou=mou)
    assert SharingRefusal.objects.get().where == "activation"
    assert not GroupObjectPermission.objects.exists()


def test_grant_rechecks_the_partner_and_the_refusal_survives_the_rollback(agency, other_agency, monkeypatch):
    mou = draft_mou(agency, other_agency)
    # The partner turns federal between the activation checks and the grant.
    real = services.partner_refusal
    calls = []

    def flip(partner):
        calls.append(partner)
        return real(partner) if len(calls) == 1 else rules.PARTNER_FEDERAL % {"partner": partner.name}

    monkeypatch.setattr(services, "partner_refusal", flip)
    with pytest.raises(ValidationError):
        services.mou_activate(mou=mou)
    mou.refresh_from_db()
    assert mou.status == MOU.Status.DRAFT
    assert not GroupObjectPermission.objects.exists()
    assert SharingRefusal.objects.get().where == "grant"


def test_activation_grants_exactly_the_scopes_named(agency, other_agency):
    mou = active_mou(agency, other_agency, scopes=[Scope.SEARCH, Scope.ALERTS])
    held = set(
        GroupObjectPermission.objects.filter(
            group__name=f"agency:{other_agency.pk}", object_pk=str(agency.pk)
        ).values_list("permission__codename", flat=True)
    )
    assert held == {"search_reads_of", "receive_alerts_of"}
    assert owner_ids_sharing_with(partner=other_agency, scope=Scope.SEARCH) == [agency.pk]
    assert owner_ids_sharing_with(partner=other_agency, scope=Scope.ALERTS) == [agency.pk]
    assert owner_ids_sharing_with(partner=other_agency, scope=Scope.HOTLISTS) == []
    assert partner_ids_with_scope(owner_id=agency.pk, scope=Scope.ALERTS) == [other_agency.pk]
    assert partner_ids_with_scope(owner_id=agency.pk, scope=Scope.HOTLISTS) == []
    # Sharing is one way: the owner gains nothing from the partner.
    assert owner_ids_sharing_with(partner=agency, scope=Scope.SEARCH) == []
    assert mou.activated_at is not None


def test_partner_members_reach_the_owner_through_agencies_visible_to(agency, other_agency, make_user):
    partner_user = make_user(Role.INVESTIGATOR, agency=other_agency, username="ds-inv")
    assert agencies_visible_to(partner_user, Scope.SEARCH) == [other_agency.pk]
    active_mou(agency, other_agency)
    assert agencies_visible_to(partner_user, Scope.SEARCH) == [other_agency.pk, agency.pk]
    # guardian's own check agrees, through the agency group the user was put in
    assert partner_user.has_perm("agencies.search_reads_of", agency)
    assert not partner_user.has_perm("agencies.view_hotlists_of", agency)


def test_only_one_active_mou_per_direction(agency, other_agency):
    active_mou(agency, other_agency)
    second = draft_mou(agency, other_agency, scopes=[Scope.HOTLISTS])
    with pytest.raises(ValidationError) as excinfo:
        services.mou_activate(mou=second)
    assert rules and excinfo.value.messages[-1].startswith("These two agencies already have an active MOU")


def test_mou_starting_in_the_future_gives_nothing_yet(agency, other_agency):
    active_mou(agency, other_agency, effective_on=TODAY() + dt.timedelta(days=3))
    assert owner_ids_sharing_with(partner=other_agency, scope=Scope.SEARCH) == []


def test_selectors_take_one_query(agency, other_agency, django_assert_num_queries):
    active_mou(agency, other_agency, scopes=[Scope.SEARCH, Scope.ALERTS])
    active_mou(AgencyFactory(), other_agency)
    with django_assert_num_queries(1):
        assert len(owner_ids_sharing_with(partner=other_agency, scope=Scope.SEARCH)) == 2
    with django_assert_num_queries(1):
        partner_ids_with_scope(owner_id=agency.pk, scope=Scope.ALERTS)


def test_guardian_permission_alone_is_not_enough(agency, other_agency):
    """The selectors need the MOU too: a stray permission (restored backup, hand edit) grants nothing."""
    mou = active_mou(agency, other_agency)
    MOU.objects.filter(pk=mou.pk).update(status=MOU.Status.DRAFT)
    assert GroupObjectPermission.objects.exists()
    assert owner_ids_sharing_with(partner=other_agency, scope=Scope.SEARCH) == []


# -- revocation, expiry, renewal ------------------------------------------------------------------------------


def test_revocation_needs_a_reason_and_removes_access_at_once(agency, other_agency):
    mou = active_mou(agency, other_agency)
    with pytest.raises(ValidationError) as excinfo:
        services.mou_revoke(mou=mou, reason="  ")
    assert excinfo.value.messages == [services.MOU_REVOKE_NEEDS_REASON]
    services.mou_revoke(mou=mou, reason="Partner misused a search (IA case 24-17).")
    mou.refresh_from_db()
    assert (mou.status, mou.revocation_reason) == (MOU.Status.REVOKED, "Partner misused a search (IA case 24-17).")
    assert not GroupObjectPermission.objects.exists()
    assert owner_ids_sharing_with(partner=other_agency, scope=Scope.SEARCH) == []
    with pytest.raises(ValidationError):
        services.mou_revoke(mou=mou, reason="again")


def test_expired_mou_gives_nothing_even_before_the_nightly_job(agency, other_agency):
    mou = active_mou(agency, other_agency)
    MOU.objects.filter(pk=mou.pk).update(expires_on=TODAY() - dt.timedelta(days=1))
    assert owner_ids_sharing_with(partner=other_agency, scope=Scope.SEARCH) == []
    assert GroupObjectPermission.objects.exists()  # still there until the job runs
    assert expire_mous.delay().get() == 1
    mou.refresh_from_db()
    assert mou.status == MOU.Status.EXPIRED
    assert not GroupObjectPermission.objects.exists()


def test_mou_is_in_effect_through_its_expiry_day(agency, other_agency):
    mou = active_mou(agency, other_agency)
    MOU.objects.filter(pk=mou.pk).update(expires_on=TODAY())
    assert owner_ids_sharing_with(partner=other_agency, scope=Scope.SEARCH) == [agency.pk]
    assert services.mou_expire_due() == 0


def test_renewal_reactivates_an_expired_mou_with_a_new_signed_document(agency, other_agency):
    mou = active_mou(agency, other_agency)
    MOU.objects.filter(pk=mou.pk).update(expires_on=TODAY() - dt.timedelta(days=1))
    services.mou_expire_due()
    new_expiry = TODAY() + dt.timedelta(days=365)
    with pytest.raises(ValidationError) as excinfo:
        services.mou_renew(mou=mou, expires_on=new_expiry, document=None)
    assert services.MOU_RENEW_NEEDS_DOCUMENT in excinfo.value.messages
    with pytest.raises(ValidationError) as excinfo:
        services.mou_renew(mou=mou, expires_on=TODAY(), document=signed_pdf())
    assert excinfo.value.messages[0].startswith("The new expiry date must be later")
    services.mou_renew(mou=mou, expires_on=new_expiry, document=signed_pdf("renewal.pdf"))
    mou.refresh_from_db()
    assert (mou.status, mou.expires_on) == (MOU.Status.ACTIVE, new_expiry)
    assert owner_ids_sharing_with(partner=other_agency, scope=Scope.SEARCH) == [agency.pk]


def test_revoked_mou_cannot_be_renewed_or_reactivated(agency, other_agency):
    mou = active_mou(agency, other_agency)
    services.mou_revoke(mou=mou, reason="Ended by council vote.")
    with pytest.raises(ValidationError):
        services.mou_renew(mou=mou, expires_on=TODAY() + dt.timedelta(days=400), document=signed_pdf())
    with pytest.raises(ValidationError):
        services.mou_activate(mou=mou)
    assert not GroupObjectPermission.objects.exists()


def test_only_drafts_are_edited(agency, other_agency):
    mou = draft_mou(agency, other_agency)
    services.mou_update(mou=mou, justification="Updated need.", scopes=[Scope.SEARCH, Scope.HOTLISTS])
    mou.refresh_from_db()
    assert mou.scopes == [Scope.SEARCH, Scope.HOTLISTS]
    services.mou_activate(mou=mou)
    with pytest.raises(ValidationError) as excinfo:
        services.mou_update(mou=mou, justification="Sneaky edit.")
    assert excinfo.value.messages == [services.MOU_UPDATE_NOT_DRAFT]


# -- the request-time re-check of the partner -----------------------------------------------------------------


@pytest.mark.parametrize("change", [{"state": "NV"}, {"kind": AgencyKind.FEDERAL}, {"kind": AgencyKind.PRIVATE_ENTITY}])
def test_partner_that_stops_being_a_california_public_agency_loses_access_at_once(
    agency, other_agency, make_user, change
):
    partner_user = make_user(Role.INVESTIGATOR, agency=other_agency, username="ds-inv")
    active_mou(agency, other_agency, scopes=[Scope.SEARCH, Scope.ALERTS])
    Agency.objects.filter(pk=other_agency.pk).update(**change)
    partner_user = type(partner_user).objects.get(pk=partner_user.pk)
    assert agencies_visible_to(partner_user, Scope.SEARCH) == [other_agency.pk]
    assert partner_ids_with_scope(owner_id=agency.pk, scope=Scope.ALERTS) == []
    assert agencies_visible_to(partner_user, Scope.SEARCH) == [other_agency.pk]
    # Recorded once (a day), not once per request.
    refusal = SharingRefusal.objects.get()
    assert (refusal.where, refusal.owner, refusal.partner) == ("request", agency, other_agency)
    # The nightly job then removes the permissions themselves.
    services.mou_expire_due()
    assert not GroupObjectPermission.objects.exists()


# -- agency groups follow membership ---------------------------------------------------------------------------


def test_agency_group_follows_membership(agency, other_agency, make_user):
    user = make_user(Role.OFFICER)
    assert set(user.groups.values_list("name", flat=True)) == {"role:officer", f"agency:{agency.pk}"}
    # An operator moves the user to another agency in admin (MembershipAdmin saves, then syncs groups).
    Membership.objects.filter(user=user).update(agency=other_agency, role=Role.INVESTIGATOR)
    membership_sync_groups(user=user)
    assert set(user.groups.values_list("name", flat=True)) == {"role:investigator", f"agency:{other_agency.pk}"}
    Membership.objects.filter(user=user).delete()
    membership_sync_groups(user=user)
    assert not user.groups.exists()


def test_a_user_who_leaves_loses_guardian_access(agency, other_agency):
    user = UserFactory(agency=other_agency, username="leaver")
    active_mou(agency, other_agency)
    assert user.has_perm("agencies.search_reads_of", agency)
    Membership.objects.filter(user=user).delete()
    membership_sync_groups(user=user)
    user = type(user).objects.get(pk=user.pk)
    assert not user.has_perm("agencies.search_reads_of", agency)
    assert Group.objects.filter(name=f"agency:{other_agency.pk}").exists()


# -- history and overview ------------------------------------------------------------------------------------


def test_mou_changes_are_in_the_change_history(agency, other_agency):
    mou = active_mou(agency, other_agency)
    services.mou_revoke(mou=mou, reason="Ended.")
    entries = LogEntry.objects.get_for_object(mou).order_by("timestamp")
    assert [entry.action for entry in entries] == [
        LogEntry.Action.CREATE,
        LogEntry.Action.UPDATE,
        LogEntry.Action.UPDATE,
    ]
    assert entries.last().changes_dict["status"] == ["active", "revoked"]


def test_overview_is_built_from_the_live_mous(agency, other_agency, private_entity):
    sheriff = AgencyFactory(name="Mesa County Sheriff", kind=AgencyKind.SHERIFF)
    active_mou(agency, other_agency, scopes=[Scope.SEARCH, Scope.ALERTS])
    active_mou(agency, sheriff, scopes=[Scope.HOTLISTS])
    active_mou(sheriff, agency, scopes=[Scope.SEARCH])
    active_mou(private_entity, agency, scopes=[Scope.SEARCH])
    services.mou_revoke(mou=active_mou(AgencyFactory(), agency), reason="Ended.")
    overview = sharing_overview(agency=agency)
    assert [line.agency for line in overview.we_share_with] == [other_agency, sheriff]
    assert {line.agency for line in overview.shares_with_us} == {sheriff, private_entity}
    by_scope = overview.by_scope(overview.we_share_with)
    assert by_scope[Scope.SEARCH] == [other_agency]
    assert by_scope[Scope.HOTLISTS] == [sheriff]

"""The escalations a records clerk could make through Django admin before it went through the choke point, each
tried with a forged POST, and each refused; and the two locks of every admin form shown to hold on their own:
the choices a field offers, and the check after a save."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from agencies import roles
from agencies.choices import Role
from agencies.models import ApiToken, Membership, TrainingRecord, User
from common.admin import RestrictedFormFieldsMixin

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

SUPERUSER_FIELDS = ('name="is_superuser"', 'name="is_staff"', 'name="groups"', 'name="user_permissions"')


@pytest.fixture
def clerk(make_user):
    return make_user(Role.RECORDS_CLERK, username="pv-clerk")


@pytest.fixture
def agency_admin(make_user):
    return make_user(Role.AGENCY_ADMIN, username="pv-admin")


@pytest.fixture
def colleague(make_user):
    return make_user(Role.INVESTIGATOR, username="pv-investigator")


@pytest.fixture
def outsider(other_agency):
    """An investigator of another agency whose training has lapsed."""
    return UserFactory(username="ds-investigator", agency=other_agency, role=Role.INVESTIGATOR, trained=False)


def _token_form(user, **overrides):
    expires = timezone.localtime() + dt.timedelta(days=30)
    return {
        "user": user.pk,
        "name": "Forged",
        "purpose": "api",
        "expires_at_0": expires.date().isoformat(),
        "expires_at_1": "12:00:00",
        **overrides,
    }


def _training_form(user):
    today = timezone.localdate()
    return {
        "user": user.pk,
        "course": "ALPR use and privacy (SB 34)",
        "completed_on": today.isoformat(),
        "expires_on": (today + dt.timedelta(days=365)).isoformat(),
    }


def _user_add_form(agency, role=Role.INVESTIGATOR, *, memberships=1):
    data = {
        "username": "new-person",
        "usable_password": "true",
        "password1": "A-long-enough-passphrase-42",
        "password2": "A-long-enough-passphrase-42",
        "membership-TOTAL_FORMS": str(memberships),
        "membership-INITIAL_FORMS": "0",
        "membership-MIN_NUM_FORMS": "1",
        "membership-MAX_NUM_FORMS": "1",
        "training_records-TOTAL_FORMS": "0",
        "training_records-INITIAL_FORMS": "0",
        "training_records-MIN_NUM_FORMS": "0",
        "training_records-MAX_NUM_FORMS": "1000",
    }
    if memberships:
        data.update({"membership-0-agency": agency.pk, "membership-0-role": role, "membership-0-job_title": "Det."})
    return data


def _user_change_form(user, **overrides):
    """The user change page as an agency admin posts it, plus whatever `overrides` add."""
    membership = user.membership
    training = user.training_records.get()
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "is_active": "on",
        "date_joined_0": user.date_joined.date().isoformat(),
        "date_joined_1": "00:00:00",
        "membership-TOTAL_FORMS": "1",
        "membership-INITIAL_FORMS": "1",
        "membership-MIN_NUM_FORMS": "1",
        "membership-MAX_NUM_FORMS": "1",
        "membership-0-id": membership.pk,
        "membership-0-user": user.pk,
        "membership-0-agency": membership.agency_id,
        "membership-0-role": membership.role,
        "membership-0-job_title": "",
        "training_records-TOTAL_FORMS": "1",
        "training_records-INITIAL_FORMS": "1",
        "training_records-MIN_NUM_FORMS": "0",
        "training_records-MAX_NUM_FORMS": "1000",
        "training_records-0-id": training.pk,
        "training_records-0-user": user.pk,
        "training_records-0-course": training.course,
        "training_records-0-completed_on": training.completed_on.isoformat(),
        "training_records-0-expires_on": training.expires_on.isoformat(),
    }
    data.update(overrides)
    return data


def _user_change(user):
    return reverse("admin:agencies_user_change", args=[user.pk])


# -- superuser, staff, groups and raw permissions -----------------------------------------------------------------


def test_a_clerk_cannot_make_themselves_superuser(verified_client, clerk):
    client = verified_client(clerk)
    page = client.get(_user_change(clerk))
    assert page.status_code == 200 and not page.context["has_change_permission"]  # read-only, and without the flags
    assert not any(name in page.content.decode() for name in SUPERUSER_FIELDS)
    forged = client.post(_user_change(clerk), _user_change_form(clerk, is_superuser="on", is_staff="on"))
    assert forged.status_code == 403
    clerk.refresh_from_db()
    assert not clerk.is_superuser


def test_an_agency_admin_is_never_offered_superuser_staff_groups_or_permissions(
    verified_client, agency_admin, colleague
):
    client = verified_client(agency_admin)
    page = client.get(_user_change(colleague))
    assert page.status_code == 200 and page.context["has_change_permission"]
    assert not any(name in page.content.decode() for name in SUPERUSER_FIELDS)
    permission = Permission.objects.get(codename="delete_agency")
    group = Group.objects.get(name=roles.role_group_name(Role.AGENCY_ADMIN))
    forged = _user_change_form(
        colleague, is_superuser="on", is_staff="on", groups=[group.pk], user_permissions=[permission.pk]
    )
    response = client.post(_user_change(colleague), forged)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    colleague.refresh_from_db()
    assert (colleague.is_superuser, colleague.is_staff) == (False, False)
    assert list(colleague.groups.filter(name__startswith="role:").values_list("name", flat=True)) == [
        "role:investigator"
    ]
    assert not colleague.user_permissions.exists()


def test_nobody_changes_their_own_account_role_or_training(verified_client, agency_admin):
    client = verified_client(agency_admin)
    own_page = client.get(_user_change(agency_admin))
    assert own_page.status_code == 200 and not own_page.context["has_change_permission"]
    assert client.post(_user_change(agency_admin), _user_change_form(agency_admin)).status_code == 403
    membership = agency_admin.membership
    url = reverse("admin:agencies_membership_change", args=[membership.pk])
    forged = {"user": agency_admin.pk, "agency": membership.agency_id, "role": Role.AGENCY_ADMIN, "job_title": ""}
    assert client.post(url, forged).status_code == 403
    lapsed = agency_admin.training_records.get()
    TrainingRecord.objects.filter(pk=lapsed.pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    renewed = client.post(reverse("admin:agencies_trainingrecord_add"), _training_form(agency_admin))
    assert renewed.status_code == 200 and "user" in renewed.context["adminform"].form.errors
    assert not TrainingRecord.objects.filter(user=agency_admin).current().exists()


# -- tokens, training and people of other agencies ----------------------------------------------------------------


def test_a_clerk_manages_no_people_tokens_or_training(verified_client, clerk, colleague):
    client = verified_client(clerk)
    for name, form in (
        ("apitoken", _token_form(colleague)),
        ("trainingrecord", _training_form(colleague)),
        ("user", _user_add_form(clerk.membership.agency)),
        ("membership", {"user": colleague.pk, "agency": clerk.membership.agency_id, "role": Role.AGENCY_ADMIN}),
    ):
        assert client.get(reverse(f"admin:agencies_{name}_add")).status_code == 403
        assert client.post(reverse(f"admin:agencies_{name}_add"), form).status_code == 403
    membership = clerk.membership
    promote = {"user": clerk.pk, "agency": membership.agency_id, "role": Role.AGENCY_ADMIN, "job_title": ""}
    assert client.post(reverse("admin:agencies_membership_change", args=[membership.pk]), promote).status_code == 403
    membership.refresh_from_db()
    assert membership.role == Role.RECORDS_CLERK
    assert not ApiToken.objects.filter(user=colleague).exists()


def test_no_token_for_another_agencys_user(verified_client, agency_admin, colleague, outsider):
    client = verified_client(agency_admin)
    url = reverse("admin:agencies_apitoken_add")
    offered = client.get(url).context["adminform"].form.fields["user"].queryset
    assert colleague in offered and outsider not in offered
    forged = client.post(url, _token_form(outsider))
    assert forged.status_code == 200 and "user" in forged.context["adminform"].form.errors
    assert not ApiToken.objects.filter(user=outsider).exists()
    issued = client.post(url, _token_form(colleague), follow=True)
    assert issued.status_code == 200 and ApiToken.objects.filter(user=colleague).count() == 1


def test_no_training_record_for_another_agencys_user(verified_client, agency_admin, outsider, colleague):
    client = verified_client(agency_admin)
    url = reverse("admin:agencies_trainingrecord_add")
    forged = client.post(url, _training_form(outsider))
    assert forged.status_code == 200 and "user" in forged.context["adminform"].form.errors
    assert not TrainingRecord.objects.filter(user=outsider).exists()
    assert client.post(url, _training_form(colleague)).status_code == 302  # one's own agency's people: yes


def test_people_are_added_only_to_ones_own_agency(verified_client, agency_admin, agency, other_agency):
    client = verified_client(agency_admin)
    url = reverse("admin:agencies_user_add")
    forged = client.post(url, _user_add_form(other_agency))
    assert forged.status_code == 200
    assert not User.objects.filter(username="new-person").exists()
    without_agency = client.post(url, _user_add_form(agency, memberships=0))
    assert without_agency.status_code == 200  # an agency admin's new person must have a membership
    assert not User.objects.filter(username="new-person").exists()
    added = client.post(url, _user_add_form(agency, Role.AUDITOR))
    assert added.status_code == 302
    person = User.objects.get(username="new-person")
    assert (person.membership.agency, person.membership.role, person.is_staff) == (agency, Role.AUDITOR, True)


def test_memberships_are_offered_only_in_ones_own_agency(verified_client, agency_admin, colleague, other_agency):
    client = verified_client(agency_admin)
    membership = colleague.membership
    url = reverse("admin:agencies_membership_change", args=[membership.pk])
    form = client.get(url).context["adminform"].form
    assert list(form.fields["agency"].queryset) == [membership.agency]
    moved = client.post(url, {"user": colleague.pk, "agency": other_agency.pk, "role": Role.INVESTIGATOR})
    assert moved.status_code == 200
    membership.refresh_from_db()
    assert membership.agency_id != other_agency.pk


def test_roles_are_given_as_the_table_says(verified_client, agency_admin, colleague, monkeypatch):
    """ROLES_GRANTABLE decides the role choices and the check after save: narrowed here to investigator and
    officer, an agency admin can no longer make anyone an auditor."""
    monkeypatch.setitem(roles.ROLES_GRANTABLE, Role.AGENCY_ADMIN, frozenset({Role.INVESTIGATOR, Role.OFFICER}))
    client = verified_client(agency_admin)
    membership = colleague.membership
    url = reverse("admin:agencies_membership_change", args=[membership.pk])
    offered = [value for value, _ in client.get(url).context["adminform"].form.fields["role"].choices if value]
    assert offered == [Role.INVESTIGATOR, Role.OFFICER]
    forged = {"user": colleague.pk, "agency": membership.agency_id, "role": Role.AUDITOR, "job_title": ""}
    assert client.post(url, forged).status_code == 200  # not a valid choice
    membership.refresh_from_db()
    assert membership.role == Role.INVESTIGATOR


def test_roles_grantable_table_is_written_once_and_fails_closed():
    assert roles.roles_grantable_by(Role.AGENCY_ADMIN) == frozenset(Role.values)
    for role in (Role.RECORDS_CLERK, Role.AUDITOR, Role.INVESTIGATOR, Role.OFFICER, None, "unknown"):
        assert roles.roles_grantable_by(role) == frozenset()


# -- each lock alone ---------------------------------------------------------------------------------------------


@pytest.fixture
def choices_unrestricted(monkeypatch):
    """The form-choice lock removed: every field offers the whole table, as admin did before the choke point."""
    monkeypatch.setattr(
        RestrictedFormFieldsMixin,
        "choices_for",
        lambda self, db_field, request, queryset=None: db_field.related_model._default_manager.all(),
    )


def test_the_check_after_save_alone_refuses_a_token_for_another_agency(
    verified_client, agency_admin, outsider, choices_unrestricted
):
    client = verified_client(agency_admin)
    response = client.post(reverse("admin:agencies_apitoken_add"), _token_form(outsider))
    assert response.status_code == 403
    assert not ApiToken.objects.filter(user=outsider).exists()  # rolled back


def test_the_check_after_save_alone_refuses_training_and_people_elsewhere(
    verified_client, agency_admin, outsider, other_agency, choices_unrestricted
):
    client = verified_client(agency_admin)
    assert client.post(reverse("admin:agencies_trainingrecord_add"), _training_form(outsider)).status_code == 403
    assert not TrainingRecord.objects.filter(user=outsider).exists()
    assert client.post(reverse("admin:agencies_user_add"), _user_add_form(other_agency)).status_code == 403
    assert not User.objects.filter(username="new-person").exists()
    assert not Membership.objects.filter(agency=other_agency).exclude(user=outsider).exists()

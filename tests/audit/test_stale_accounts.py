"""Accounts due for deactivation (State Auditor report 2019-118): long unused, never used, or training lapsed."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.choices import Role, TokenPurpose
from agencies.models import ApiToken, TrainingRecord, User
from agencies.selectors import DeactivationReason, accounts_due_for_deactivation, deactivation_reasons

pytestmark = pytest.mark.django_db
STALE = reverse("stale-accounts")
USERS = "/admin/agencies/user/"


def _ago(days):
    return timezone.now() - dt.timedelta(days=days)


@pytest.fixture
def people(make_user, other_agency):
    """One account of each kind, named for what it shows."""
    recent = make_user(username="recent", last_login=_ago(3), date_joined=_ago(400))
    never = make_user(username="never", date_joined=_ago(120))
    new = make_user(username="new", date_joined=_ago(10))  # never signed in, but only just created
    gone = make_user(username="gone", last_login=_ago(91), date_joined=_ago(400))
    lapsed = make_user(username="lapsed", trained=False, last_login=_ago(1))
    TrainingRecord.objects.create(
        user=lapsed, course="ALPR", completed_on=timezone.localdate() - dt.timedelta(days=400),
        expires_on=timezone.localdate() - dt.timedelta(days=35),
    )  # fmt: skip
    camera = make_user(Role.OFFICER, username="camera-busy", trained=False, date_joined=_ago(400))
    token, _ = ApiToken.issue(user=camera, name="agent", purpose=TokenPurpose.INGEST)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=_ago(0))
    silent = make_user(Role.OFFICER, username="camera-silent", trained=False, date_joined=_ago(400))
    token, _ = ApiToken.issue(user=silent, name="agent", purpose=TokenPurpose.INGEST)
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=_ago(100))
    make_user(username="already-off", is_active=False, date_joined=_ago(400))
    make_user(username="elsewhere", agency=other_agency, date_joined=_ago(400))
    return {"recent": recent, "never": never, "new": new, "gone": gone, "lapsed": lapsed}


def test_selector_lists_who_and_why(agency, people):
    due = {user.username: deactivation_reasons(user) for user in accounts_due_for_deactivation(agency)}
    assert due == {
        "camera-silent": [DeactivationReason.INACTIVE],
        "gone": [DeactivationReason.INACTIVE],
        "lapsed": [DeactivationReason.TRAINING_LAPSED],
        "never": [DeactivationReason.NEVER_SIGNED_IN],
    }


def test_api_for_auditors(client_for, make_user, people, django_assert_max_num_queries):
    client = client_for(make_user(Role.AUDITOR, username="auditor1", last_login=_ago(0)))
    client.get(STALE)
    with django_assert_max_num_queries(5):
        response = client.get(STALE)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["inactivity_days"] == 90 and body["count"] == 4
    by_name = {row["username"]: row for row in body["results"]}
    assert by_name["gone"]["reasons"] == ["inactive"]
    assert by_name["gone"]["last_seen_at"] is not None
    assert by_name["never"]["reasons"] == ["never_signed_in"] and by_name["never"]["last_seen_at"] is None
    assert by_name["lapsed"]["training_until"] == (timezone.localdate() - dt.timedelta(days=35)).isoformat()
    assert by_name["camera-silent"]["role"] == Role.OFFICER


@pytest.mark.parametrize("role", [Role.RECORDS_CLERK, Role.INVESTIGATOR, Role.OFFICER])
def test_api_refuses_other_roles(client_for, make_user, role):
    assert client_for(make_user(role, username=f"someone-{role}")).get(STALE).status_code == 403


def test_admin_filter_and_bulk_deactivate(verified_client, make_user, people):
    chief = make_user(Role.AGENCY_ADMIN, username="chief", last_login=_ago(0))
    client = verified_client(chief)
    page = client.get(USERS, {"due": "any"})
    assert page.status_code == 200
    listed = {user.username for user in page.context["cl"].result_list}
    assert listed == {"camera-silent", "gone", "lapsed", "never"}
    training = client.get(USERS, {"due": "training"})
    assert {user.username for user in training.context["cl"].result_list} == {"lapsed"}

    targets = [people["gone"], people["never"], chief]
    ApiToken.issue(user=people["gone"], name="laptop")
    response = client.post(
        USERS + "?due=any",
        {"action": "deactivate_accounts", "_selected_action": [user.pk for user in targets]},
    )
    assert response.status_code == 302
    assert set(User.objects.filter(is_active=False).values_list("username", flat=True)) == {
        "already-off", "gone", "never",
    }  # fmt: skip
    chief.refresh_from_db()
    assert chief.is_active  # nobody deactivates themselves
    assert not ApiToken.objects.filter(user=people["gone"], revoked_at__isnull=True).exists()


def test_auditor_sees_the_list_but_cannot_deactivate(verified_client, make_user, people):
    auditor = make_user(Role.AUDITOR, username="auditor1", last_login=_ago(0))
    client = verified_client(auditor)
    page = client.get(USERS, {"due": "any"})
    assert page.status_code == 200
    assert {user.username for user in page.context["cl"].result_list} == {"camera-silent", "gone", "lapsed", "never"}
    client.post(USERS, {"action": "deactivate_accounts", "_selected_action": [people["gone"].pk]})
    people["gone"].refresh_from_db()
    assert people["gone"].is_active

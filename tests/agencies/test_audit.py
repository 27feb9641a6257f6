"""Change history (django-auditlog) of agencies, memberships and training, and who may read it in admin."""

import datetime as dt

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.test import Client

from agencies.choices import Role, SignInReason
from agencies.models import SignInEvent, TrainingRecord
from agencies.services import membership_set

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/auditlog/logentry/"


def _agency_form(agency, **changes):
    data = {
        "name": agency.name,
        "slug": agency.slug,
        "ori": agency.ori,
        "kind": agency.kind,
        "state": agency.state,
        "is_active": "on",
        "retention_days": agency.retention_days,
        "public_comment_meeting_on": agency.public_comment_meeting_on.isoformat(),
        "public_comment_meeting_url": "",
    }
    data.update(changes)
    return data


def test_changing_an_agency_in_admin_records_who_did_it(make_user, agency, verified_client):
    clerk = make_user(Role.RECORDS_CLERK, username="clerk1")
    response = verified_client(clerk).post(
        f"/admin/agencies/agency/{agency.pk}/change/", _agency_form(agency, retention_days=45)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = LogEntry.objects.get_for_object(agency).get(action=LogEntry.Action.UPDATE)
    assert entry.actor == clerk
    assert entry.changes_dict["retention_days"] == ["30", "45"]


def test_changing_a_membership_records_who_did_it(make_user, agency):
    admin_user = make_user(Role.AGENCY_ADMIN, username="admin1")
    officer = make_user(Role.OFFICER, username="officer1")
    with set_actor(admin_user):
        membership = membership_set(user=officer, agency=agency, role=Role.INVESTIGATOR, job_title="Detective")
    entry = LogEntry.objects.get_for_object(membership).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.actor == admin_user
    assert entry.changes_dict["role"] == [Role.OFFICER, Role.INVESTIGATOR]


def test_adding_and_changing_training_records_who_did_it(make_user, verified_client):
    clerk = make_user(Role.AGENCY_ADMIN, username="clerk1")  # an agency admin keeps the training records
    officer = make_user(Role.OFFICER, username="officer1", trained=False)
    client = verified_client(clerk)
    response = client.post(
        "/admin/agencies/trainingrecord/add/",
        {"user": officer.pk, "course": "ALPR SB 34", "completed_on": "2026-01-05", "expires_on": "2027-01-05"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    record = TrainingRecord.objects.get(user=officer)
    with set_actor(clerk):
        record.expires_on = dt.date(2026, 12, 31)
        record.save()
    actions = list(LogEntry.objects.get_for_object(record).order_by("timestamp").values_list("action", "actor"))
    assert actions == [(LogEntry.Action.CREATE, clerk.pk), (LogEntry.Action.UPDATE, clerk.pk)]


def _entry_by(user, agency):
    with set_actor(user):
        agency.retention_days += 1
        agency.save()
    return LogEntry.objects.get_for_object(agency).latest("timestamp")


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.AGENCY_ADMIN])
def test_auditors_and_agency_admins_read_their_agencys_change_history(
    role, make_user, agency, other_agency, verified_client
):
    reader = make_user(role)
    ours = _entry_by(make_user(Role.RECORDS_CLERK, username="ours"), agency)
    theirs = _entry_by(make_user(Role.RECORDS_CLERK, username="theirs", agency=other_agency), other_agency)
    client = verified_client(reader)
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    shown = {entry.pk for entry in response.context["cl"].result_list}
    assert ours.pk in shown
    assert theirs.pk not in shown
    assert client.get(f"{CHANGELIST}{theirs.pk}/change/").status_code == 302  # not found for this reader
    assert client.get(f"{CHANGELIST}{ours.pk}/delete/").status_code == 403  # history is not editable


def test_clerks_and_officers_do_not_read_the_change_history(make_user, verified_client):
    assert verified_client(make_user(Role.RECORDS_CLERK)).get(CHANGELIST).status_code == 403
    officer = Client()
    officer.force_login(make_user(Role.OFFICER))
    assert officer.get(CHANGELIST).status_code == 302  # not staff: admin sends them to sign in


def test_sign_in_records_are_readable_by_auditors_and_read_only(make_user, verified_client):
    auditor = make_user(Role.AUDITOR, username="auditor1")
    client = verified_client(auditor)  # force_login writes a sign-in record for auditor1
    event = SignInEvent.objects.get(user=auditor, reason=SignInReason.PASSWORD_ACCEPTED)
    assert client.get("/admin/agencies/signinevent/").status_code == 200
    assert client.get(f"/admin/agencies/signinevent/{event.pk}/change/").status_code == 200
    assert client.post(f"/admin/agencies/signinevent/{event.pk}/change/", {"username": "x"}).status_code == 403
    assert client.get("/admin/agencies/signinevent/add/").status_code == 403
    assert client.get(f"/admin/agencies/signinevent/{event.pk}/delete/").status_code == 403

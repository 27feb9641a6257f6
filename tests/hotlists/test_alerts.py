"""The alert workflow, its API, and the dispatch screens' live feed."""

import pytest

from agencies.choices import Role
from hotlists.choices import AlertStatus
from hotlists.matching import match_ingested_reads
from hotlists.models import AlertEvent
from hotlists.selectors import alert_feed
from hotlists.services import (
    ALERT_CONFIRM_NEEDS_VERIFICATION,
    ALERT_REASON_REQUIRED,
    ALERT_STEP_REFUSED,
    alert_transition,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(agency, hotlist, entry_for, ingested, camera):
    entry_for(hotlist, "7ABC123")
    [alert] = match_ingested_reads([ingested(agency, "7ABC123", camera=camera)])
    return alert


def _url(alert, suffix=""):
    return f"/api/v1/alerts/{alert.pk}/{suffix}"


def test_full_workflow_with_verification(alert, investigator):
    alert_transition(alert=alert, user=investigator, to_status=AlertStatus.ACKNOWLEDGED)
    alert = alert_transition(
        alert=alert, user=investigator, to_status=AlertStatus.CONFIRMED, plate_verified=True, database_checked=True
    )
    alert = alert_transition(alert=alert, user=investigator, to_status=AlertStatus.CLEARED, note="Vehicle recovered")
    assert alert.status == AlertStatus.CLEARED
    steps = list(AlertEvent.objects.filter(alert=alert).values_list("from_status", "to_status", "actor__username"))
    assert steps == [
        ("new", "acknowledged", "inv"),
        ("acknowledged", "confirmed", "inv"),
        ("confirmed", "cleared", "inv"),
    ]


def test_skipping_a_step_is_refused(alert, investigator):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as excinfo:
        alert_transition(
            alert=alert, user=investigator, to_status=AlertStatus.CONFIRMED, plate_verified=True, database_checked=True
        )
    assert excinfo.value.message_dict["to_status"] == [
        ALERT_STEP_REFUSED.format(current="new", target="confirmed", allowed="acknowledged")
    ]
    assert not AlertEvent.objects.exists()


@pytest.mark.parametrize("verified,checked", [(False, False), (True, False), (False, True)])
def test_confirming_needs_both_checks(alert, investigator, verified, checked):
    from django.core.exceptions import ValidationError

    alert_transition(alert=alert, user=investigator, to_status=AlertStatus.ACKNOWLEDGED)
    with pytest.raises(ValidationError) as excinfo:
        alert_transition(
            alert=alert,
            user=investigator,
            to_status=AlertStatus.CONFIRMED,
            plate_verified=verified,
            database_checked=checked,
        )
    assert excinfo.value.message_dict["to_status"] == [ALERT_CONFIRM_NEEDS_VERIFICATION]


@pytest.mark.parametrize("target", [AlertStatus.MISREAD, AlertStatus.CLEARED])
def test_misread_and_cleared_need_a_reason(alert, investigator, target):
    from django.core.exceptions import ValidationError

    alert_transition(alert=alert, user=investigator, to_status=AlertStatus.ACKNOWLEDGED)
    with pytest.raises(ValidationError) as excinfo:
        alert_transition(alert=alert, user=investigator, to_status=target, note="  ")
    assert excinfo.value.message_dict["note"] == [ALERT_REASON_REQUIRED.format(target=target)]
    alert_transition(alert=alert, user=investigator, to_status=target, note="Plate was 7A8C123")


def test_api_list_detail_and_transition(alert, investigator, client_for, make_user, other_agency):
    client = client_for(investigator)
    listed = client.get("/api/v1/alerts/?status=new").json()
    assert [row["id"] for row in listed["results"]] == [alert.pk]
    response = client.post(_url(alert, "transition/"), {"to_status": "confirmed"})
    assert response.status_code == 400
    assert "acknowledged" in response.json()["to_status"][0]
    assert client.post(_url(alert, "transition/"), {"to_status": "acknowledged"}).status_code == 200
    response = client.post(_url(alert, "transition/"), {"to_status": "confirmed", "plate_verified": True})
    assert response.json()["to_status"] == [ALERT_CONFIRM_NEEDS_VERIFICATION]
    response = client.post(
        _url(alert, "transition/"), {"to_status": "confirmed", "plate_verified": True, "database_checked": True}
    )
    assert response.status_code == 200
    detail = client.get(_url(alert)).json()
    assert detail["status"] == "confirmed"
    assert [event["to_status"] for event in detail["events"]] == ["acknowledged", "confirmed"]
    # Another agency's user does not see it; an auditor may not work it.
    stranger = make_user(Role.INVESTIGATOR, agency=other_agency, username="stranger")
    assert client_for(stranger).get(_url(alert)).status_code == 404
    auditor = make_user(Role.AUDITOR, username="aud")
    assert client_for(auditor).get("/api/v1/alerts/").status_code == 403


def test_alert_list_query_count(alert, investigator, client_for, django_assert_max_num_queries):
    client = client_for(investigator)
    client.get("/api/v1/alerts/")  # warm the permission caches
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/alerts/").status_code == 200


def test_feed_hands_out_new_alerts_once(agency, hotlist, entry_for, ingested, camera, investigator, client_for):
    entry_for(hotlist, "7ABC123")
    entry_for(hotlist, "5XYZ999")
    alerts, head = alert_feed(user=investigator, cursor=None)
    assert alerts == []
    [first] = match_ingested_reads([ingested(agency, "7ABC123", camera=camera)])
    client = client_for(investigator)
    body = client.get(f"/api/v1/alerts/feed/?since={head}&wait=0").json()
    assert [row["id"] for row in body["alerts"]] == [first.pk]
    assert client.get(f"/api/v1/alerts/feed/?since={body['cursor']}&wait=0").json()["alerts"] == []
    [second] = match_ingested_reads([ingested(agency, "5XYZ999", camera=camera)])
    body = client.get(f"/api/v1/alerts/feed/?since={body['cursor']}&wait=0.3").json()
    assert [row["id"] for row in body["alerts"]] == [second.pk]
    assert client.get("/api/v1/alerts/feed/?since=nonsense&wait=0").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_feed_waits_for_older_transactions_of_this_database_only(
    agency, hotlist, entry_for, ingested, camera, investigator, open_transaction
):
    """An alert is handed out once every transaction of this database that began before it has ended: an older one
    may still commit an alert that the cursor must not pass. A transaction of another database on the same server
    cannot write alerts here and holds nothing back (it held every feed back until it ended)."""
    entry_for(hotlist, "7ABC123")
    entry_for(hotlist, "5XYZ999")
    _, start = alert_feed(user=investigator, cursor=None)
    elsewhere = open_transaction("postgres")
    [first] = match_ingested_reads([ingested(agency, "7ABC123", camera=camera)])
    alerts, cursor = alert_feed(user=investigator, cursor=start, wait_s=0)
    assert alerts == [first]

    older = open_transaction()
    [second] = match_ingested_reads([ingested(agency, "5XYZ999", camera=camera)])
    assert alert_feed(user=investigator, cursor=cursor, wait_s=0) == ([], cursor)
    older.rollback()
    alerts, after = alert_feed(user=investigator, cursor=cursor, wait_s=0)
    assert alerts == [second]
    assert alert_feed(user=investigator, cursor=after, wait_s=0) == ([], after)
    elsewhere.rollback()

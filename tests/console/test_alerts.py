"""The console's alert list, live feed, workflow with its verification step, and the hit's image."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection

from agencies.access import TRAINING_REQUIRED
from agencies.choices import Role
from console.access import ROLE_NOT_ALLOWED
from console.views.alerts import FEED_BAD_IDS
from hotlists.choices import AlertStatus, Priority
from hotlists.models import Alert, AlertEvent
from hotlists.selectors import FEED_BAD_CURSOR
from hotlists.services import ALERT_CONFIRM_NEEDS_VERIFICATION, ALERT_REASON_REQUIRED, alert_transition
from reads.models import AccessLogEntry

from .conftest import JPEG, text

pytestmark = pytest.mark.django_db


def _step(client, alert, to_status, **fields):
    return client.post(f"/console/alerts/{alert.pk}/", {"to_status": to_status, **fields})


def test_alert_list_shows_open_alerts_and_filters(officer, signed_in, camera, make_alert):
    open_alert = make_alert(camera, "8HOT123", name="Stolen vehicles")
    closed = make_alert(camera, "9OLD456", priority=Priority.NORMAL, name="Felony vehicles")
    alert_transition(alert=closed, user=officer, to_status=AlertStatus.ACKNOWLEDGED)
    alert_transition(alert=closed, user=officer, to_status=AlertStatus.CLEARED, note="Plate recovered")
    client = signed_in(officer)
    page = text(client.get("/console/alerts/"))
    assert "8HOT123" in page and "9OLD456" not in page
    assert 'data-feed-url="/console/alerts/feed/"' in page and 'class="high"' in page
    page = text(client.get("/console/alerts/?status=cleared"))
    assert "9OLD456" in page and "8HOT123" not in page and 'data-live="off"' in page
    page = text(client.get(f"/console/alerts/?status=all&hotlist={open_alert.hotlist_id}"))
    assert "8HOT123" in page and "9OLD456" not in page


def test_another_agencys_alert_is_404_and_hidden(officer, signed_in, other_agency, make_camera, make_alert):
    theirs = make_alert(make_camera(other_agency, "Theirs"), "8HOT123")
    client = signed_in(officer)
    assert "8HOT123" not in text(client.get("/console/alerts/?status=all"))
    assert client.get(f"/console/alerts/{theirs.pk}/").status_code == 404
    assert _step(client, theirs, "acknowledged").status_code == 404
    assert client.get(f"/console/alerts/{theirs.pk}/image/").status_code == 404
    assert Alert.objects.get().status == AlertStatus.NEW


def test_alerts_refuse_an_untrained_user(make_user, signed_in, camera, make_alert):
    alert = make_alert(camera)
    client = signed_in(make_user(Role.OFFICER, trained=False))
    for url in ("/console/alerts/", f"/console/alerts/{alert.pk}/"):
        response = client.get(url)
        assert response.status_code == 403 and TRAINING_REQUIRED in text(response)
    feed = client.get("/console/alerts/feed/")
    assert feed.status_code == 403 and feed.json() == {"detail": TRAINING_REQUIRED}
    assert _step(client, alert, "acknowledged").status_code == 403
    assert Alert.objects.get().status == AlertStatus.NEW


def test_a_role_without_alerts_is_refused(make_user, signed_in):
    response = signed_in(make_user(Role.AUDITOR)).get("/console/alerts/")
    assert response.status_code == 403 and ROLE_NOT_ALLOWED in text(response)


def test_feed_returns_alerts_after_the_cursor(officer, signed_in, camera, make_alert):
    make_alert(camera, "8HOT123")
    client = signed_in(officer)
    page = text(client.get("/console/alerts/"))
    cursor = page.split('data-cursor="', 1)[1].split('"', 1)[0]
    assert client.get("/console/alerts/feed/", {"since": cursor}).json()["alerts"] == []
    newer = make_alert(camera, "7NEW777", priority=Priority.CRITICAL)
    body = client.get("/console/alerts/feed/", {"since": cursor}).json()
    assert [item["plate"] for item in body["alerts"]] == ["7NEW777"]
    item = body["alerts"][0]
    assert item["high"] is True and item["url"] == f"/console/alerts/{newer.pk}/" and item["status"] == "new"
    assert client.get("/console/alerts/feed/", {"since": body["cursor"]}).json()["alerts"] == []
    bad = client.get("/console/alerts/feed/", {"since": "nonsense"})
    assert bad.status_code == 400 and bad.json()["detail"] == FEED_BAD_CURSOR


@pytest.mark.django_db(transaction=True)
def test_the_list_shows_only_the_alerts_its_cursor_covers(officer, signed_in, camera, make_alert, open_transaction):
    """An alert committed while an older transaction is still open is not settled yet: the feed hands it out later,
    after the cursor the page starts with, so the page does not list it as well. (It did: the page listed it with a
    cursor behind it, 0-0 when no alert was settled, and the feed then added it again in a second row.)"""
    try:
        shown = make_alert(camera, "8HOT123")
        older = open_transaction()
        later = make_alert(camera, "7NEW777")
        client = signed_in(officer)
        page = text(client.get("/console/alerts/"))
        cursor = page.split('data-cursor="', 1)[1].split('"', 1)[0]
        assert f'data-alert-id="{shown.pk}"' in page and f'data-alert-id="{later.pk}"' not in page
        assert client.get("/console/alerts/feed/", {"since": cursor}).json()["alerts"] == []
        older.rollback()
        body = client.get("/console/alerts/feed/", {"since": cursor, "ids": shown.pk}).json()
        assert [item["id"] for item in body["alerts"]] == [later.pk]
        assert client.get("/console/alerts/feed/", {"since": body["cursor"]}).json()["alerts"] == []
    finally:
        with connection.cursor() as sql:  # the partitioned reads table is not Django's to flush
            sql.execute("TRUNCATE reads_read")


def test_confirm_requires_both_checks(officer, signed_in, camera, make_alert):
    alert = make_alert(camera)
    client = signed_in(officer)
    page = text(client.get(f"/console/alerts/{alert.pk}/"))
    assert "Acknowledge" in page and "Confirm hit" not in page  # steps cannot be skipped
    assert _step(client, alert, "acknowledged").status_code == 302
    page = text(client.get(f"/console/alerts/{alert.pk}/"))
    assert "Confirm hit" in page and 'name="plate_verified"' in page and 'name="database_checked"' in page
    refused = _step(client, alert, "confirmed", plate_verified="on")
    assert refused.status_code == 400 and ALERT_CONFIRM_NEEDS_VERIFICATION in text(refused)
    assert Alert.objects.get().status == AlertStatus.ACKNOWLEDGED
    assert _step(client, alert, "confirmed", plate_verified="on", database_checked="on").status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CONFIRMED and alert.plate_verified and alert.database_checked
    event = AlertEvent.objects.order_by("at", "id").last()
    assert (event.actor, event.from_status, event.to_status) == (officer, "acknowledged", "confirmed")
    assert "officer1: Acknowledged → Confirmed" in text(client.get(f"/console/alerts/{alert.pk}/"))


@pytest.mark.parametrize("to_status", [AlertStatus.MISREAD, AlertStatus.CLEARED])
def test_misread_and_cleared_need_a_reason(officer, signed_in, camera, make_alert, to_status):
    alert = make_alert(camera)
    client = signed_in(officer)
    _step(client, alert, "acknowledged")
    refused = _step(client, alert, to_status, note="  ")
    assert refused.status_code == 400 and ALERT_REASON_REQUIRED.format(target=to_status) in text(refused)
    assert _step(client, alert, to_status, note="Plate is 8H0T123, not a match").status_code == 302
    alert.refresh_from_db()
    assert alert.status == to_status and alert.disposition_note == "Plate is 8H0T123, not a match"


def test_transition_forms_carry_csrf_and_need_the_permission(officer, make_user, signed_in, camera, make_alert):
    alert = make_alert(camera)
    assert "csrfmiddlewaretoken" in text(signed_in(officer).get(f"/console/alerts/{alert.pk}/"))
    watcher = make_user(Role.AUDITOR, username="watcher")
    watcher.user_permissions.add(Permission.objects.get(codename="view_alert"))
    client = signed_in(watcher)
    page = text(client.get(f"/console/alerts/{alert.pk}/"))
    assert "8HOT123" in page and "Acknowledge" not in page
    response = _step(client, alert, "acknowledged")
    assert response.status_code == 403 and ROLE_NOT_ALLOWED in text(response)
    assert Alert.objects.get().status == AlertStatus.NEW


def test_alert_image_is_logged_once_as_alert_verification(officer, signed_in, camera, make_alert):
    alert = make_alert(camera)
    client = signed_in(officer)
    assert client.get(f"/console/alerts/{alert.pk}/image/").status_code == 404  # the page (logged view) first
    client.get(f"/console/alerts/{alert.pk}/")
    client.get(f"/console/alerts/{alert.pk}/")
    view = AccessLogEntry.objects.get(action="image_view")
    assert (view.channel, view.purpose, view.case_number) == ("web", "alert_verification", "SV-1")
    assert view.query == {"alert_id": alert.pk, "read_id": alert.read_id, "kind": "rear"}
    response = client.get(f"/console/alerts/{alert.pk}/image/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == JPEG


def test_home_lists_open_alerts_of_the_agency_only(officer, signed_in, camera, other_agency, make_camera, make_alert):
    make_alert(camera, "8HOT123")
    make_alert(make_camera(other_agency, "Theirs"), "7THR999")
    page = text(signed_in(officer).get("/"))
    assert "8HOT123" in page and "7THR999" not in page


def test_feed_reports_the_current_status_of_the_alerts_a_page_shows(
    officer, signed_in, camera, make_alert, make_user, make_camera, other_agency
):
    changed, unchanged = make_alert(camera, "8HOT123"), make_alert(camera, "8HOT456")
    theirs = make_alert(make_camera(other_agency, "Theirs"), "8HOT789")
    client = signed_in(officer)
    page = text(client.get("/console/alerts/"))
    assert f'data-alert-id="{changed.pk}"' in page
    cursor = page.split('data-cursor="', 1)[1].split('"', 1)[0]
    alert_transition(alert=changed, user=make_user(Role.OFFICER), to_status=AlertStatus.ACKNOWLEDGED)  # a colleague

    ids = f"{changed.pk},{unchanged.pk},{theirs.pk},{changed.pk}"  # an id twice asks the same thing twice
    body = client.get("/console/alerts/feed/", {"since": cursor, "ids": ids}).json()
    assert body["alerts"] == []
    assert sorted(body["statuses"], key=lambda item: item["id"]) == [
        {"id": changed.pk, "status": "acknowledged", "status_label": "Acknowledged"},
        {"id": unchanged.pk, "status": "new", "status_label": "New"},
    ]  # another agency's alert is not reported
    for bad in ("1,x", ",".join(["1"] * 101), "9" * 30):
        response = client.get("/console/alerts/feed/", {"since": cursor, "ids": bad})
        assert response.status_code == 400 and response.json()["detail"] == FEED_BAD_IDS

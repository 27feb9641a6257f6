"""The officer's alert list and hit page (issue #20): sorted by priority then by the read time it shows, live and
historical hits apart, repeats of one plate grouped, the vehicle's description, and a verification step worded for
what the hit has (an image or not)."""

import datetime as dt

import pytest
from django.utils import timezone

from console.views.alerts import VERIFY_WITH_IMAGE, VERIFY_WITHOUT_IMAGE
from hotlists.choices import AlertStatus, Category, HotlistSource, Priority
from hotlists.models import Alert, Hotlist
from hotlists.services import alert_transition, hotlist_entry_create
from reads.choices import AccessAction, ReadSource
from reads.models import AccessLogEntry
from reads.services import read_ingest

from .conftest import JPEG, text

pytestmark = pytest.mark.django_db
_counter = {"n": 0}


def _hit(camera, plate, *, priority=Priority.NORMAL, minutes_ago=60, image=True, **vehicle) -> Alert:
    """A hotlist entry for `plate`, then a read of it `minutes_ago` (with or without an image) through ingest."""
    _counter["n"] += 1
    hotlist, _ = Hotlist.objects.get_or_create(
        agency=camera.agency,
        name=f"List {priority}",
        defaults={"source": HotlistSource.MANUAL, "category": Category.STOLEN_VEHICLE, "priority": priority},
    )
    if not hotlist.entries.filter(plate=plate).exists():
        hotlist_entry_create(hotlist=hotlist, user=None, plate=plate, case_number="SV-1")
    source_id = f"triage-{_counter['n']}"
    item = {
        "camera": camera.pk,
        "captured_at": (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat(),
        "plate": plate,
        "source_id": source_id,
        **vehicle,
    }
    result = read_ingest(
        agency=camera.agency, items=[item], source=ReadSource.CAMERA_PUSH, images={source_id: JPEG} if image else {}
    )
    return Alert.objects.get(read_id=result.reads[0].id)


def _order(page: str, *plates: str) -> list[int]:
    return [page.index(plate) for plate in plates]


def test_alerts_sort_by_priority_then_by_the_read_time_shown(officer, signed_in, camera):
    old_high = _hit(camera, "1HIGH11", priority=Priority.HIGH, minutes_ago=300)
    new_normal = _hit(camera, "2NORM22", priority=Priority.NORMAL, minutes_ago=5)
    newer_high = _hit(camera, "3HIGH33", priority=Priority.HIGH, minutes_ago=100)
    # Rows created in the opposite order of their reads: the list follows the read time it shows, not the row's.
    Alert.objects.filter(pk=old_high.pk).update(created_at=timezone.now())
    Alert.objects.filter(pk=newer_high.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    page = text(signed_in(officer).get("/console/alerts/"))
    first, second, third = _order(page, "3HIGH33", "1HIGH11", "2NORM22")
    assert first < second < third
    assert new_normal.priority < old_high.priority


def test_live_and_historical_hits_are_shown_apart(officer, signed_in, camera):
    _hit(camera, "4LIVE44")
    historical = _hit(camera, "5PAST55")
    Alert.objects.filter(pk=historical.pk).update(historical=True)
    page = text(signed_in(officer).get("/console/alerts/"))
    live_part, historical_part = page.split('id="historical-table"', 1)
    assert "4LIVE44" in live_part and "5PAST55" not in live_part.split('id="alert-table"', 1)[1]
    assert "5PAST55" in historical_part and "4LIVE44" not in historical_part


def test_repeats_of_one_plate_are_one_row_with_a_count(officer, signed_in, camera, make_camera):
    # One camera folds repeats into one alert; different cameras (or a historical match) make separate alerts.
    for index in range(4):
        _hit(make_camera(camera.agency, f"Cam {index}"), "6REPT66", minutes_ago=10 + index)
    _hit(camera, "7ONCE77")
    assert Alert.objects.filter(plate="6REPT66").count() == 4
    page = text(signed_in(officer).get("/console/alerts/"))
    tbody = page.split('id="alert-table"', 1)[1].split("</tbody>", 1)[0]
    assert tbody.count("data-alert-id=") == 2  # one row per plate
    assert "4 hits" in tbody and tbody.count('class="plate">6REPT66') == 1


def test_hit_page_shows_the_vehicle_and_asks_to_compare_the_image(officer, signed_in, camera):
    alert = _hit(camera, "8IMG888", vehicle_make="Toyota", vehicle_model="Camry", vehicle_color="Silver")
    alert_transition(alert=alert, user=officer, to_status=AlertStatus.ACKNOWLEDGED)
    client = signed_in(officer)
    page = text(client.get(f"/console/alerts/{alert.pk}/"))
    assert "Toyota Camry, silver" in page
    assert VERIFY_WITH_IMAGE in page and VERIFY_WITHOUT_IMAGE not in page
    assert f"/console/alerts/{alert.pk}/image/" in page
    # The image view and the page view are both in the access log.
    actions = set(AccessLogEntry.objects.values_list("action", flat=True))
    assert AccessAction.IMAGE_VIEW in actions


def test_without_an_image_the_page_does_not_ask_to_compare_one(officer, signed_in, camera):
    alert = _hit(camera, "9NOIMG9", image=False, vehicle_make="Ford", vehicle_color="Red")
    assert not alert.image
    alert_transition(alert=alert, user=officer, to_status=AlertStatus.ACKNOWLEDGED)
    client = signed_in(officer)
    page = text(client.get(f"/console/alerts/{alert.pk}/"))
    assert VERIFY_WITHOUT_IMAGE in page and VERIFY_WITH_IMAGE not in page
    assert "compare the plate in the image" not in page.lower() and "against the image" not in page
    assert "Ford, red" in page and f"/console/alerts/{alert.pk}/image/" not in page
    # Confirming with the checks worded for no image still works.
    response = client.post(
        f"/console/alerts/{alert.pk}/", {"to_status": "confirmed", "plate_verified": "on", "database_checked": "on"}
    )
    assert response.status_code == 302
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.CONFIRMED

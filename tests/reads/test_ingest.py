import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from agencies.choices import TokenPurpose
from agencies.models import ApiToken
from common.api import INGEST_TOKEN_REQUIRED
from reads import validation
from reads.models import Plate, Read
from reads.partitions import partition_name
from reads.services import BATCH_TOO_LARGE

pytestmark = pytest.mark.django_db
BATCH = reverse("read-batch")


def _item(cam, n, **overrides):
    item = {
        "camera": cam.pk,
        "captured_at": (timezone.now() - dt.timedelta(minutes=n + 1)).isoformat(),
        "plate": f"7ABC{n:03d}",
        "plate_state": "CA",
        "source_id": f"cam1-{n}",
        "confidence": 0.93,
        "candidates": [{"plate": f"7A8C{n:03d}", "confidence": 0.41}],
        "vehicle_make": "Toyota",
        "vehicle_type": "sedan",
        "vehicle_color": "Silver",
    }
    item.update(overrides)
    return item


def test_batch_stores_reads(agency, camera, ingest_client):
    response = ingest_client(agency).post(BATCH, {"reads": [_item(camera, n) for n in range(5)]}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["stored"] == 5
    read = Read.objects.get(plate="7ABC003")
    assert read.owner_agency == agency
    assert read.plate_state == "CA"
    assert read.vehicle_color == "silver"
    assert read.candidates == [{"plate": "7A8C003", "confidence": 0.41}]
    assert read.location is not None and abs(read.location.y - camera.location.y) < 1e-9
    assert Plate.objects.filter(plate="7ABC003").exists()


def test_batch_is_all_or_nothing_and_lists_each_problem(agency, camera, ingest_client):
    items = [_item(camera, n) for n in range(4)]
    items[1]["plate"] = "7ABC$12"
    items[3]["captured_at"] = "2026-11-21T08:00:00"
    response = ingest_client(agency).post(BATCH, {"reads": items}, format="json")
    assert response.status_code == 400
    errors = {error["index"]: error["errors"] for error in response.json()["errors"]}
    assert set(errors) == {1, 3}
    assert "plate" in errors[1]
    assert errors[3]["captured_at"] == [validation.TIME_NO_ZONE]
    assert Read.objects.count() == 0


def test_replayed_batch_stores_nothing_twice(agency, camera, ingest_client):
    client = ingest_client(agency)
    body = {"reads": [_item(camera, n) for n in range(10)]}
    assert client.post(BATCH, body, format="json").status_code == 201
    again = client.post(BATCH, body, format="json")
    assert again.status_code == 200
    assert again.json()["stored"] == 0
    assert again.json()["duplicates"] == 10
    assert Read.objects.count() == 10


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"camera": 999999}, "camera", validation.UNKNOWN_CAMERA),
        ({"captured_at": "yesterday"}, "captured_at", validation.TIME_FORMAT),
        ({"captured_at": "2099-01-01T00:00:00Z"}, "captured_at", validation.TIME_FUTURE),
        ({"captured_at": "2001-01-01T00:00:00Z"}, "captured_at", validation.TIME_PAST_RETENTION),
        ({"plate_state": "XX"}, "plate_state", validation.STATE_UNKNOWN),
        ({"plate": ""}, "plate", validation.REQUIRED),
        ({"source_id": None}, "source_id", validation.REQUIRED),
        ({"confidence": 7}, "confidence", validation.NUMBER_RANGE.format(low=0, high=1)),
        ({"latitude": 33.1}, "latitude", validation.LATLON_PAIR),
        ({"plate_kind": ["full"]}, "plate_kind", validation.CHOICE.format(choices="full, partial, paper, none")),
        ({"direction": {"a": 1}}, "direction", validation.CHOICE.format(choices="approaching, receding")),
    ],
)
def test_bad_read_is_refused_with_reason(agency, camera, ingest_client, overrides, field, message):
    response = ingest_client(agency).post(BATCH, {"reads": [_item(camera, 1, **overrides)]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["errors"][field] == [message]
    assert Read.objects.count() == 0


def test_inactive_camera_is_refused(agency, camera, ingest_client):
    camera.is_active = False
    camera.save()
    response = ingest_client(agency).post(BATCH, {"reads": [_item(camera, 1)]}, format="json")
    assert response.json()["errors"][0]["errors"]["camera"] == [validation.CAMERA_INACTIVE]


def test_another_agencys_camera_is_unknown(agency, other_agency, make_camera, ingest_client):
    theirs = make_camera(other_agency, "Their camera")
    response = ingest_client(agency).post(BATCH, {"reads": [_item(theirs, 1)]}, format="json")
    assert response.json()["errors"][0]["errors"]["camera"] == [validation.UNKNOWN_CAMERA]


def test_batch_over_the_limit_is_refused(agency, camera, ingest_client):
    items = [_item(camera, n, source_id=f"s{n}") for n in range(1001)]
    response = ingest_client(agency).post(BATCH, {"reads": items}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == BATCH_TOO_LARGE.format(limit=1000, count=1001)
    assert Read.objects.count() == 0


def test_malformed_json_is_refused(agency, ingest_client):
    response = ingest_client(agency).post(BATCH, data='{"reads": [', content_type="application/json")
    assert response.status_code == 400
    assert Read.objects.count() == 0


def test_body_without_reads_list_is_refused(agency, ingest_client):
    response = ingest_client(agency).post(BATCH, {"reads": "many"}, format="json")
    assert response.status_code == 400


def test_repeated_source_id_in_one_batch_is_refused(agency, camera, ingest_client):
    items = [_item(camera, 1), _item(camera, 2, source_id="cam1-1")]
    response = ingest_client(agency).post(BATCH, {"reads": items}, format="json")
    assert response.json()["errors"][0]["errors"]["source_id"] == [validation.SOURCE_ID_REPEATED]


def test_person_token_cannot_ingest(agency, camera, investigator, api_client):
    _, secret = ApiToken.issue(user=investigator, name="laptop", purpose=TokenPurpose.API)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    response = api_client.post(BATCH, {"reads": [_item(camera, 1)]}, format="json")
    assert response.status_code == 401
    assert response.json()["detail"] == INGEST_TOKEN_REQUIRED


def test_bad_token_is_refused(api_client, camera):
    api_client.credentials(HTTP_AUTHORIZATION="Token abcdef.not-a-real-secret")
    assert api_client.post(BATCH, {"reads": [_item(camera, 1)]}, format="json").status_code == 401


def test_ingest_creates_day_partitions_on_demand(agency, camera, ingest_client):
    day = timezone.now() - dt.timedelta(days=9)
    response = ingest_client(agency).post(
        BATCH, {"reads": [_item(camera, 1, captured_at=day.isoformat())]}, format="json"
    )
    assert response.status_code == 201
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [partition_name(day.astimezone(dt.UTC).date())])
        assert cursor.fetchone()[0] is not None


def test_ingest_marks_cameras_heard_from(agency, camera, ingest_client):
    assert not camera.is_online
    ingest_client(agency).post(BATCH, {"reads": [_item(camera, 1)]}, format="json")
    camera.refresh_from_db()
    assert camera.is_online


def test_mobile_read_carries_its_own_point(agency, make_camera, ingest_client):
    car = make_camera(agency, "Unit 12", kind="mobile", at=None)
    missing = ingest_client(agency).post(BATCH, {"reads": [_item(car, 1)]}, format="json")
    assert missing.json()["errors"][0]["errors"]["latitude"] == [validation.MOBILE_NEEDS_LOCATION]
    ok = ingest_client(agency).post(BATCH, {"reads": [_item(car, 1, latitude=33.79, longitude=-116.52)]}, format="json")
    assert ok.status_code == 201
    assert round(Read.objects.get().location.y, 2) == 33.79


def test_ingest_query_count_does_not_grow_with_the_batch(agency, camera, store_reads, django_assert_max_num_queries):
    store_reads(camera, ["1AAA111"])  # partitions and caches warm
    with django_assert_max_num_queries(12) as small:
        store_reads(camera, [f"2BBB{n:03d}" for n in range(5)])
    with django_assert_max_num_queries(len(small.captured_queries)):
        store_reads(camera, [f"3CCC{n:03d}" for n in range(200)], step=dt.timedelta(seconds=1))


def test_scheduled_partition_job_creates_a_week_ahead_and_analyzes_today(agency, camera, store_reads):
    from reads.partitions import partitions_existing
    from reads.tasks import ensure_partitions

    store_reads(camera, ["1ANA001"], at=timezone.now() - dt.timedelta(minutes=5))
    names = ensure_partitions()
    today = dt.datetime.now(dt.UTC).date()
    assert partition_name(today + dt.timedelta(days=7)) in names
    assert {partition_name(today), partition_name(today + dt.timedelta(days=7))} <= {
        n for n, _ in partitions_existing()
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [partition_name(today)])
        assert cursor.fetchone()[0] >= 0  # analyzed: -1 means never analyzed

"""Malformed requests that once answered 500, or were accepted when they should not have been, through the real API
and database: each answers a 4xx that names the problem, and nothing is stored (no read, no access-log row, no
hotlist entry, no MOU, no recognition job). The rules live in common.inputs (text and nesting, checked by the API's
parsers and by RequestTextMiddleware), reads.plates, reads.validation, recognition.uploads and
common.staticfinders."""

import datetime as dt
import io
import json
from urllib.parse import quote

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from agencies.choices import Role
from common.inputs import BODY_TOO_LARGE, JSON_MAX_DEPTH, JSON_TOO_DEEP, PATH_FORBIDDEN, TEXT_FORBIDDEN
from hotlists.choices import Category, HotlistSource
from hotlists.models import Alert, Hotlist, HotlistEntry
from reads.api.serializers import SEARCH_PAGE_MAX
from reads.models import AccessLogEntry, Read
from reads.validation import CAMERA_NOT_A_NUMBER
from recognition.models import RecognitionJob
from recognition.uploads import IMAGE_TOO_MANY_PIXELS, IMAGE_UNREADABLE
from sharing.models import MOU

from ..recognition.scenes import plate_scene

pytestmark = pytest.mark.django_db

BATCH = "/api/v1/reads/batch/"
WEBHOOK = "/api/v1/ingest/openalpr/"
SEARCH = "/api/v1/reads/search/"
ENTRIES = "/api/v1/hotlist-entries/"
MOUS = "/api/v1/sharing/mous/"
# A lone surrogate at each end of the range, NUL, another C0 control, DEL and a C1 control.
BAD_TEXT = [("\ud800", "U+D800"), ("\udfff", "U+DFFF"), ("\x00", "U+0000"), ("\x1b", "U+001B"), ("\x7f", "U+007F"),
            ("\x85", "U+0085")]  # fmt: skip


def post_json(client, url, document):
    """Post `document` as JSON the way a client would (json.dumps writes a lone surrogate as the escape \\ud800;
    DRF's test renderer cannot encode one at all)."""
    return client.post(url, data=json.dumps(document), content_type="application/json")


def refused_text(response, field: str, char: str):
    assert response.status_code == 400, response.content[:500]
    assert response.json() == {field: [TEXT_FORBIDDEN.format(char=char)]}


DEEP = "<deep>"


def deep_json(document, depth: int) -> str:
    """`document` as JSON text with `depth` nested arrays where DEEP stands (json.dumps itself cannot write
    thousands of levels)."""
    return json.dumps(document).replace(json.dumps(DEEP), "[" * depth + "0" + "]" * depth)


@pytest.fixture
def ingest(agency, camera, ingest_client):
    return ingest_client(agency)


@pytest.fixture
def investigator_client(client_for, investigator):
    return client_for(investigator)


@pytest.fixture
def hotlist(agency):
    return Hotlist.objects.create(
        agency=agency, name="Stolen", source=HotlistSource.CA_DOJ_STOLEN_VEHICLES, category=Category.STOLEN_VEHICLE
    )


def _read(of_camera, **fields):
    at = timezone.now() - dt.timedelta(minutes=5)
    return {"camera": of_camera.pk, "captured_at": at.isoformat(), "plate": "7ABC123", "source_id": "s-1", **fields}


# Text: lone surrogates and control characters, in every kind of body ------------------------------------------------


@pytest.mark.parametrize("bad,char", BAD_TEXT)
@pytest.mark.parametrize("name", ["plate", "source_id", "vehicle_make", "plate_state", "captured_at", "direction"])
def test_batch_ingest_refuses_forbidden_characters_in_any_field(ingest, camera, name, bad, char):
    response = post_json(
        ingest, BATCH, {"reads": [_read(camera), _read(camera, **{"source_id": "s-2", name: f"A{bad}"})]}
    )
    refused_text(response, f"reads[1].{name}", char)
    assert not Read.objects.exists()


def test_batch_ingest_refuses_forbidden_characters_in_keys_and_nested_values(ingest, camera):
    refused_text(post_json(ingest, BATCH, {"reads": [_read(camera, **{"x\ud800": 1})]}), "reads[0].x\ufffd", "U+D800")
    candidates = [{"plate": "7ABC123", "confidence": 0.9}, {"plate": "7ABC12\x00", "confidence": 0.1}]
    refused_text(post_json(ingest, BATCH, {"reads": [_read(camera, candidates=candidates)]}),
                 "reads[0].candidates[1].plate", "U+0000")  # fmt: skip
    assert not Read.objects.exists()


@pytest.mark.parametrize("bad,char", BAD_TEXT)
def test_openalpr_webhook_refuses_forbidden_characters(ingest, camera, bad, char):
    camera.agent_uid, camera.agent_camera_id = "agent-1", 11
    camera.save(update_fields=["agent_uid", "agent_camera_id"])
    document = {"data_type": "alpr_group", "agent_uid": "agent-1", "camera_id": 11, "best_uuid": "u-1",
                "epoch_start": int((timezone.now() - dt.timedelta(minutes=5)).timestamp() * 1000),
                "best_plate_number": "7ABC123"}  # fmt: skip
    refused_text(post_json(ingest, WEBHOOK, {**document, "agent_uid": f"agent-1{bad}"}), "agent_uid", char)
    refused_text(post_json(ingest, WEBHOOK, {**document, "vehicle": {"make": [{"name": f"Hon{bad}da"}]}}),
                 "vehicle.make[0].name", char)  # fmt: skip
    assert not Read.objects.exists()


@pytest.mark.parametrize("bad,char", BAD_TEXT)
@pytest.mark.parametrize("name", ["plate", "case_number", "purpose_detail", "vehicle_make", "purpose"])
def test_search_refuses_forbidden_characters_and_logs_nothing(investigator_client, search_body, name, bad, char):
    response = post_json(investigator_client, SEARCH, search_body(**{"plate": "7ABC123", name: f"X{bad}"}))
    refused_text(response, name, char)
    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize("bad,char", BAD_TEXT)
def test_hotlist_entry_refuses_forbidden_characters(investigator_client, hotlist, bad, char):
    body = {"hotlist": hotlist.pk, "plate": "7ABC123", "description": f"Stolen {bad}"}
    refused_text(post_json(investigator_client, ENTRIES, body), "description", char)
    assert not HotlistEntry.objects.exists()


def _mou_body(partner_agency, **overrides):
    today = timezone.localdate()
    return {"partner": partner_agency.slug, "scope": ["search"], "effective_on": today.isoformat(),
            "expires_on": (today + dt.timedelta(days=365)).isoformat(), "justification": "Task force.",
            **overrides}  # fmt: skip


@pytest.mark.parametrize("bad,char", BAD_TEXT)
def test_mou_refuses_forbidden_characters_as_json_and_as_a_form(client_for, make_user, other_agency, bad, char):
    client = client_for(make_user(Role.RECORDS_CLERK, username="clerk"))
    refused_text(post_json(client, MOUS, _mou_body(other_agency, partner=f"desert{bad}springs")), "partner", char)
    refused_text(post_json(client, MOUS, _mou_body(other_agency, justification=f"Task{bad}")), "justification", char)
    if not "\ud800" <= bad <= "\udfff":  # a form's bytes cannot hold a lone surrogate (Django decodes them as U+FFFD)
        form = client.post(MOUS, _mou_body(other_agency, partner=f"desert{bad}springs"), format="multipart")
        refused_text(form, "partner", char)
    assert not MOU.objects.exists()


def test_text_may_hold_tabs_and_line_breaks(client_for, make_user, other_agency):
    client = client_for(make_user(Role.RECORDS_CLERK, username="clerk"))
    response = post_json(client, MOUS, _mou_body(other_agency, justification="Task force.\r\nSee\tannex."))
    assert response.status_code == 201, response.content
    assert MOU.objects.get().justification == "Task force.\r\nSee\tannex."


# Plates: letters and digits only, after normalisation ---------------------------------------------------------------


@pytest.mark.parametrize("written", ["7ABC123\n", "7ABC123\r\n", "\n7ABC123", "7ABC 123\n"])
def test_a_plate_with_a_line_break_is_stored_without_it_and_found_exactly(
    ingest, camera, investigator_client, search_body, hotlist, written
):
    """Choice: line breaks are separators, dropped like spaces and dashes (reads.plates), never stored."""
    entry = post_json(investigator_client, ENTRIES, {"hotlist": hotlist.pk, "plate": written, "plate_state": "CA"})
    assert entry.status_code == 201, entry.content
    assert entry.json()["plate"] == "7ABC123"
    assert post_json(ingest, BATCH, {"reads": [_read(camera, plate=written)]}).status_code == 201
    assert list(Read.objects.values_list("plate", flat=True)) == ["7ABC123"]
    assert Alert.objects.count() == 1  # the hotlist matched it
    found = post_json(investigator_client, SEARCH, search_body(plate=written))
    assert found.status_code == 200, found.content
    assert [row["plate"] for row in found.json()["results"]] == ["7ABC123"]


# Booleans are not numbers -------------------------------------------------------------------------------------------


def test_true_is_not_camera_1(ingest, camera):
    response = post_json(ingest, BATCH, {"reads": [_read(camera, camera=True)]})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"index": 0, "errors": {"camera": [CAMERA_NOT_A_NUMBER]}}]
    assert not Read.objects.exists()


def test_true_is_not_a_number_in_search_holds_entries_or_the_webhook(
    investigator_client, search_body, hotlist, ingest, camera
):
    near = {"latitude": True, "longitude": -116.5, "radius_m": 100}
    for body, field in [
        (search_body(plate="7ABC123", near=near), "near"),
        (search_body(plate="7ABC123", cameras=[True]), "cameras"),
        (search_body(plate="7ABC123", page=True), "page"),
    ]:
        response = post_json(investigator_client, SEARCH, body)
        assert response.status_code == 400 and field in response.json(), response.content
    assert not AccessLogEntry.objects.exists()
    entry = post_json(investigator_client, ENTRIES, {"hotlist": True, "plate": "7ABC123"})
    assert entry.status_code == 400 and "hotlist" in entry.json()
    assert not HotlistEntry.objects.exists()
    camera.agent_uid, camera.agent_camera_id = "agent-1", 1
    camera.save(update_fields=["agent_uid", "agent_camera_id"])
    group = {"data_type": "alpr_group", "agent_uid": "agent-1", "camera_id": True, "best_plate_number": "7ABC123",
             "epoch_start": int((timezone.now() - dt.timedelta(minutes=5)).timestamp() * 1000)}  # fmt: skip
    response = post_json(ingest, WEBHOOK, group)
    assert response.status_code == 400 and "camera_id" in response.json(), response.content
    assert not Read.objects.exists()
    heartbeat = {"data_type": "heartbeat", "agent_uid": "agent-1",
                 "video_streams": [{"camera_id": True, "is_streaming": True}]}  # fmt: skip
    assert post_json(ingest, WEBHOOK, heartbeat).json() == {"cameras_alive": 0}


# Nesting depth and body size ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [JSON_MAX_DEPTH + 1, 5_000, 100_000])
def test_deep_nesting_is_refused_on_the_batch_search_and_webhook_endpoints(
    ingest, camera, investigator_client, search_body, depth
):
    for client, url, document in [
        (ingest, BATCH, {"reads": [_read(camera, candidates=DEEP)]}),
        (ingest, BATCH, DEEP),
        (ingest, WEBHOOK, {"data_type": "alpr_group", "vehicle": DEEP}),
        (investigator_client, SEARCH, search_body(plate="7ABC123", cameras=DEEP)),
    ]:
        response = client.post(url, data=deep_json(document, depth), content_type="application/json")
        assert response.status_code == 400, (url, response.content[:300])
        assert response.json() == {"detail": JSON_TOO_DEEP}
    assert not Read.objects.exists() and not AccessLogEntry.objects.exists()


def test_nesting_up_to_the_bound_is_taken(ingest, camera):
    # {"reads": [{"extra": [...]}]}: 3 levels above the innermost list.
    response = ingest.post(BATCH, data=deep_json({"reads": [_read(camera, extra=DEEP)]}, JSON_MAX_DEPTH - 3),
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 201, response.content


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=20_000)
def test_a_body_over_the_limit_is_refused_413(ingest, camera, investigator_client, search_body):
    reads = [_read(camera, source_id=f"s-{i}", vehicle_make="x" * 30) for i in range(200)]
    response = post_json(ingest, BATCH, {"reads": reads})
    assert response.status_code == 413
    assert response.json() == {"detail": BODY_TOO_LARGE.format(limit=20_000)}
    response = post_json(investigator_client, SEARCH, search_body(plate="7ABC123", purpose_detail="x" * 30_000))
    assert response.status_code == 413
    assert not Read.objects.exists() and not AccessLogEntry.objects.exists()


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=20_000)
def test_a_form_over_the_limit_is_refused_413(client_for, make_user, other_agency):
    client = client_for(make_user(Role.RECORDS_CLERK, username="clerk"))
    body = _mou_body(other_agency, justification="x" * 30_000)
    for kind in ("multipart", None):
        response = client.post(MOUS, body, format=kind) if kind else client.post(
            MOUS, data="&".join(f"{k}={quote(str(v))}" for k, v in body.items()),
            content_type="application/x-www-form-urlencoded")  # fmt: skip
        assert response.status_code == 413, response.content[:300]
    assert not MOU.objects.exists()


# Page numbers -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", [10**20, SEARCH_PAGE_MAX + 1, "1" * 900])
def test_search_page_is_bounded(investigator_client, search_body, page):
    response = post_json(investigator_client, SEARCH, search_body(plate="7ABC123", page=page))
    assert response.status_code == 400
    assert list(response.json()) == ["page"]
    assert not AccessLogEntry.objects.exists()


def test_search_page_at_the_bound_is_taken(investigator_client, search_body):
    response = post_json(investigator_client, SEARCH, search_body(plate="7ABC123", page=SEARCH_PAGE_MAX))
    assert response.status_code == 200 and response.json()["results"] == []


def test_list_page_far_past_the_end_is_404(investigator_client):
    response = investigator_client.get("/api/v1/agencies/", {"page": 10**20})
    assert response.status_code == 404
    assert "page" in response.json()["detail"].lower()


# Paths and query strings --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/api/v1/agencies/palm%00vista/", "/api/v1/sharing/mous/1%00/", "/api/v1/hotlist-entries/%1b/",
     "/console/reads/%00", "/transparency/palm-vista-pd%00/"],
)  # fmt: skip
def test_a_path_with_a_control_character_is_refused_before_any_lookup(investigator_client, url, agency):
    response = investigator_client.get(url)
    assert response.status_code == 400
    message = PATH_FORBIDDEN.format(char="U+001B" if "%1b" in url else "U+0000")
    if url.startswith("/api/"):
        assert response.json() == {"detail": message}
    else:
        assert response.content.decode() == message


def test_a_query_string_with_a_control_character_is_refused(investigator_client, hotlist):
    for query in ("plate=7ABC%00", "pla%00te=7ABC", "ordering=%1b"):
        response = investigator_client.get(f"{ENTRIES}?{query}")
        assert response.status_code == 400, query
        assert "U+00" in response.json()["detail"]
    assert investigator_client.get(f"{ENTRIES}?plate=7ABC123").status_code == 200


def test_a_session_cookie_with_nul_is_dropped_not_looked_up(client):
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    response = client.get("/accounts/login/")
    assert response.status_code == 200


# Uploads are decoded before they are accepted -----------------------------------------------------------------------


@pytest.fixture
def upload(client_for, investigator, camera):
    def _upload(data, name="rear.jpg"):
        return client_for(investigator).post(
            reverse("recognition-upload"), {"camera": camera.pk, "images": [SimpleUploadedFile(name, data)]},
            format="multipart",
        )  # fmt: skip

    return _upload


def _png(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(plate_scene()[:2000], id="truncated-jpeg"),
        pytest.param(plate_scene()[:600], id="jpeg-headers-only"),
        pytest.param(b"\xff\xd8\xff\xe0" + b"\x00garbage" * 50, id="jpeg-signature-then-garbage"),
        pytest.param(_png()[:-20], id="truncated-png"),
        pytest.param(_png()[:29] + b"\x00" * 4 + _png()[33:], id="png-bad-header-checksum"),
    ],
)
def test_an_image_that_does_not_decode_is_refused_at_upload(upload, data):
    response = upload(data)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["file"] == "rear.jpg"
    assert body["detail"].startswith(IMAGE_UNREADABLE.split("(")[0])
    assert not RecognitionJob.objects.exists()


@override_settings(RECOGNITION_MAX_IMAGE_PIXELS=1_000)
def test_an_image_with_too_many_pixels_is_refused_before_it_is_decoded(upload):
    response = upload(_png((40, 30)), name="big.png")
    assert response.status_code == 413
    assert response.json()["detail"] == IMAGE_TOO_MANY_PIXELS.format(limit=1_000, width=40, height=30)
    assert not RecognitionJob.objects.exists()


def test_a_whole_image_is_still_accepted(upload, django_capture_on_commit_callbacks):
    assert upload(_png(), name="ok.png").status_code == 202
    assert RecognitionJob.objects.count() == 1


# Static files -------------------------------------------------------------------------------------------------------


@pytest.fixture
def wsgi_requests_keep_the_connection():
    """A WSGI handler closes the database connection after each request, as it should in production; the test's
    transaction must survive it (Django's test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize(
    "path", ["/static/../../manage.py", "/static/../config/settings/base.py", "/static/css/../../../x"]
)
def test_an_encoded_dot_dot_under_static_is_404_where_static_files_are_served(path, wsgi_requests_keep_the_connection):
    """`/static/%2e%2e/...` arrives unquoted as PATH_INFO. runserver serves /static/ with StaticFilesHandler ahead of
    all middleware, and only a 404 escapes it cleanly; the production app has no /static/ route in Django at all."""
    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET")
    for app in (StaticFilesHandler(WSGIHandler()), WSGIHandler()):
        statuses = []
        b"".join(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))
        assert statuses == ["404 Not Found"], (app, statuses)


# UTC offsets PostgreSQL does not take (found by the API fuzzing) ----------------------------------------------------


def _with_offset(moment: dt.datetime, offset=dt.timedelta(hours=-23, minutes=-42)) -> str:
    return moment.astimezone(dt.timezone(offset)).isoformat()


def test_a_time_with_an_offset_beyond_postgresql_s_is_taken_as_the_moment_it_names(
    ingest, camera, client_for, make_user
):
    """Python reads offsets up to ±23:59, PostgreSQL at most ±15:59: times are converted to UTC on the way in."""
    at = timezone.now() - dt.timedelta(minutes=5)
    response = post_json(ingest, BATCH, {"reads": [_read(camera, captured_at=_with_offset(at))]})
    assert response.status_code == 201, response.content
    assert Read.objects.get().captured_at == at
    auditor = client_for(make_user(Role.AGENCY_ADMIN, username="admin"))
    for url, name in [("/api/v1/audit/access-log/", "at__lt"), ("/api/v1/alerts/", "since")]:
        response = auditor.get(url, {name: _with_offset(timezone.now())})
        assert response.status_code == 200, (url, response.content[:300])
    far = auditor.get("/api/v1/audit/access-log/", {"at__lt": "9999-12-31T23:00:00-23:42"})
    assert far.status_code == 400 and "at__lt" in far.json()


@pytest.mark.parametrize("raw", ["\x7f", "\x85", "\u0085"])
def test_del_and_c1_controls_written_as_themselves_are_refused_too(ingest, camera, raw):
    """JSON allows DEL and the C1 controls unescaped; json.dumps would escape them, so the body is written by hand."""
    body = json.dumps({"reads": [_read(camera, vehicle_make="HONDA")]}, ensure_ascii=False)
    body = body.replace("HONDA", f"HON{raw}")
    response = ingest.post(BATCH, data=body.encode(), content_type="application/json")
    refused_text(response, "reads[0].vehicle_make", f"U+{ord(raw):04X}")
    assert not Read.objects.exists()

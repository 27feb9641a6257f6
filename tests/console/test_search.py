"""Console home, search, results, detail with images, and CSV export."""

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone

from agencies.access import TRAINING_REQUIRED, Scope
from agencies.choices import Role
from agencies.models import TrainingRecord
from console.access import ROLE_NOT_ALLOWED, SEARCH_RATE_LIMITED
from console.forms import NEAR_INCOMPLETE
from console.views.search import SEARCH_EXPIRED
from reads.models import AccessLogEntry, Camera
from reads.purpose import CASE_NUMBER_REQUIRED, PURPOSE_REQUIRED
from reads.search import NEEDS_A_CRITERION

from ..sharing.conftest import active_mou
from .conftest import JPEG, PURPOSE, run_search, search_form, text

pytestmark = pytest.mark.django_db


def _thumb(log_id, read):
    return f"/console/search/{log_id}/reads/{read.pk}/thumbnail/"


def _detail(log_id, read):
    return f"/console/search/{log_id}/reads/{read.pk}/"


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# Home -----------------------------------------------------------------------------------------------------------


def test_home_needs_a_sign_in():
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_home_refuses_an_untrained_user_with_the_reason(make_user, signed_in):
    response = signed_in(make_user(Role.OFFICER, trained=False)).get("/")
    assert response.status_code == 403
    assert TRAINING_REQUIRED in text(response)


def test_home_shows_open_alerts_recent_searches_and_camera_health(
    officer, signed_in, make_camera, agency, make_alert, store_reads
):
    online = make_camera(agency, "Main St northbound")
    offline = make_camera(agency, "Airport exit")
    store_reads(online, ["7ABC123"])  # ingest marks the camera as heard from
    Camera.objects.filter(pk=offline.pk).update(last_heartbeat_at=timezone.now() - dt.timedelta(hours=3))
    make_alert(online, "8HOT123")
    client = signed_in(officer)
    run_search(client, plate="7ABC123")
    page = text(client.get("/"))
    assert 'Open alerts <span class="count">(1)</span>' in page and "8HOT123" in page
    assert "7ABC123" in page and "PV-26-0042" in page  # the search, from the access log
    assert "1 online" in page and "1 offline" in page and "Airport exit" in page


# Search: permission, purpose ------------------------------------------------------------------------------------


def test_search_refuses_an_untrained_user_and_logs_nothing(make_user, signed_in, camera, store_reads):
    store_reads(camera, ["7ABC123"])
    client = signed_in(make_user(trained=False))
    assert client.get("/console/search/").status_code == 403
    response = client.post("/console/search/", search_form(plate="7ABC123"))
    assert response.status_code == 403
    assert TRAINING_REQUIRED in text(response)
    assert AccessLogEntry.objects.count() == 0


def test_a_role_without_search_is_refused(make_user, signed_in):
    response = signed_in(make_user(Role.RECORDS_CLERK)).get("/console/search/")
    assert response.status_code == 403
    assert ROLE_NOT_ALLOWED in text(response)


def test_search_without_purpose_or_case_is_a_form_error_and_not_logged(investigator, signed_in, camera, store_reads):
    store_reads(camera, ["7ABC123"])
    response = signed_in(investigator).post(
        "/console/search/", search_form(plate="7ABC123", purpose="", case_number="")
    )
    assert response.status_code == 400
    page = text(response)
    assert PURPOSE_REQUIRED in page and CASE_NUMBER_REQUIRED in page
    assert AccessLogEntry.objects.count() == 0


def test_search_needs_a_criterion_besides_the_window(investigator, signed_in):
    response = signed_in(investigator).post("/console/search/", search_form())
    assert response.status_code == 400
    assert NEEDS_A_CRITERION in text(response)
    assert AccessLogEntry.objects.count() == 0


def test_an_area_needs_all_three_numbers(investigator, signed_in):
    response = signed_in(investigator).post("/console/search/", search_form(latitude="33.83"))
    assert NEAR_INCOMPLETE in text(response)
    assert AccessLogEntry.objects.count() == 0


def test_search_form_asks_for_purpose_first_and_carries_csrf(investigator, signed_in):
    page = text(signed_in(investigator).get("/console/search/"))
    assert "csrfmiddlewaretoken" in page
    assert page.index('name="purpose"') < page.index('name="case_number"') < page.index('name="plate"')


def test_search_post_without_csrf_token_is_refused(investigator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(investigator)
    assert client.post("/console/search/", search_form(plate="7ABC123")).status_code == 403


# Search: results --------------------------------------------------------------------------------------------------


def test_search_is_logged_with_channel_web_and_shows_results(investigator, signed_in, camera, store_reads):
    store_reads(camera, ["7ABC123", "7ABC123", "5XYZ999"], vehicle_make="Toyota", vehicle_color="silver")
    client = signed_in(investigator)
    log_id = run_search(client, plate="7abc 123")
    entry = AccessLogEntry.objects.get(pk=log_id)
    assert (entry.action, entry.channel, entry.purpose, entry.case_number) == (
        "search",
        "web",
        "criminal_investigation",
        "PV-26-0042",
    )
    assert entry.query["plate"] == "7ABC123" and entry.result_count == 2
    page = text(client.get(f"/console/search/{log_id}/"))
    assert page.count('class="plate">7ABC123<') == 2 and "5XYZ999" not in page
    assert "Main St & 1st Ave northbound" in page and "silver Toyota" in page


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"plate": "7AB*23"}, {"7ABC123"}),
        ({"plate": "7?BC123"}, {"7ABC123"}),
        ({"plate": "7A8C123", "fuzzy": "on"}, {"7ABC123"}),
        ({"vehicle_make": "honda"}, {"4HND001"}),
        ({"latitude": "33.8303", "longitude": "-116.5453", "radius_m": "500"}, {"7ABC123", "4HND001"}),
        ({"latitude": "34.5", "longitude": "-118.0", "radius_m": "500"}, set()),
    ],
)
def test_search_modes(investigator, signed_in, camera, store_reads, fields, expected):
    store_reads(camera, ["7ABC123"], vehicle_make="Toyota")
    store_reads(camera, ["4HND001"], vehicle_make="Honda")
    client = signed_in(investigator)
    log_id = run_search(client, **fields)
    page = text(client.get(f"/console/search/{log_id}/"))
    assert {plate for plate in ("7ABC123", "4HND001") if f'class="plate">{plate}<' in page} == expected


def test_search_by_camera(investigator, signed_in, camera, make_camera, agency, store_reads):
    other = make_camera(agency, "Airport exit")
    store_reads(camera, ["7ABC123"])
    store_reads(other, ["4HND001"])
    client = signed_in(investigator)
    page = text(client.get(f"/console/search/{run_search(client, cameras=[other.pk])}/"))
    assert "4HND001" in page and "7ABC123" not in page


def test_partner_reads_appear_labelled_only_under_an_mou(
    investigator, signed_in, camera, make_camera, other_agency, agency, store_reads
):
    store_reads(camera, ["7ABC123"])
    store_reads(make_camera(other_agency, "Desert camera"), ["7ABC123"])
    client = signed_in(investigator)
    page = text(client.get(f"/console/search/{run_search(client, plate='7ABC123')}/"))
    assert page.count('class="plate">7ABC123<') == 1 and "Partner (MOU)" not in page
    active_mou(other_agency, agency, scopes=(Scope.SEARCH,))
    page = text(client.get(f"/console/search/{run_search(client, plate='7ABC123', attestation='on')}/"))
    assert page.count('class="plate">7ABC123<') == 2
    assert "Desert Springs Police Department" in page and "Partner (MOU)" in page


def test_an_unknown_search_sends_back_to_the_form(investigator, signed_in):
    response = signed_in(investigator).get("/console/search/999999/", follow=True)
    assert response.redirect_chain[-1][0] == "/console/search/"
    assert SEARCH_EXPIRED in text(response)


def test_next_page_is_a_new_logged_search(investigator, signed_in, camera, store_reads):
    store_reads(camera, ["7ABC123"] * 51)
    client = signed_in(investigator)
    log_id = run_search(client, plate="7ABC123")
    first = text(client.get(f"/console/search/{log_id}/"))
    assert "Showing 1–50 of 51" in first and "Next page" in first
    response = client.post(f"/console/search/{log_id}/page/", {"page": "2"})
    second_id = int(response["Location"].rstrip("/").split("/")[-1])
    assert second_id != log_id
    assert AccessLogEntry.objects.filter(action="search", channel="web").count() == 2
    assert "Showing 51–51 of 51" in text(client.get(f"/console/search/{second_id}/"))


# Images -----------------------------------------------------------------------------------------------------------


def test_thumbnails_are_logged_once_per_result_page(investigator, signed_in, camera, read_with_image):
    first, second = read_with_image(camera, "7ABC123"), read_with_image(camera, "7ABC123")
    client = signed_in(investigator)
    log_id = run_search(client, plate="7ABC123")
    client.get(f"/console/search/{log_id}/")
    client.get(f"/console/search/{log_id}/")  # a reload logs nothing more
    views = AccessLogEntry.objects.filter(action="image_view")
    assert views.count() == 1
    view = views.get()
    assert view.channel == "web" and view.case_number == "PV-26-0042" and view.result_count == 2
    assert sorted(view.query["read_ids"]) == sorted([first.pk, second.pk]) and view.query["search"] == log_id
    response = client.get(_thumb(log_id, first))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert _body(response) == JPEG  # not decodable by Pillow: sent as stored
    assert AccessLogEntry.objects.filter(action="image_view").count() == 1


def test_thumbnail_needs_the_logged_result_page(investigator, signed_in, camera, read_with_image):
    read = read_with_image(camera, "7ABC123")
    client = signed_in(investigator)
    log_id = run_search(client, plate="7ABC123")
    assert client.get(_thumb(log_id, read)).status_code == 404  # page not shown yet, so not logged yet
    assert client.get(_thumb(999999, read)).status_code == 404  # no such search in this session
    other = read_with_image(camera, "5XYZ999")
    client.get(f"/console/search/{log_id}/")
    assert client.get(_thumb(log_id, other)).status_code == 404  # not in this search's results


def test_thumbnails_refuse_an_untrained_user(investigator, make_user, signed_in, camera, read_with_image):
    read = read_with_image(camera, "7ABC123")
    client = signed_in(investigator)
    log_id = run_search(client, plate="7ABC123")
    client.get(f"/console/search/{log_id}/")
    TrainingRecord.objects.filter(user=investigator).delete()
    response = client.get(_thumb(log_id, read))
    assert response.status_code == 403 and TRAINING_REQUIRED in text(response)


def test_detail_is_one_logged_image_view_then_serves_the_image(investigator, signed_in, camera, read_with_image):
    read = read_with_image(camera, "7ABC123")
    client = signed_in(investigator)
    log_id = run_search(client, plate="7ABC123")
    image_url = f"/console/search/{log_id}/reads/{read.pk}/image/"
    assert client.get(image_url).status_code == 404  # the detail page (the logged view) comes first
    page = client.get(_detail(log_id, read))
    assert page.status_code == 200 and image_url in text(page)
    client.get(_detail(log_id, read))
    views = AccessLogEntry.objects.filter(action="image_view")
    assert views.count() == 1
    assert views.get().query == {"search": log_id, "kind": "rear", "read_id": read.pk}
    assert views.get().channel == "web"
    assert _body(client.get(image_url)) == JPEG


def test_another_agencys_read_is_404_and_not_logged(
    investigator, signed_in, camera, make_camera, other_agency, read_with_image
):
    read_with_image(camera, "7ABC123")
    theirs = read_with_image(make_camera(other_agency, "Theirs"), "7ABC123")
    client = signed_in(investigator)
    log_id = run_search(client, plate="7ABC123")
    before = AccessLogEntry.objects.count()
    assert client.get(_detail(log_id, theirs)).status_code == 404
    assert client.get(f"/console/search/{log_id}/reads/{theirs.pk}/image/").status_code == 404
    assert client.get(_thumb(log_id, theirs)).status_code == 404
    assert AccessLogEntry.objects.count() == before


# Export -------------------------------------------------------------------------------------------------------------


def test_export_is_csv_logged_as_an_export(investigator, signed_in, camera, store_reads):
    store_reads(camera, ["7ABC123", "7ABC123"], vehicle_make="=HYPERLINK(1)")
    client = signed_in(investigator)
    log_id = run_search(client, plate="7ABC123")
    response = client.post(f"/console/search/{log_id}/export/")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["read_id", "captured_at", "agency", "camera", "plate"]
    assert len(rows) == 3 and rows[1][4] == "7ABC123"
    assert rows[1][8] == "'=HYPERLINK(1)"  # no formula injection into a spreadsheet
    # coordinates are numbers a map can take: a negative longitude is not quoted as if it were a formula
    latitude, longitude = rows[1][14], rows[1][15]
    assert (float(latitude), float(longitude)) == (33.8303, -116.5453)
    export = AccessLogEntry.objects.get(action="export")
    assert export.channel == "export" and export.result_count == 2 and export.case_number == PURPOSE["case_number"]


def test_export_needs_the_export_permission_and_a_post(officer, investigator, signed_in, camera, store_reads):
    store_reads(camera, ["7ABC123"])
    client = signed_in(officer)
    log_id = run_search(client, plate="7ABC123")
    assert "Export all results" not in text(client.get(f"/console/search/{log_id}/"))
    assert client.post(f"/console/search/{log_id}/export/").status_code == 403
    assert signed_in(investigator).get(f"/console/search/{log_id}/export/").status_code == 405
    assert not AccessLogEntry.objects.filter(action="export").exists()


def test_pages_have_no_inline_script(investigator, signed_in, camera, store_reads):
    store_reads(camera, ["7ABC123"])
    client = signed_in(investigator)
    for url in ("/", "/console/search/", f"/console/search/{run_search(client, plate='7ABC123')}/"):
        page = text(client.get(url))
        # scripts are files of this origin; the only other <script> elements are JSON data (maps), never run
        data = page.count('type="application/json">')
        assert page.count("<script") == page.count("<script src=") + data


def test_result_page_queries_do_not_grow_with_the_results(
    investigator, signed_in, camera, read_with_image, django_assert_max_num_queries
):
    for _ in range(3):
        read_with_image(camera, "7ABC123")
    client = signed_in(investigator)
    small = run_search(client, plate="7ABC123")
    client.get(f"/console/search/{small}/")  # logs the thumbnails
    for _ in range(20):
        read_with_image(camera, "7ABC123")
    large = run_search(client, plate="7ABC123")
    client.get(f"/console/search/{large}/")
    with django_assert_max_num_queries(20) as few:
        client.get(f"/console/search/{small}/")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/console/search/{large}/")


def test_console_searches_share_the_api_search_rate_limit(investigator, signed_in, camera, store_reads, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"search": "2/min"}}
    store_reads(camera, ["7ABC123"])
    client = signed_in(investigator)
    log_id = run_search(client, plate="7ABC123")
    assert client.post(f"/console/search/{log_id}/export/").status_code == 200  # an export is a search too
    logged = AccessLogEntry.objects.count()

    refused = client.post("/console/search/", search_form(plate="7ABC123"))
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert SEARCH_RATE_LIMITED in text(refused)
    assert client.post(f"/console/search/{log_id}/export/").status_code == 429
    assert AccessLogEntry.objects.count() == logged  # nothing ran, nothing logged

"""A hotlist import in the admin shows what it would do before anything changes (issue #20): to add, to remove and
unchanged; a CSV adds unless "Replace the list" is ticked; an import that removes entries needs the clerk's explicit
consent; a file with bad lines is refused at once, naming them, and nothing is queued."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.choices import Role
from hotlists.choices import HotlistSource
from hotlists.import_preview import PREVIEW_EXPIRED, PREVIEW_REMOVAL_NOT_CONFIRMED
from hotlists.models import HotlistImport
from hotlists.services import hotlist_entry_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_client(make_user, verified_client):
    return verified_client(make_user(Role.RECORDS_CLERK, username="clerk"))


@pytest.fixture
def fifty(make_hotlist):
    hotlist = make_hotlist("Local stolen", source=HotlistSource.MANUAL)
    for n in range(50):
        hotlist_entry_create(hotlist=hotlist, user=None, plate=f"5ABC{n:03d}", plate_state="CA")
    return hotlist


def _plates(hotlist):
    return set(hotlist.entries.values_list("plate", flat=True))


def _replace_ticked(page: str) -> bool:
    tag = page.split('name="replace"', 1)[1].split(">", 1)[0]
    return "checked" in tag


def _token(response) -> str:
    return response.content.decode().split('name="token" value="', 1)[1].split('"', 1)[0]


def _cell(response, name: str) -> int:
    return int(response.content.decode().split(f'class="{name}">', 1)[1].split("<", 1)[0])


def test_a_csv_adds_by_default_and_the_preview_says_so(fifty, clerk_client, django_capture_on_commit_callbacks):
    url = reverse("admin:hotlists_hotlist_import", args=[fifty.pk])
    form = clerk_client.get(url).content.decode()
    assert not _replace_ticked(form)  # a manual list: a CSV adds by default
    upload = SimpleUploadedFile("two.csv", b"plate,state\n7NEW001,CA\n5ABC000,CA\n")
    preview = clerk_client.post(url, {"file": upload, "format": "csv"})
    assert preview.status_code == 200 and not HotlistImport.objects.exists()
    assert (_cell(preview, "to-add"), _cell(preview, "to-remove"), _cell(preview, "unchanged")) == (1, 0, 1)
    assert "7NEW001" in preview.content.decode() and len(_plates(fifty)) == 50
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk_client.post(url, {"token": _token(preview)})
    assert response.status_code == 302
    assert len(_plates(fifty)) == 51 and "5ABC049" in _plates(fifty)


def test_replacing_asks_before_it_removes(fifty, clerk_client, django_capture_on_commit_callbacks):
    url = reverse("admin:hotlists_hotlist_import", args=[fifty.pk])
    upload = SimpleUploadedFile("two.csv", b"plate,state\n7NEW001,CA\n5ABC000,CA\n")
    preview = clerk_client.post(url, {"file": upload, "format": "csv", "replace": "on"})
    assert (_cell(preview, "to-add"), _cell(preview, "to-remove"), _cell(preview, "unchanged")) == (1, 49, 1)
    assert 'name="confirm_removal"' in preview.content.decode()
    refused = clerk_client.post(url, {"token": _token(preview)})
    assert refused.status_code == 400
    assert html.escape(PREVIEW_REMOVAL_NOT_CONFIRMED.format(count=49)) in refused.content.decode()
    assert not HotlistImport.objects.exists() and len(_plates(fifty)) == 50
    with django_capture_on_commit_callbacks(execute=True):
        response = clerk_client.post(url, {"token": _token(preview), "confirm_removal": "on"})
    assert response.status_code == 302
    assert _plates(fifty) == {"7NEW001", "5ABC000"}
    # The token is used up: posting it again queues nothing.
    again = clerk_client.post(url, {"token": _token(preview), "confirm_removal": "on"}, follow=True)
    assert PREVIEW_EXPIRED in html.unescape(again.content.decode()) and HotlistImport.objects.count() == 1


def test_a_state_extract_list_replaces_by_default(make_hotlist, clerk_client):
    hotlist = make_hotlist()  # a CA DOJ stolen vehicles list: its daily extract replaces it
    form = clerk_client.get(reverse("admin:hotlists_hotlist_import", args=[hotlist.pk])).content.decode()
    assert _replace_ticked(form)


def test_a_bad_file_is_refused_at_once_naming_its_lines(fifty, clerk_client):
    url = reverse("admin:hotlists_hotlist_import", args=[fifty.pk])
    upload = SimpleUploadedFile("bad.csv", b"plate,state\n!!,CA\n")
    response = clerk_client.post(url, {"file": upload, "format": "csv"})
    assert response.status_code == 400 and "Line 2" in response.content.decode()
    assert not HotlistImport.objects.exists() and len(_plates(fifty)) == 50


def test_another_clerks_token_is_refused(fifty, clerk_client, make_user, verified_client):
    url = reverse("admin:hotlists_hotlist_import", args=[fifty.pk])
    upload = SimpleUploadedFile("two.csv", b"plate,state\n7NEW001,CA\n")
    preview = clerk_client.post(url, {"file": upload, "format": "csv"})
    other = verified_client(make_user(Role.RECORDS_CLERK, username="clerk2"))
    response = other.post(url, {"token": _token(preview)}, follow=True)
    assert PREVIEW_EXPIRED in html.unescape(response.content.decode()) and not HotlistImport.objects.exists()

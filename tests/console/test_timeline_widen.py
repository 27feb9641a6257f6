"""A timeline's window can be widened from the timeline itself (issue #20): one button runs it again, a week wider
on each side, under the same purpose statement (and is logged like any timeline)."""

import datetime as dt

import pytest
from django.utils import timezone

from reads.models import AccessLogEntry

from .conftest import PURPOSE, search_form, text

pytestmark = pytest.mark.django_db


def _hidden(page: str, name: str) -> str:
    form = page.split('id="widen-form"', 1)[1].split("</form>", 1)[0]
    return form.split(f'name="{name}" value="', 1)[1].split('"', 1)[0]


def test_a_timeline_can_be_widened_from_the_timeline(investigator, signed_in, camera, store_reads):
    now = timezone.now()
    store_reads(camera, ["7ABC123"], at=now - dt.timedelta(days=2))
    store_reads(camera, ["7ABC123"], at=now - dt.timedelta(days=10))  # outside the first window
    client = signed_in(investigator)
    body = search_form(plate="7ABC123")
    body["start"] = timezone.localtime(now - dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    first = client.post("/console/timeline/", body)
    assert first.status_code == 302
    page = text(client.get(first["Location"]))
    assert "1 read from" in page and 'id="widen-form"' in page
    assert f"/console/timeline/?from={first['Location'].rstrip('/').split('/')[-1]}" in page
    widen = {
        name: _hidden(page, name) for name in ("plate", "purpose", "case_number", "purpose_detail", "start", "end")
    }
    assert widen["case_number"] == PURPOSE["case_number"] and widen["start"] < body["start"]
    wider = client.post("/console/timeline/", widen)
    assert wider.status_code == 302
    assert "2 reads from" in text(client.get(wider["Location"]))
    assert AccessLogEntry.objects.filter(action="timeline", case_number=PURPOSE["case_number"]).count() == 2

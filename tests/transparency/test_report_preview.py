"""A report shows its figures before it is published, and says it cannot be changed after (issue #20)."""

import html

import pytest
from django.urls import reverse

from transparency.admin import REPORT_FINAL
from transparency.models import PublishedReport

from .test_reports import ADD, _form

pytestmark = pytest.mark.django_db


def test_the_figures_are_shown_before_anything_is_published(clerk_client, scene):
    form = {key: value for key, value in _form(scene.agency).items() if key != "_confirm_publish"}
    add_page = html.unescape(clerk_client.get(reverse(ADD)).content.decode())
    assert REPORT_FINAL in add_page
    preview = clerk_client.post(reverse(ADD), form)
    assert preview.status_code == 200 and not PublishedReport.objects.exists()
    page = html.unescape(preview.content.decode())
    assert 'id="report-preview"' in page and "vehicles detected (reads)" in page and "searches" in page
    assert REPORT_FINAL in page and 'name="_confirm_publish"' in page
    # The preview's button posts the same form again, confirmed: now it is published.
    hidden = {
        part.split('name="', 1)[1].split('"', 1)[0]: part.split('value="', 1)[1].split('"', 1)[0]
        for part in preview.content.decode().split("<input")[1:]
        if 'type="hidden"' in part
    }
    response = clerk_client.post(reverse(ADD), hidden)
    assert response.status_code == 302 and PublishedReport.objects.count() == 1


def test_an_invalid_form_shows_its_errors_not_a_preview(clerk_client, scene):
    form = dict(_form(scene.agency, period_start="2025-03-02").items())
    form.pop("_confirm_publish")
    response = clerk_client.post(reverse(ADD), form)
    assert response.status_code == 200 and 'id="report-preview"' not in response.content.decode()
    assert not PublishedReport.objects.exists()

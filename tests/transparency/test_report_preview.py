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


def test_the_report_csv_has_one_figure_per_cell_and_the_pdf_says_it_is_untagged(client, scene, clerk):
    import csv
    import io

    from transparency import services

    from .test_reports import _month_start

    report = services.published_report_publish(
        agency=scene.agency, period_kind="month", period_start=_month_start(1), user=clerk
    )
    args = [scene.agency.slug, report.pk]
    rows = list(csv.reader(io.StringIO(client.get(reverse("transparency:report-csv", args=args)).content.decode())))
    daily = {(section, item): value for section, item, value in rows[1:] if section.endswith("per day")}
    assert daily and all(value.isdigit() for value in daily.values())  # "reads 12; searches 3" was one cell
    day = report.figures["daily"][0]
    assert daily[("reads per day", day["date"])] == str(day["reads"])
    assert daily[("searches per day", day["date"])] == str(day["searches"])
    assert not any(";" in value for _, _, value in rows[1:])
    page = html.unescape(client.get(reverse("transparency:report", args=args)).content.decode())
    assert "not tagged for screen readers" in page and "accessible versions" in page

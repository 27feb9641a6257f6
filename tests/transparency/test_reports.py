"""Published reports: a clerk freezes a period's figures; the public reads, prints and downloads them."""

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from reads.models import Read
from transparency import services
from transparency.choices import PeriodKind
from transparency.models import PERIOD_REVERSED, PublishedReport
from transparency.selectors import transparency_figures

from .conftest import CAMERA_NAME, CASE_NUMBER, INVESTIGATOR, PLATES, record_search

pytestmark = pytest.mark.django_db

ADD = "admin:transparency_publishedreport_add"


def _month_start(months_back: int) -> dt.date:
    day = timezone.localdate().replace(day=1)
    for _ in range(months_back):
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return day


def _this_month_so_far():
    today = timezone.localdate()
    return today.replace(day=1), today


@pytest.mark.parametrize(
    "kind,start,end,message",
    [
        (PeriodKind.MONTH, dt.date(2025, 3, 1), dt.date(2025, 2, 1), PERIOD_REVERSED),
        (PeriodKind.MONTH, dt.date(2025, 3, 2), None, services.PERIOD_NOT_ALIGNED[PeriodKind.MONTH]),
        (PeriodKind.QUARTER, dt.date(2025, 2, 1), None, services.PERIOD_NOT_ALIGNED[PeriodKind.QUARTER]),
        (PeriodKind.YEAR, dt.date(2025, 1, 1), dt.date(2025, 6, 30), services.PERIOD_NOT_ALIGNED[PeriodKind.YEAR]),
        (PeriodKind.YEAR, dt.date(2099, 1, 1), None, "not over yet"),
    ],
)
def test_bad_periods_are_refused(kind, start, end, message):
    with pytest.raises(ValidationError, match=message[:30]):
        services.report_period_validate(kind=kind, start=start, end=end, today=dt.date(2026, 6, 15))


def test_whole_periods_are_accepted():
    today = dt.date(2026, 6, 15)
    assert services.report_period_validate(kind="month", start=dt.date(2026, 2, 1), today=today) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
    )
    assert services.report_period_validate(kind="quarter", start=dt.date(2025, 10, 1), today=today)[1] == dt.date(
        2025, 12, 31
    )
    assert services.report_period_validate(kind="year", start=dt.date(2025, 1, 1), today=today)[1] == dt.date(
        2025, 12, 31
    )
    with pytest.raises(ValidationError, match="not over yet"):
        services.report_period_validate(kind="month", start=dt.date(2026, 6, 1), today=today)


def _form(agency, **overrides):
    return {
        "agency": agency.pk,
        "period_kind": "month",
        "period_start": _month_start(1).isoformat(),
        "period_end": "",
        "supersedes": "",
        "note": "",
        "_confirm_publish": "1",  # past the preview (tests/transparency/test_report_preview.py)
        **overrides,
    }


# Periods are worked out when the test runs, not when it is collected: a run that crosses midnight at a month's end
# would otherwise test last month's dates.
@pytest.mark.parametrize(
    "overrides,message",
    [
        (lambda: {"period_start": (timezone.localdate() + dt.timedelta(days=40)).replace(day=1).isoformat()},
         "not over yet"),
        (lambda: {"period_start": _month_start(0).isoformat()}, "not over yet"),
        (lambda: {"period_start": "2025-03-01", "period_end": "2025-02-01"}, PERIOD_REVERSED),
    ],
    ids=["next-month", "this-month", "reversed"],
)  # fmt: skip
def test_admin_refuses_a_future_or_reversed_period(agency, clerk_client, overrides, message):
    response = clerk_client.post(reverse(ADD), _form(agency, **overrides()))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PublishedReport.objects.exists()


def test_admin_publishes_last_month_with_the_portals_selector(client, clerk_client, scene):
    response = clerk_client.post(reverse(ADD), _form(scene.agency))
    assert response.status_code == 302, response.content.decode()[:3000]
    report = PublishedReport.objects.get()
    assert (report.period_start, report.period_end.day) == (
        _month_start(1),
        (_month_start(0) - dt.timedelta(days=1)).day,
    )
    live = transparency_figures(scene.agency, period_start=report.period_start, period_end=report.period_end)
    keys = ("reads", "searches", "searches_to_date", "hotlist_hits", "searches_by_purpose", "sharing")
    assert {key: report.figures[key] for key in keys} == {key: live[key] for key in keys}
    assert report.policy is not None and report.figures["policy_version"] == 1
    page = client.get(reverse("transparency:report", args=[scene.agency.slug, report.pk]))
    assert page.status_code == 200


def test_published_figures_stay_the_same_after_new_searches(client, scene, clerk, make_user):
    # Publish this month's report as if on the first day of next month (the service takes the clock), so that the
    # scene's activity is in the period.
    today = timezone.localdate()
    next_month = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    at = timezone.make_aware(dt.datetime.combine(next_month, dt.time(9)))
    report = services.published_report_publish(
        agency=scene.agency, period_kind="month", period_start=today.replace(day=1), user=clerk, now=at
    )
    assert report.figures["searches"] == scene.searches_to_date() == 4
    assert report.figures["searches_to_date"] == 4
    url = reverse("transparency:report", args=[scene.agency.slug, report.pk])
    before = client.get(url).content.decode()
    assert 'data-figure="searches">4<' in before

    for _ in range(3):
        record_search(make_user(username="late-det"), scene.agency)
    live = transparency_figures(scene.agency, period_start=report.period_start, period_end=report.period_end)
    assert live["searches"] == 7
    report.refresh_from_db()
    assert report.figures["searches"] == 4 and report.figures["searches_to_date"] == 4
    assert client.get(url).content.decode() == before
    csv_body = client.get(reverse("transparency:report-csv", args=[scene.agency.slug, report.pk])).content.decode()
    assert "figures,searches,4" in csv_body


def test_a_report_cannot_be_edited_only_superseded(client, agency, clerk, clerk_client):
    report = services.published_report_publish(
        agency=agency, period_kind="month", period_start=_month_start(2), user=clerk
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        PublishedReport.objects.filter(pk=report.pk).update(note="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        PublishedReport.objects.filter(pk=report.pk).delete()
    change = reverse("admin:transparency_publishedreport_change", args=[report.pk])
    assert clerk_client.post(change, _form(agency, note="edited")).status_code == 403

    again = clerk_client.post(reverse(ADD), _form(agency, period_start=_month_start(2).isoformat()))
    assert "already published" in again.content.decode()
    response = clerk_client.post(
        reverse(ADD),
        _form(agency, period_start=_month_start(2).isoformat(), supersedes=report.pk, note="Corrected counts."),
    )
    assert response.status_code == 302
    newer = PublishedReport.objects.get(supersedes=report)
    old_page = client.get(reverse("transparency:report", args=[agency.slug, report.pk])).content.decode()
    assert "has been superseded" in old_page
    assert reverse("transparency:report", args=[agency.slug, newer.pk]) in old_page
    portal = client.get(reverse("transparency:portal", args=[agency.slug])).content.decode()
    assert reverse("transparency:report", args=[agency.slug, newer.pk]) in portal
    assert reverse("transparency:report", args=[agency.slug, report.pk]) not in portal


def test_report_downloads_and_print_page(client, scene, clerk):
    report = services.published_report_publish(
        agency=scene.agency, period_kind="month", period_start=_month_start(1), user=clerk
    )
    args = [scene.agency.slug, report.pk]
    page = client.get(reverse("transparency:report-print", args=args))
    assert page.status_code == 200 and b"site-header" not in page.content and b"<details open>" in page.content
    csv_response = client.get(reverse("transparency:report-csv", args=args))
    assert csv_response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_response.content.decode())))
    values = {(section, item): value for section, item, value in rows[1:]}
    assert values[("figures", "searches to date")] == str(report.figures["searches_to_date"])
    pdf = client.get(reverse("transparency:report-pdf", args=args))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    for body in (page.content.decode(), csv_response.content.decode()):
        for secret in (*PLATES, INVESTIGATOR, CASE_NUMBER, CAMERA_NAME):
            assert secret not in body


def test_report_urls_are_per_agency(client, agency, other_agency, clerk):
    report = services.published_report_publish(
        agency=agency, period_kind="month", period_start=_month_start(1), user=clerk
    )
    assert client.get(reverse("transparency:report", args=[other_agency.slug, report.pk])).status_code == 404
    assert client.get(reverse("transparency:report", args=[agency.slug, report.pk + 999])).status_code == 404


def test_admin_pages_render_for_the_clerk(clerk_client, agency, clerk):
    report = services.published_report_publish(
        agency=agency, period_kind="month", period_start=_month_start(1), user=clerk
    )
    for name, args in [
        ("admin:transparency_publishedreport_changelist", []),
        (ADD, []),
        ("admin:transparency_publishedreport_change", [report.pk]),
        ("admin:transparency_usagepolicy_changelist", []),
        ("admin:transparency_usagepolicy_add", []),
    ]:
        response = clerk_client.get(reverse(name, args=args))
        assert response.status_code == 200, name
    page = clerk_client.get(reverse("admin:transparency_publishedreport_change", args=[report.pk])).content.decode()
    assert 'name="period_start"' not in page  # read-only: a published report is not edited
    assert reverse("transparency:report", args=[agency.slug, report.pk]) in page


def test_figures_count_reads_the_retention_purge_removed(agency, camera, store_reads):
    """A report published after retention has removed part of its period counts every read captured in it."""
    from reads.services import read_purge_expired

    taken = timezone.now() - dt.timedelta(days=29, hours=12)
    store_reads(camera, ["4GONE01", "4GONE02", "4GONE03"], at=taken, now=taken + dt.timedelta(minutes=5))
    store_reads(camera, ["4KEPT01"])
    period_start, period_end = timezone.localdate() - dt.timedelta(days=40), timezone.localdate()
    before = transparency_figures(agency, period_start=period_start, period_end=period_end)

    run = read_purge_expired(now=timezone.now() + dt.timedelta(days=3))
    after = transparency_figures(agency, period_start=period_start, period_end=period_end)

    assert run.removed_total == 3 and Read.objects.count() == 1
    assert before["reads"] == after["reads"] == 4
    assert before["daily"] == after["daily"]
    assert "reads_retained_from" not in after and after["version"] == 2

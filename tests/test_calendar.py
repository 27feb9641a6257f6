"""Date rules on the days where calendars go wrong: the last and first day of a month, the year's end, and both
daylight-saving changes of the agencies' time zone (America/Los_Angeles). Each test pins the clock (time-machine),
so the suite gives the same answer on every day of the year."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from agencies.access import TRAINING_REQUIRED, alpr_access_refusal
from agencies.choices import Role
from agencies.models import TrainingRecord
from reads.models import Read
from reads.services import read_purge_expired
from transparency.models import PublishedReport
from transparency.selectors import portal_window

pytestmark = pytest.mark.django_db

LOCAL = zoneinfo.ZoneInfo("America/Los_Angeles")

# (name, local wall-clock moment)
MOMENTS = [
    ("last day of a month, late evening", dt.datetime(2026, 11, 30, 23, 30, tzinfo=LOCAL)),
    ("last day of a month, morning", dt.datetime(2026, 11, 30, 8, 0, tzinfo=LOCAL)),
    ("first day of a month, just after midnight", dt.datetime(2026, 12, 1, 0, 5, tzinfo=LOCAL)),
    ("year end", dt.datetime(2026, 12, 31, 23, 50, tzinfo=LOCAL)),
    ("new year's day", dt.datetime(2027, 1, 1, 0, 10, tzinfo=LOCAL)),
    ("last day of February", dt.datetime(2028, 2, 29, 12, 0, tzinfo=LOCAL)),
    ("spring forward (2 am does not exist)", dt.datetime(2026, 3, 8, 3, 30, tzinfo=LOCAL)),
    ("fall back (1 am happens twice)", dt.datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=LOCAL)),
]


@pytest.fixture(params=MOMENTS, ids=[name for name, _ in MOMENTS])
def clock(request):
    with time_machine.travel(request.param[1], tick=False):
        yield request.param[1]


def _month_start(day: dt.date, months_back: int) -> dt.date:
    day = day.replace(day=1)
    for _ in range(months_back):
        day = (day - dt.timedelta(days=1)).replace(day=1)
    return day


def _report_form(agency, start: dt.date) -> dict:
    return {
        "agency": agency.pk,
        "period_kind": "month",
        "period_start": start.isoformat(),
        "period_end": "",
        "supersedes": "",
        "note": "",
        "_confirm_publish": "1",
    }  # fmt: skip (the preview's Publish button)


def test_a_month_is_published_only_after_its_last_day(clock, agency, make_user, verified_client):
    clerk = verified_client(make_user(Role.RECORDS_CLERK, username="cal-clerk"))
    today = timezone.localdate()
    assert today == clock.date()
    url = reverse("admin:transparency_publishedreport_add")

    running = clerk.post(url, _report_form(agency, _month_start(today, 0)))
    assert running.status_code == 200 and "not over yet" in running.content.decode()
    assert not PublishedReport.objects.exists()

    done = clerk.post(url, _report_form(agency, _month_start(today, 1)))
    assert done.status_code == 302, done.content.decode()[:2000]
    report = PublishedReport.objects.get()
    assert report.period_end < today and report.period_end.month != today.month


def test_training_is_current_through_its_expiry_day(clock, make_user):
    user = make_user(Role.INVESTIGATOR, username="cal-inv", trained=False)
    today = timezone.localdate()
    record = TrainingRecord.objects.create(
        user=user, course="ALPR use and privacy", completed_on=today - dt.timedelta(days=365), expires_on=today
    )
    assert alpr_access_refusal(user) is None
    record.expires_on = today - dt.timedelta(days=1)
    record.save()
    assert alpr_access_refusal(user) == TRAINING_REQUIRED


def test_the_portal_window_is_thirty_local_days_ending_today(clock):
    start, end, _ = portal_window()
    assert end == clock.date()
    assert (end - start).days == 29


def test_purge_keeps_reads_inside_retention_and_removes_those_past_it(clock, agency, camera, store_reads):
    now = timezone.now()
    old_at = now - dt.timedelta(days=31)
    new_at = now - dt.timedelta(days=29)
    store_reads(camera, ["1OLD001"], at=old_at, now=old_at + dt.timedelta(minutes=1))
    store_reads(camera, ["1NEW001"], at=new_at, now=new_at + dt.timedelta(minutes=1))
    read_purge_expired(now=now)
    assert list(Read.objects.values_list("plate", flat=True)) == ["1NEW001"]

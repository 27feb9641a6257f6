"""The auditor's views (issue #20): the access log with local times to the second, names instead of ids and
criteria in words; filters by person, agency, purpose and date; a CSV export that is itself logged; links from an
audit's sample to its log row and the person's other searches; and a confirmation before an audit is closed."""

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reads.admin import ACCESS_LOG_CSV_COLUMNS, ACCESS_LOG_EXPORT_PURPOSE
from reads.audit_admin import AUDIT_CLOSE_NOT_CONFIRMED
from reads.audits import audit_open
from reads.choices import AccessAction, Purpose
from reads.log_display import criteria_in_words, local_time
from reads.models import AccessLogEntry, SearchAudit

pytestmark = pytest.mark.django_db
LOG = "/admin/reads/accesslogentry/"


@pytest.fixture
def named(investigator):
    investigator.first_name, investigator.last_name = "Dana", "Reyes"
    investigator.save()
    return investigator


def _query(agency):
    now = timezone.now().replace(microsecond=0)
    return {
        "plate": "7ABC123",
        "fuzzy": True,
        "start": (now - dt.timedelta(days=2)).isoformat(),
        "end": now.isoformat(),
        "agencies": [agency.pk],
    }


def test_the_log_reads_in_local_time_names_and_words(verified_client, auditor, named, agency, log_access):
    entry = log_access(user=named, query=_query(agency))
    page = verified_client(auditor).get(LOG).content.decode()
    assert local_time(entry.at) in page and f"{timezone.localtime(entry.at):%H:%M:%S}" in page
    assert f"{timezone.localtime(entry.at):%H:%M:%S.%f}" not in page  # no microseconds
    assert "Dana Reyes (" in page and agency.name in page
    words = criteria_in_words(entry.query)
    assert words.startswith("plate 7ABC123, similar plates too") and agency.name in words
    assert "T" not in words.split("from ", 1)[1][:12]  # not a raw ISO string


def test_the_log_filters_by_person_agency_purpose_and_date(
    verified_client, auditor, named, make_user, agency, log_access
):
    other = make_user(username="other-det", agency=agency)
    log_access(user=named, case_number="MINE-1")
    log_access(user=other, case_number="THEIRS-1", purpose=Purpose.STOLEN_VEHICLE)
    client = verified_client(auditor)
    page = client.get(LOG, {"user__id__exact": named.pk}).content.decode()
    assert "MINE-1" in page and "THEIRS-1" not in page
    page = client.get(LOG, {"purpose__exact": Purpose.STOLEN_VEHICLE}).content.decode()
    assert "THEIRS-1" in page and "MINE-1" not in page
    page = client.get(LOG, {"agency__id__exact": agency.pk}).content.decode()
    assert "THEIRS-1" in page and "MINE-1" in page
    today = timezone.localdate()
    page = client.get(LOG, {"at__gte": today.isoformat(), "at__lt": (today + dt.timedelta(days=1)).isoformat()})
    assert "MINE-1" in page.content.decode()


def test_the_export_has_the_filtered_rows_and_is_logged(verified_client, auditor, named, make_user, agency, log_access):
    other = make_user(username="other-det", agency=agency)
    log_access(user=named, case_number="MINE-1", query=_query(agency))
    log_access(user=other, case_number="THEIRS-1")
    client = verified_client(auditor)
    assert f"{LOG}export/" in client.get(LOG).content.decode()
    response = client.get(f"{LOG}export/", {"user__id__exact": named.pk})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ACCESS_LOG_CSV_COLUMNS and len(rows) == 2
    assert rows[1][2].startswith("Dana Reyes") and rows[1][8] == "MINE-1" and "plate 7ABC123" in rows[1][9]
    logged = AccessLogEntry.objects.get(user=auditor)
    assert (logged.action, logged.purpose, logged.purpose_detail) == (
        AccessAction.EXPORT,
        Purpose.OTHER,
        ACCESS_LOG_EXPORT_PURPOSE,
    )
    assert logged.result_count == 1 and logged.query == {"access_log_filters": {"user__id__exact": str(named.pk)}}


def test_a_sample_links_to_its_log_row_and_the_persons_other_searches(
    verified_client, auditor, named, agency, log_access
):
    entry = log_access(user=named, query=_query(agency))
    today = timezone.localdate()
    audit = audit_open(agency=agency, opened_by=auditor, period_start=today, period_end=today, sample_size=1)
    page = verified_client(auditor).get(f"/admin/reads/searchaudit/{audit.pk}/change/").content.decode()
    assert f"{LOG}{entry.pk}/change/" in page
    assert f"{LOG}?user__id__exact={named.pk}" in page
    assert "Dana Reyes" in page and local_time(entry.at) in page and "plate 7ABC123" in page


def test_closing_an_audit_needs_a_confirmation(verified_client, auditor, named, agency, log_access):
    log_access(user=named)
    today = timezone.localdate()
    audit = audit_open(agency=agency, opened_by=auditor, period_start=today, period_end=today, sample_size=1)
    sample = audit.samples.get()
    client = verified_client(auditor)
    url = f"/admin/reads/searchaudit/{audit.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="_confirm_close"' in page
    form = {
        "findings": "All fine.",
        "samples-TOTAL_FORMS": 1, "samples-INITIAL_FORMS": 1, "samples-MIN_NUM_FORMS": 0, "samples-MAX_NUM_FORMS": 1000,
        "samples-0-id": sample.pk, "samples-0-audit": audit.pk, "samples-0-finding": "compliant", "samples-0-note": "",
        "_close_audit": "1",
    }  # fmt: skip
    unconfirmed = client.post(url, form, follow=True)
    assert AUDIT_CLOSE_NOT_CONFIRMED.replace('"', "&quot;") in unconfirmed.content.decode()
    assert not SearchAudit.objects.get().is_closed
    assert client.post(url, {**form, "_confirm_close": "1"}).status_code == 302
    assert SearchAudit.objects.get().is_closed


def test_the_log_page_and_export_look_names_up_once_not_per_row(verified_client, auditor, named, agency, log_access):
    """Criteria naming agencies and cameras are put in words with the names looked up once for the page (and once
    for the export): the query count does not grow with the number of rows."""
    client = verified_client(auditor)

    def queries_for(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    log_access(user=named, query=_query(agency))
    few = (queries_for(LOG), queries_for(f"{LOG}export/"))
    for n in range(8):
        log_access(user=named, case_number=f"MANY-{n}", query=_query(agency))
    many = (queries_for(LOG), queries_for(f"{LOG}export/"))
    assert many[0] <= few[0] and many[1] <= few[1] + 1  # the export writes its own (chained) log row

"""Periodic search audits (California State Auditor report 2019-118): open, sample, review, close, publish."""

import datetime as dt
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.choices import Role
from reads.audits import (
    AUDIT_CLOSED,
    NOTE_REQUIRED,
    PERIOD_ORDER,
    SAMPLES_NOT_REVIEWED,
    audit_draw,
    audit_open,
    audit_population,
    latest_closed_audit,
)
from reads.choices import AccessAction
from reads.models import SearchAudit, SearchAuditFinding

pytestmark = pytest.mark.django_db
AUDITS = reverse("search-audit-list")


def _detail(audit_id):
    return reverse("search-audit-detail", args=[audit_id])


def _review(audit_id, sample_id):
    return reverse("search-audit-review", args=[audit_id, sample_id])


def _close(audit_id):
    return reverse("search-audit-close", args=[audit_id])


def _today():
    return timezone.localdate()


@pytest.fixture
def searches(log_access, other_agency, make_user):
    """12 searches, 2 exports and 1 timeline of our agency today (the population); image views, another agency's
    searches and a search 40 days ago (all outside it)."""
    population = [log_access(case_number=f"PV-{n}") for n in range(12)]
    population += [log_access(action=AccessAction.EXPORT), log_access(action=AccessAction.EXPORT)]
    population.append(log_access(action=AccessAction.TIMELINE))
    log_access(action=AccessAction.IMAGE_VIEW)
    log_access(user=make_user(username="their-inv", agency=other_agency), agency=other_agency)
    with mock.patch("reads.access_log.timezone.now", return_value=timezone.now() - dt.timedelta(days=40)):
        log_access(case_number="OLD")
    return population


def _open(client, **body):
    body = {"period_start": (_today() - dt.timedelta(days=7)).isoformat(), "period_end": _today().isoformat(), **body}
    return client.post(AUDITS, body, format="json")


def test_sample_is_drawn_from_the_agencys_searches_in_the_period_and_reproducible(agency, auditor, searches):
    audit = audit_open(
        agency=agency, opened_by=auditor, period_start=_today() - dt.timedelta(days=7), period_end=_today(),
        sample_size=5, seed=1234,
    )  # fmt: skip
    assert audit.population_count == 15 and audit.seed == 1234
    drawn = list(audit.samples.order_by("position").values_list("access_log_entry_id", flat=True))
    assert len(drawn) == 5 and set(drawn) <= {entry.pk for entry in searches}
    # Redrawn from what the audit stored, the sample is the same.
    population = audit_population(
        agency=agency, period_start=audit.period_start, period_end=audit.period_end,
        last_entry_id=audit.population_last_entry_id,
    ).values_list("id", flat=True)  # fmt: skip
    assert audit_draw(population_ids=list(population), seed=audit.seed, sample_size=audit.sample_size) == drawn
    # Another audit with the same seed over the same period draws the same searches.
    again = audit_open(
        agency=agency, opened_by=auditor, period_start=audit.period_start, period_end=audit.period_end,
        sample_size=5, seed=1234,
    )  # fmt: skip
    assert list(again.samples.order_by("position").values_list("access_log_entry_id", flat=True)) == drawn


def test_sample_is_capped_at_the_population(agency, auditor, searches):
    audit = audit_open(agency=agency, opened_by=auditor, period_start=_today(), period_end=_today(), sample_size=100)
    assert audit.samples.count() == 15


def test_full_audit_through_the_api(client_for, auditor, agency, searches):
    client = client_for(auditor)
    opened = _open(client, sample_size=3)
    assert opened.status_code == 201, opened.content
    audit = opened.json()
    assert audit["sampled"] == 3 and audit["reviewed"] == 0 and audit["population_count"] == 15
    assert audit["opened_by"] == auditor.username and audit["closed_at"] is None
    samples = audit["samples"]
    assert {sample["search"]["action"] for sample in samples} <= {"search", "export", "timeline"}

    refused = client.post(_close(audit["id"]), {}, format="json")
    assert refused.status_code == 400
    assert SAMPLES_NOT_REVIEWED.format(count=3) in str(refused.json())

    no_note = client.post(_review(audit["id"], samples[0]["id"]), {"finding": "non_compliant"}, format="json")
    assert no_note.status_code == 400 and no_note.json()["note"] == [NOTE_REQUIRED]
    reviewed = client.post(
        _review(audit["id"], samples[0]["id"]),
        {"finding": "non_compliant", "note": "Case number does not match any open case."},
        format="json",
    )
    assert reviewed.status_code == 200, reviewed.content
    assert reviewed.json()["reviewed_by"] == auditor.username
    for sample in samples[1:]:
        response = client.post(_review(audit["id"], sample["id"]), {"finding": "compliant"}, format="json")
        assert response.status_code == 200

    closed = client.post(_close(audit["id"]), {"findings": "One search lacked a valid case."}, format="json")
    assert closed.status_code == 200, closed.content
    body = closed.json()
    assert body["closed_by"] == auditor.username and body["closed_at"]
    assert (body["sampled"], body["compliant"], body["non_compliant"]) == (3, 2, 1)

    late = client.post(_review(audit["id"], samples[1]["id"]), {"finding": "non_compliant", "note": "x"})
    assert late.status_code == 400 and AUDIT_CLOSED in str(late.json())

    result = latest_closed_audit(agency)
    assert result.audit_id == audit["id"]
    assert (result.sampled, result.compliant, result.non_compliant, result.searches_in_period) == (3, 2, 1, 15)
    assert result.period_end == _today() and result.closed_at is not None


def test_latest_closed_audit_ignores_open_ones_and_other_agencies(agency, other_agency, auditor, make_user):
    assert latest_closed_audit(agency) is None
    audit_open(agency=agency, opened_by=auditor, period_start=_today(), period_end=_today())
    theirs = make_user(Role.AUDITOR, username="their-auditor", agency=other_agency)
    closed = audit_open(agency=other_agency, opened_by=theirs, period_start=_today(), period_end=_today())
    closed.closed_at = timezone.now()
    closed.save()
    assert latest_closed_audit(agency) is None
    assert latest_closed_audit(other_agency).audit_id == closed.pk


def test_period_must_be_in_order(client_for, auditor):
    response = _open(client_for(auditor), period_start=_today().isoformat(), period_end="2020-01-01")
    assert response.status_code == 400 and response.json()["period_end"] == [PERIOD_ORDER]
    assert not SearchAudit.objects.exists()


def test_agency_admin_may_audit(client_for, make_user, searches):
    assert _open(client_for(make_user(Role.AGENCY_ADMIN, username="chief")), sample_size=2).status_code == 201


@pytest.mark.parametrize("role", [Role.INVESTIGATOR, Role.OFFICER, Role.RECORDS_CLERK])
def test_other_roles_are_refused(client_for, make_user, role, agency, auditor):
    audit = audit_open(agency=agency, opened_by=auditor, period_start=_today(), period_end=_today())
    client = client_for(make_user(role, username=f"someone-{role}"))
    assert client.get(AUDITS).status_code == 403
    assert client.get(_detail(audit.pk)).status_code == 403
    assert _open(client).status_code == 403


def test_another_agencys_audit_is_404(client_for, make_user, other_agency, agency, auditor, searches):
    audit = audit_open(agency=agency, opened_by=auditor, period_start=_today(), period_end=_today(), sample_size=1)
    sample = audit.samples.get()
    theirs = client_for(make_user(Role.AUDITOR, username="their-auditor", agency=other_agency))
    assert theirs.get(AUDITS).json()["count"] == 0
    assert theirs.get(_detail(audit.pk)).status_code == 404
    assert theirs.post(_review(audit.pk, sample.pk), {"finding": "compliant"}).status_code == 404
    assert theirs.post(_close(audit.pk), {}).status_code == 404


def test_sample_of_another_audit_is_404(client_for, agency, auditor, searches):
    first = audit_open(agency=agency, opened_by=auditor, period_start=_today(), period_end=_today(), sample_size=1)
    second = audit_open(agency=agency, opened_by=auditor, period_start=_today(), period_end=_today(), sample_size=1)
    response = client_for(auditor).post(_review(second.pk, first.samples.get().pk), {"finding": "compliant"})
    assert response.status_code == 404


def test_list_query_count_does_not_grow_with_audits(client_for, agency, auditor, searches, django_assert_num_queries):
    client = client_for(auditor)
    audit_open(agency=agency, opened_by=auditor, period_start=_today(), period_end=_today(), sample_size=3)
    client.get(AUDITS)  # warm the permission cache of this user object
    with django_assert_num_queries(QUERIES_LIST):
        one = client.get(AUDITS)
    for _ in range(3):
        audit_open(agency=agency, opened_by=auditor, period_start=_today(), period_end=_today(), sample_size=3)
    with django_assert_num_queries(QUERIES_LIST):
        four = client.get(AUDITS)
    assert one.json()["count"] == 1 and four.json()["count"] == 4
    assert four.json()["results"][0]["sampled"] == 3


def test_retrieve_query_count_does_not_grow_with_samples(
    client_for, agency, auditor, searches, django_assert_num_queries
):
    client = client_for(auditor)
    small = audit_open(agency=agency, opened_by=auditor, period_start=_today(), period_end=_today(), sample_size=1)
    large = audit_open(agency=agency, opened_by=auditor, period_start=_today(), period_end=_today(), sample_size=15)
    client.get(_detail(small.pk))
    with django_assert_num_queries(QUERIES_RETRIEVE):
        client.get(_detail(small.pk))
    with django_assert_num_queries(QUERIES_RETRIEVE):
        response = client.get(_detail(large.pk))
    assert len(response.json()["samples"]) == 15


# The caller's membership, training and permissions are known once per request (agencies.access.access_of).
QUERIES_LIST = 3
QUERIES_RETRIEVE = 3


# --- admin ------------------------------------------------------------------------------------------------------


def test_auditor_opens_reviews_and_closes_an_audit_in_admin(verified_client, auditor, agency, searches):
    client = verified_client(auditor)
    assert client.get("/admin/reads/searchaudit/").status_code == 200
    assert client.get("/admin/reads/searchaudit/add/").status_code == 200
    response = client.post(
        "/admin/reads/searchaudit/add/",
        {"agency": agency.pk, "period_start": _today().isoformat(), "period_end": _today().isoformat(),
         "sample_size": 2},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    audit = SearchAudit.objects.get()
    assert response["Location"] == f"/admin/reads/searchaudit/{audit.pk}/change/"
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"Save and close audit" in page.content
    samples = list(audit.samples.order_by("position"))

    def form(marks, notes, **extra):
        data = {
            "findings": "",
            "samples-TOTAL_FORMS": len(samples), "samples-INITIAL_FORMS": len(samples),
            "samples-MIN_NUM_FORMS": 0, "samples-MAX_NUM_FORMS": 1000,
        }  # fmt: skip
        for index, sample in enumerate(samples):
            data[f"samples-{index}-id"] = sample.pk
            data[f"samples-{index}-audit"] = audit.pk
            data[f"samples-{index}-finding"] = marks[index]
            data[f"samples-{index}-note"] = notes[index]
        data.update(extra)
        return data

    url = f"/admin/reads/searchaudit/{audit.pk}/change/"
    # A non-compliant finding without a note is refused on the form.
    refused = client.post(url, form(["non_compliant", ""], ["", ""]))
    assert refused.status_code == 200 and NOTE_REQUIRED in refused.content.decode()
    # Closing with a sample left unreviewed is refused with a message.
    half = client.post(url, form(["compliant", ""], ["", ""], _close_audit="1", _confirm_close="1"), follow=True)
    assert SAMPLES_NOT_REVIEWED.format(count=1) in half.content.decode()
    audit.refresh_from_db()
    assert not audit.is_closed
    assert audit.samples.get(position=1).finding == SearchAuditFinding.COMPLIANT
    done = client.post(
        url,
        form(
            ["compliant", "non_compliant"], ["", "No case on file"], findings="One lapse.", _close_audit="1",
            _confirm_close="1",
        ),
    )  # fmt: skip
    assert done.status_code == 302, done.content.decode()[:3000]
    audit.refresh_from_db()
    assert audit.is_closed and audit.closed_by == auditor and audit.findings == "One lapse."
    second = audit.samples.get(position=2)
    assert second.finding == SearchAuditFinding.NON_COMPLIANT and second.reviewed_by == auditor
    # A closed audit is read-only.
    closed_page = client.get(url)
    assert closed_page.status_code == 200 and b"Save and close audit" not in closed_page.content


def test_records_clerk_has_no_audit_admin(verified_client, make_user):
    clerk = make_user(Role.RECORDS_CLERK, username="clerk1")
    assert verified_client(clerk).get("/admin/reads/searchaudit/").status_code == 403

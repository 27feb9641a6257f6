"""The public portal and its JSON, as the public uses them: figures equal to the tables, nothing confidential."""

import json

import pytest
from django.urls import reverse

from reads.choices import Purpose
from transparency.models import UsagePolicy
from transparency.selectors import portal_figures

from ..factories import AgencyFactory
from .conftest import CAMERA_LAT, CAMERA_LON, CAMERA_NAME, CASE_NUMBER, INVESTIGATOR, PLATES, record_search

pytestmark = pytest.mark.django_db


def _portal(client, slug="palm-vista-pd"):
    return client.get(reverse("transparency:portal", args=[slug]))


def _api(client, slug="palm-vista-pd"):
    return client.get(reverse("api-transparency", args=[slug]))


def _figure(html: str, name: str) -> str:
    marker = f'data-figure="{name}">'
    start = html.index(marker) + len(marker)
    return html[start : html.index("<", start)]


def test_portal_figures_equal_counts_taken_from_the_tables(client, scene):
    html = _portal(client).content.decode()
    assert _figure(html, "reads") == f"{scene.reads():,}" == "9"
    assert _figure(html, "hotlist_hits") == str(scene.hits())
    assert scene.hits() >= 1
    assert _figure(html, "searches") == str(scene.searches()) == "4"
    assert _figure(html, "searches_to_date") == str(scene.searches_to_date())
    assert _figure(html, "partner_searches") == "1"
    assert _figure(html, "cameras") == str(scene.cameras()) == "2"
    assert _figure(html, "partners_with_access") == str(scene.partners_with_access()) == "1"
    assert _figure(html, "agencies_sharing_in") == str(scene.agencies_sharing_in()) == "1"
    assert f'data-purpose="criminal_investigation">{scene.by_purpose(Purpose.CRIMINAL_INVESTIGATION)}<' in html
    assert f'data-purpose="stolen_vehicle">{scene.by_purpose(Purpose.STOLEN_VEHICLE)}<' in html


def test_json_has_the_same_figures_and_needs_no_login(client, scene):
    response = _api(client)
    assert response.status_code == 200
    data = response.json()
    assert data["reads"] == scene.reads()
    assert data["hotlist_hits"] == scene.hits()
    assert data["searches"] == scene.searches()
    assert data["searches_to_date"] == scene.searches_to_date()
    assert data["sharing"]["partners_with_access"] == scene.partners_with_access()
    by_purpose = {row["purpose"]: row["count"] for row in data["searches_by_purpose"]}
    assert by_purpose[Purpose.STOLEN_VEHICLE] == scene.by_purpose(Purpose.STOLEN_VEHICLE)
    assert len(data["daily"]) == 90
    assert sum(day["reads"] for day in data["daily"][-30:]) == scene.reads()
    shares = {row["scope"]: [a["slug"] for a in row["agencies"]] for row in data["sharing"]["shares_with"]}
    assert shares == {"search": ["desert-springs-pd"], "alerts": ["desert-springs-pd"], "hotlists": []}
    receives = {row["scope"]: [a["slug"] for a in row["agencies"]] for row in data["sharing"]["receives_from"]}
    assert receives["hotlists"] == ["cathedral-hills-pd"]
    assert [a["slug"] for a in data["sharing"]["private_entities_sharing_in"]] == ["palm-vista-mall"]
    assert data["policy"]["version"] == 1
    assert len(data["policy"]["prohibited_uses"]) >= 5


def test_json_ignores_credentials_even_bad_ones(client, scene):
    response = client.get(reverse("api-transparency", args=["palm-vista-pd"]), HTTP_AUTHORIZATION="Token nonsense")
    assert response.status_code == 200


@pytest.mark.parametrize("path", ["transparency:portal", "api-transparency"])
def test_unknown_or_inactive_agency_is_404(client, agency, path):
    assert client.get(reverse(path, args=["no-such-agency"])).status_code == 404
    inactive = AgencyFactory(slug="closed-pd", is_active=False)
    assert client.get(reverse(path, args=[inactive.slug])).status_code == 404


def test_nothing_confidential_appears_on_any_public_output(client, scene):
    outputs = [_portal(client).content.decode(), json.dumps(_api(client).json())]
    outputs.append(client.get(reverse("transparency:index")).content.decode())
    for text in outputs:
        for plate in PLATES:
            assert plate not in text
        for secret in (INVESTIGATOR, CASE_NUMBER, CAMERA_NAME, "Operation Hidden Name", "Patrol unit 9"):
            assert secret not in text
        for coordinate in (CAMERA_LAT, CAMERA_LON):
            assert str(coordinate) not in text
            assert f"{coordinate:.3f}" not in text


def test_portal_shows_what_is_and_is_not_recorded_and_the_policy(client, scene):
    html = _portal(client).content.decode()
    assert "No faces" in html and "Rear plates only" in html
    assert "Immigration enforcement" in html and "Traffic enforcement alone" in html
    assert "Monitoring a lawful demonstration" in html  # the agency's own addition
    assert "Version 1" in html
    assert "30 days" in html
    assert "Palm Vista Mall" in html
    assert '<svg class="chart"' in html and 'role="img"' in html
    assert html.count("<h1") == 1
    assert "Last updated" in html


def test_earlier_policy_versions_stay_reachable(client, scene, clerk, publish_policy):
    publish_policy(scene.agency, monitoring="Monthly audits by the professional standards unit, version two.")
    html = _portal(client).content.decode()
    assert "Version 2, in effect" in html
    v1 = reverse("transparency:policy", args=["palm-vista-pd", 1])
    assert v1 in html
    page = client.get(v1).content.decode()
    assert "This version has been replaced" in page
    assert client.get(reverse("transparency:policy", args=["palm-vista-pd", 9])).status_code == 404


def test_draft_policy_is_not_public(client, agency, clerk):
    UsagePolicy.objects.create(agency=agency, version=1, authorized_purposes="draft")
    assert "has not published a usage and privacy policy" in _portal(client).content.decode()
    assert client.get(reverse("transparency:policy", args=["palm-vista-pd", 1])).status_code == 404


def test_index_lists_every_active_agency_in_groups(client, scene, federal_agency):
    AgencyFactory(slug="closed-pd", name="Closed Police Department", is_active=False)
    html = client.get(reverse("transparency:index")).content.decode()
    for slug in ("palm-vista-pd", "desert-springs-pd", "palm-vista-mall", "fib"):
        assert reverse("transparency:portal", args=[slug]) in html
    assert "Closed Police Department" not in html
    assert "Private entities that share" in html


def test_figures_are_cached_so_traffic_does_not_reach_the_database(
    client, scene, make_user, django_assert_max_num_queries
):
    first = _api(client).json()
    record_search(make_user(username="another-det"), scene.agency)
    with django_assert_max_num_queries(4):  # agency, policy, versions, reports: no counting
        second = _api(client).json()
    assert second["searches"] == first["searches"]
    assert _api(client)["Cache-Control"] == "public, max-age=300"


def test_figures_selector_queries_are_bounded(scene, django_assert_max_num_queries):
    # One query per figure (reads per day, purged reads per day, searches per day, by purpose, to date, partner
    # searches, searches per partner, hits, purged hits, cameras, hotlists, policy, last report, MOUs, sharing
    # history, purge runs, audit, access-log checkpoints), plus SET LOCAL jit and its savepoint: the same whatever the
    # number of reads or days.
    with django_assert_max_num_queries(20):
        portal_figures(scene.agency)


def test_demo_seed_is_complete_and_idempotent(db):
    from agencies import demo as agencies_demo
    from transparency import demo as transparency_demo
    from transparency.models import PublishedReport

    for _ in range(2):
        context: dict = {}
        agencies_demo.seed(context)
        transparency_demo.seed(context)
    public = [a for a in context["agencies"].values() if a.is_california_public_agency]
    assert public
    for agency in public:
        policies = UsagePolicy.objects.filter(agency=agency)
        assert policies.count() == 1 and policies.get().is_published and not policies.get().missing_elements
    private = context["agencies"]["palm-vista-town-center"]
    assert not UsagePolicy.objects.filter(agency=private).exists()
    report = PublishedReport.objects.get()
    assert report.agency.slug == "palm-vista-pd" and report.period_kind == "month"


def test_chart_axis_uses_whole_numbers_for_small_counts():
    from transparency.charts import _nice_ceiling

    assert [_nice_ceiling(n) for n in (0, 1, 3, 7, 12, 23, 180, 4100)] == [2, 2, 4, 10, 20, 50, 200, 5000]
    # Every gridline (0, half, top) is a whole number: no "12.5 searches".
    assert all(_nice_ceiling(n) >= n and _nice_ceiling(n) % 2 == 0 for n in range(0, 20_000))


def test_chart_labels_are_at_least_12_px_on_a_phone():
    """The drawing is scaled to the page: its labels' size in px is FONT x the drawn width / WIDTH."""
    from transparency.charts import FONT, PHONE_CHART_PX, WIDTH, daily_bar_chart

    assert FONT * PHONE_CHART_PX / WIDTH >= 12
    svg = daily_bar_chart([{"date": "2026-11-01", "reads": 23}], key="reads", title="Reads", chart_id="c")
    assert f'viewBox="0 0 {WIDTH} ' in svg and 'font-size="12"' not in svg and ">12.5<" not in svg


def test_latest_closed_audit_is_published_as_counts_only(client, scene, make_user):
    from django.utils import timezone

    from agencies.choices import Role
    from reads import audits

    auditor = make_user(Role.AUDITOR, username="pv-auditor-name")
    today = timezone.localdate()
    assert "No completed audit" in _portal(client).content.decode()
    audit = audits.audit_open(
        agency=scene.agency, opened_by=auditor, period_start=today, period_end=today, sample_size=2
    )
    samples = list(audit.samples.all())
    audits.audit_review_sample(audit=audit, sample=samples[0], reviewer=auditor, finding="compliant")
    audits.audit_review_sample(
        audit=audit, sample=samples[1], reviewer=auditor, finding="non_compliant", note="No case for Mr Secretname."
    )
    audits.audit_close(audit=audit, closed_by=auditor, findings="Retrain Mr Secretname.")
    from django.core.cache import cache

    cache.clear()  # the portal's figures are cached for five minutes
    html = _portal(client).content.decode()
    assert _figure(html, "audit_searches") == str(scene.searches_to_date())
    assert _figure(html, "audit_sampled") == "2"
    assert _figure(html, "audit_compliant") == "1" and _figure(html, "audit_non_compliant") == "1"
    assert "Secretname" not in html and "pv-auditor-name" not in html
    assert _api(client).json()["audit"]["non_compliant"] == 1

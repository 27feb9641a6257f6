"""The matrix of what returns ALPR data, and how each such path is logged (Civil Code §1798.90.52).

Every URL of the site (API endpoint and method, console page, portal page) and every admin model is classified
here: `SEARCH` (a search, timeline or export: the caller states a purpose, one row per search), `IMAGE` (an image
view, purpose stated), `ALERT` (shows hotlist alerts' read data: one row, purpose "hotlist alert", recorded by the
system), or `NOT_ALPR` with the reason it shows no read data. `test_every_path_is_classified` walks the URL
resolver and the admin registry and fails on a path nobody classified, so a new view cannot return ALPR data
unseen; the ALERT rows are then called for real and must each write their access-log row.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.choices import Role
from hotlists.choices import Category, HotlistSource
from hotlists.models import Alert, Hotlist, NotificationOutbox
from hotlists.notifications import notification_subscription_create
from hotlists.services import hotlist_entry_create
from reads.choices import AccessAction, ReadSource
from reads.models import AccessLogEntry, Camera
from reads.services import read_ingest

from ..factories import UserFactory
from ..sharing.conftest import admin_client_for

pytestmark = pytest.mark.django_db

SEARCH, IMAGE, ALERT = "search", "image", "alert"


def NOT_ALPR(reason: str) -> str:  # noqa: N802 - reads as a classification
    return f"not ALPR data: {reason}"


API = {
    ("me", "get"): NOT_ALPR("the caller's own account"),
    ("agency-list", "get"): NOT_ALPR("agencies"),
    ("agency-detail", "get"): NOT_ALPR("agencies"),
    ("alert-list", "get"): ALERT,
    ("alert-detail", "get"): ALERT,
    ("alert-feed", "get"): ALERT,
    ("alert-transition", "post"): ALERT,
    ("alert-hold", "post"): NOT_ALPR("answers the hold (case, reason, ids), not the alert's read"),
    ("access-log-list", "get"): NOT_ALPR("the access log itself, for auditors"),
    ("access-log-detail", "get"): NOT_ALPR("the access log itself, for auditors"),
    ("search-audit-list", "get"): NOT_ALPR("audits of the access log"),
    ("search-audit-list", "post"): NOT_ALPR("audits of the access log"),
    ("search-audit-detail", "get"): NOT_ALPR("audits of the access log"),
    ("search-audit-close", "post"): NOT_ALPR("audits of the access log"),
    ("search-audit-review", "post"): NOT_ALPR("audits of the access log"),
    ("stale-accounts", "get"): NOT_ALPR("accounts"),
    ("camera-list", "get"): NOT_ALPR("cameras"),
    ("camera-detail", "get"): NOT_ALPR("cameras"),
    ("evidencehold-list", "get"): NOT_ALPR("holds: case, reason and read ids"),
    ("evidencehold-list", "post"): NOT_ALPR("holds: case, reason and read ids"),
    ("evidencehold-detail", "get"): NOT_ALPR("holds: case, reason and read ids"),
    ("evidencehold-release", "post"): NOT_ALPR("holds: case, reason and read ids"),
    ("hotlist-list", "get"): NOT_ALPR("the agency's hotlists"),
    ("hotlist-detail", "get"): NOT_ALPR("the agency's hotlists"),
    ("hotlist-import-file", "post"): NOT_ALPR("the agency's hotlists"),
    ("hotlistentry-list", "get"): NOT_ALPR("hotlist entries are the agency's own records"),
    ("hotlistentry-list", "post"): NOT_ALPR("hotlist entries are the agency's own records"),
    ("hotlistentry-detail", "get"): NOT_ALPR("hotlist entries are the agency's own records"),
    ("hotlistentry-detail", "delete"): NOT_ALPR("hotlist entries are the agency's own records"),
    ("hotlistimport-list", "get"): NOT_ALPR("import runs"),
    ("hotlistimport-detail", "get"): NOT_ALPR("import runs"),
    ("purgerun-list", "get"): NOT_ALPR("counts of purged reads"),
    ("read-search", "post"): SEARCH,
    ("read-image", "get"): IMAGE,
    ("read-batch", "post"): NOT_ALPR("ingest: writes reads, answers ids"),
    ("ingest-openalpr", "post"): NOT_ALPR("ingest: writes reads, answers ids"),
    ("recognition-upload", "post"): NOT_ALPR("ingest of photos, answers job ids"),
    ("recognition-job-list", "get"): NOT_ALPR("job status, no plate"),
    ("recognition-job-detail", "get"): NOT_ALPR("job status, no plate"),
    ("mou-list", "get"): NOT_ALPR("MOUs"),
    ("mou-list", "post"): NOT_ALPR("MOUs"),
    ("mou-detail", "get"): NOT_ALPR("MOUs"),
    ("mou-activate", "post"): NOT_ALPR("MOUs"),
    ("mou-document", "get"): NOT_ALPR("MOUs"),
    ("mou-document", "post"): NOT_ALPR("MOUs"),
    ("mou-renew", "post"): NOT_ALPR("MOUs"),
    ("mou-revoke", "post"): NOT_ALPR("MOUs"),
    ("api-transparency", "get"): NOT_ALPR("public aggregate counts"),
    **{(f"analysis-{name}", "post"): SEARCH for name in ("convoy", "places", "locate")},
    **{(f"analysis-{name}-export", "post"): SEARCH for name in ("convoy", "places", "locate")},
    ("camera-list", "post"): NOT_ALPR("cameras"),
    ("camera-detail", "patch"): NOT_ALPR("cameras"),
    ("camera-placement", "post"): NOT_ALPR("cameras"),
    **{
        (f"ingest-{peer}", "post"): NOT_ALPR("ingest: writes reads, answers ids")
        for peer in ("axis", "frigate", "genetec", "hikvision", "platerecognizer")
    },
    ("partner-search-list", "get"): NOT_ALPR("the access log itself, for the owner's auditors"),
    ("partner-search-detail", "get"): NOT_ALPR("the access log itself, for the owner's auditors"),
    ("partner-search-report", "get"): NOT_ALPR("the access log itself, for the owner's auditors"),
}
PAGES = {
    "home": ALERT,  # the open alerts of the agency
    "console:alerts": ALERT,
    "console:alert-detail": ALERT,
    "console:alert-image": ALERT,
    "console:alert-feed": ALERT,
    "console:search": SEARCH,
    "console:results": SEARCH,
    "console:results-page": SEARCH,
    "console:export": SEARCH,
    "console:read-detail": IMAGE,
    "console:read-image": IMAGE,
    "console:read-thumbnail": IMAGE,
    "console:timeline": SEARCH,
    "console:timeline-result": SEARCH,
    "console:analysis": SEARCH,
    "console:analysis-result": SEARCH,
    "console:analysis-export": SEARCH,
    "console:holds": NOT_ALPR("holds: case, reason and read ids"),
    "console:hold-place": NOT_ALPR("holds: case, reason and read ids"),
    "console:hold-release": NOT_ALPR("holds: case, reason and read ids"),
    "console:hold-reads": SEARCH,  # logged as a search naming the hold, under a stated purpose
    "login": NOT_ALPR("sign-in"),
    "logout": NOT_ALPR("sign-in"),
    "otp-verify": NOT_ALPR("sign-in"),
    "otp-setup": NOT_ALPR("sign-in"),
    "api-docs": NOT_ALPR("documentation"),
    "schema": NOT_ALPR("documentation"),
    "healthz": NOT_ALPR("health"),
    **{
        f"transparency:{name}": NOT_ALPR("the public portal: aggregate counts")
        for name in ("index", "portal", "policy", "report", "report-print", "report-csv", "report-pdf")
    },
    **{
        f"transparency:{name}": NOT_ALPR("the public program page: questions, documents, aggregate counts")
        for name in (
            "ask",
            "question-thanks",
            "compliance",
            "compliance-csv",
            "compliance-pdf",
            "cost-document",
            "evaluation",
            "presentation-document",
        )
    },  # fmt: skip
}
ADMIN = {
    "hotlists.alert": ALERT,  # changelist, its plate search, change page
    "hotlists.notificationoutbox": ALERT,  # payloads carry the alert's plate, time and camera
    "hotlists.hotlist": NOT_ALPR("the agency's hotlists"),
    "hotlists.hotlistentry": NOT_ALPR("hotlist entries are the agency's own records"),
    "hotlists.hotlistimport": NOT_ALPR("import runs"),
    "hotlists.notificationsubscription": NOT_ALPR("where alerts are sent"),
    "reads.accesslogentry": NOT_ALPR("the access log itself, for auditors"),
    "reads.camera": NOT_ALPR("cameras"),
    "reads.evidencehold": NOT_ALPR("holds: case, reason and read ids"),
    "reads.purgerun": NOT_ALPR("counts of purged reads"),
    "reads.searchaudit": NOT_ALPR("audits of the access log"),
    "recognition.recognitionjob": NOT_ALPR("job status; the photo is not served"),
    "agencies.agency": NOT_ALPR("agencies"),
    "agencies.apitoken": NOT_ALPR("accounts"),
    "agencies.membership": NOT_ALPR("accounts"),
    "agencies.signinevent": NOT_ALPR("accounts"),
    "agencies.trainingrecord": NOT_ALPR("accounts"),
    "agencies.user": NOT_ALPR("accounts"),
    "auditlog.logentry": NOT_ALPR("change history of records (hotlist entries, holds), no read"),
    "auth.group": NOT_ALPR("accounts"),
    "otp_static.staticdevice": NOT_ALPR("accounts"),
    "otp_totp.totpdevice": NOT_ALPR("accounts"),
    "sharing.mou": NOT_ALPR("MOUs"),
    "sharing.sharingrefusal": NOT_ALPR("MOUs"),
    "transparency.publishedreport": NOT_ALPR("public aggregate counts"),
    "transparency.usagepolicy": NOT_ALPR("the policy"),
    "agencies.prohibitedterm": NOT_ALPR("the agency's additions to the prohibited-purpose screen"),
    "reads.cameraplacementnotice": NOT_ALPR("cameras"),
    "reads.frigatebroker": NOT_ALPR("where Frigate cameras publish"),
    "reads.partnersearch": NOT_ALPR("the access log itself, for the owner's auditors"),
    "sharing.sharingevent": NOT_ALPR("MOUs"),
    **{
        f"transparency.{name}": NOT_ALPR("the public program page")
        for name in (
            "publicquestion",
            "faqentry",
            "programfacts",
            "programcost",
            "councilauthorization",
            "communitypresentation",
            "surveillanceevaluation",
            "compliancereport",
        )
    },  # fmt: skip
}


def _site_paths() -> tuple[set[tuple[str, str]], set[str]]:
    """(API URL name, method) under /api/v1/, and the namespaced name of every other page outside admin."""
    api, pages = set(), set()

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner or namespace)
            elif isinstance(pattern, URLPattern):
                if prefix.startswith("admin/"):
                    continue
                if not prefix.startswith("api/v1/"):
                    pages.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)
                    continue
                actions = getattr(pattern.callback, "actions", None)
                if actions:
                    methods = set(actions)
                else:
                    view = getattr(pattern.callback, "view_class", None) or getattr(pattern.callback, "cls", None)
                    methods = {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)}
                api.update((pattern.name, method) for method in methods - {"head"})

    walk(get_resolver().url_patterns)
    return api, pages


def test_every_path_is_classified():
    api, pages = _site_paths()
    models = {model._meta.label_lower for model in admin.site._registry}
    unclassified = sorted(map(str, api - set(API))) + sorted(pages - set(PAGES)) + sorted(models - set(ADMIN))
    assert not unclassified, (
        "Paths nobody has classified as returning ALPR data (logged) or not; add each to this matrix, and log it "
        f"if it shows read or alert data: {unclassified}"
    )
    stale = sorted(map(str, set(API) - api)) + sorted(set(PAGES) - pages) + sorted(set(ADMIN) - models)
    assert not stale, f"Classified paths that no longer exist: {stale}"


# -- every ALERT path writes its row -------------------------------------------------------------------------------


@pytest.fixture
def world(agency, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    camera = Camera.objects.create(agency=agency, name="Main St NB", location="POINT(-116.5 33.8)", is_active=True)
    hotlist = Hotlist.objects.create(
        agency=agency, name="Stolen", source=HotlistSource.MANUAL, category=Category.STOLEN_VEHICLE
    )
    hotlist_entry_create(hotlist=hotlist, user=None, plate="8MTX123", case_number="SV-9")
    notification_subscription_create(agency=agency, name="CAD", kind="email", email="cad@example.gov")
    when = timezone.now() - dt.timedelta(hours=1)
    item = {"camera": camera.pk, "captured_at": when.isoformat(), "plate": "8MTX123", "source_id": "mx-alert"}
    read_ingest(
        agency=agency,
        items=[item],
        source=ReadSource.CAMERA_PUSH,
        images={"mx-alert": b"\xff\xd8\xff\xe0" + b"0" * 32 + b"\xff\xd9"},
    )
    alert = Alert.objects.get()
    investigator = make_user(Role.INVESTIGATOR, username="mx-investigator")
    api = APIClient()
    api.force_authenticate(investigator)
    admin_user = make_user(Role.AGENCY_ADMIN, username="mx-admin")
    superuser = UserFactory(username="mx-super", is_staff=True, is_superuser=True)
    return {
        "alert": alert,
        "investigator": investigator,
        "api": api,
        "console": admin_client_for(investigator),
        "admin": admin_client_for(admin_user),
        "superuser": admin_client_for(superuser),
    }


def _api_list(w):
    return w["api"].get(reverse("alert-list"))


def _api_detail(w):
    return w["api"].get(reverse("alert-detail", args=[w["alert"].pk]))


def _api_feed(w):
    return w["api"].get(reverse("alert-feed"), {"since": "0-0", "wait": "0"})


def _api_transition(w):
    return w["api"].post(
        reverse("alert-transition", args=[w["alert"].pk]), {"to_status": "acknowledged"}, format="json"
    )


def _home(w):
    return w["console"].get(reverse("home"))


def _console_list(w):
    return w["console"].get(reverse("console:alerts"))


def _console_detail(w):
    return w["console"].get(reverse("console:alert-detail", args=[w["alert"].pk]))


def _console_image(w):
    w["console"].get(reverse("console:alert-detail", args=[w["alert"].pk]))  # the page first (logged itself)
    return w["console"].get(reverse("console:alert-image", args=[w["alert"].pk]))


def _console_feed(w):
    return w["console"].get(reverse("console:alert-feed"), {"since": "0-0"})


def _admin_changelist_search(w):
    return w["admin"].get(reverse("admin:hotlists_alert_changelist"), {"q": "8MTX"})


def _admin_change(w):
    return w["admin"].get(reverse("admin:hotlists_alert_change", args=[w["alert"].pk]))


def _admin_outbox(w):
    assert NotificationOutbox.objects.exists()
    return w["superuser"].get(reverse("admin:hotlists_notificationoutbox_changelist"))


ALERT_CALLS = {
    ("api", "alert-list"): (_api_list, "api", "api:alert-list"),
    ("api", "alert-detail"): (_api_detail, "api", "api:alert-detail"),
    ("api", "alert-feed"): (_api_feed, "api", "api:alert-feed"),
    ("api", "alert-transition"): (_api_transition, "api", "api:alert-transition"),
    ("page", "home"): (_home, "web", "console:home"),
    ("page", "console:alerts"): (_console_list, "web", "console:alerts"),
    ("page", "console:alert-detail"): (_console_detail, "web", "console:alert-detail"),
    ("page", "console:alert-image"): (_console_image, "web", "console:alert-image"),
    ("page", "console:alert-feed"): (_console_feed, "web", "console:alert-feed"),
    ("admin", "hotlists.alert"): (_admin_changelist_search, "admin", "admin:alert-changelist"),
    ("admin", "hotlists.alert/change"): (_admin_change, "admin", "admin:alert-change"),
    ("admin", "hotlists.notificationoutbox"): (_admin_outbox, "admin", "admin:notificationoutbox-changelist"),
}


def test_every_alert_path_has_a_call():
    classified = (
        {("api", name) for (name, _), kind in API.items() if kind == ALERT}
        | {("page", name) for name, kind in PAGES.items() if kind == ALERT}
        | {("admin", label) for label, kind in ADMIN.items() if kind == ALERT}
    )
    assert classified <= set(ALERT_CALLS), sorted(classified - set(ALERT_CALLS))


@pytest.mark.parametrize("key", sorted(ALERT_CALLS), ids=lambda key: f"{key[0]}:{key[1]}")
def test_each_alert_path_writes_a_hotlist_alert_row(world, key):
    call, channel, view = ALERT_CALLS[key]
    response = call(world)
    assert response.status_code == 200, (key, response.status_code)
    rows = AccessLogEntry.objects.filter(action=AccessAction.ALERT_VIEW, query__view=view)
    assert rows.count() == 1, (key, list(AccessLogEntry.objects.values_list("action", "query")))
    row = rows.get()
    alert = world["alert"]
    assert (row.purpose, row.channel) == ("hotlist_alert", channel)
    assert row.query["alert_ids"] == [alert.pk]
    assert row.result_count == 1 and row.oldest_result_at == alert.read_captured_at
    assert row.agencies_searched == [alert.owner_agency_id]


def test_the_admin_search_is_recorded_with_the_alerts_it_found(world):
    _admin_changelist_search(world)
    row = AccessLogEntry.objects.get(action=AccessAction.ALERT_VIEW)
    assert row.query["search"] == "8MTX"


def test_a_view_showing_no_alert_writes_nothing(world):
    assert world["api"].get(reverse("alert-list"), {"status": "cleared"}).json()["count"] == 0
    cursor = world["console"].get(reverse("console:alert-feed"), {"since": "0-0"}).json()["cursor"]
    # The first poll showed the alert and was logged; the next shows none and is not.
    assert world["console"].get(reverse("console:alert-feed"), {"since": cursor}).json()["alerts"] == []
    assert not AccessLogEntry.objects.filter(query__view="api:alert-list").exists()
    assert AccessLogEntry.objects.filter(query__view="console:alert-feed").count() == 1


def test_hotlist_alert_is_not_a_purpose_a_user_may_state(world):
    response = world["api"].post(
        reverse("read-search"),
        {"plate": "8MTX123", "purpose": "hotlist_alert", "case_number": "X-1", "days": 1},
        format="json",
    )
    assert response.status_code == 400
    assert "purpose" in response.json()

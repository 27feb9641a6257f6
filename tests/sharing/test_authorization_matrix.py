"""The authorization matrix: every API endpoint and every admin changelist, called as each kind of caller, with
exactly what each may see.

The callers (ACTORS) stand around one owner agency, Palm Vista PD, which shares its reads with an active partner
(search and alerts), had an MOU with a partner that has expired and one it revoked, receives one-way sharing from a
private entity, and has a draft MOU with an unrelated California agency. Then the agencies that may never be
partners (Nevada, federal, private), a user whose training lapsed and an anonymous caller.

How to add an endpoint: add a `Row` to API_ROWS (URL name, method, how to build the URL and body, and the
expected status, or status and what the caller sees, for each actor; `everyone(...)` fills the rest). The test
`test_every_endpoint_and_changelist_is_in_the_matrix` walks the URL resolver and fails on any /api/v1/ endpoint
(URL name and method) or admin changelist that has no row. Rows in BASELINE_ROWS assert only the refusals that
hold for every ALPR endpoint (anonymous, untrained); each should grow into a full row (the owning app knows what
each caller should see).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.access import Scope
from agencies.choices import Role
from agencies.roles import ROLE_PERMISSIONS
from sharing import services
from sharing.models import MOU

from ..factories import AgencyFactory, UserFactory
from .conftest import active_mou, admin_client_for, draft_mou, signed_pdf

pytestmark = pytest.mark.django_db

ACTORS = [
    "owner_clerk",  # records clerk of the owner agency (staff: works in admin)
    "owner_investigator",
    "partner_clerk",  # records clerk of the active partner
    "partner_investigator",  # investigator of the active partner (search + alerts)
    "expired_partner",  # investigator of an agency whose MOU with the owner expired
    "revoked_partner",  # investigator of an agency whose MOU with the owner was revoked
    "unrelated_ca",  # investigator of a California agency with only a draft MOU
    "out_of_state",  # investigator of a Nevada agency
    "federal",  # investigator of a federal agency
    "private_clerk",  # records clerk of a private entity that shares one way into the owner
    "untrained",  # investigator of the owner agency whose training lapsed
    "anonymous",
]
STAFF = {"owner_clerk", "partner_clerk", "private_clerk"}
PLATE = "7ABC123"


def everyone(default, **overrides) -> dict:
    """An expectation for every actor: `default`, except those named."""
    unknown = set(overrides) - set(ACTORS)
    assert not unknown, f"unknown actors {unknown}"
    return {actor: overrides.get(actor, default) for actor in ACTORS}


# -- the world ------------------------------------------------------------------------------------------------


@dataclass
class World:
    agencies: dict = field(default_factory=dict)  # key -> Agency
    users: dict = field(default_factory=dict)  # actor -> User (anonymous absent)
    mous: dict = field(default_factory=dict)  # "owner>partner" -> MOU
    cameras: dict = field(default_factory=dict)  # agency key -> Camera

    def key_of(self, agency_id) -> str:
        return next(key for key, agency in self.agencies.items() if agency.pk == agency_id)


@pytest.fixture
def world(make_camera, store_reads) -> World:
    w = World()
    specs = {
        "owner": {"name": "Palm Vista Police Department", "slug": "palm-vista-pd", "ori": "CA0330400"},
        "partner": {"name": "Desert Springs Police Department", "slug": "desert-springs-pd", "ori": "CA0330500"},
        "expired": {"name": "Cathedral Hills PD", "slug": "cathedral-hills-pd", "ori": "CA0330600"},
        "revoked": {"name": "Indian Wells PD", "slug": "indian-wells-pd", "ori": "CA0330700"},
        "unrelated": {"name": "Coachella PD", "slug": "coachella-pd", "ori": "CA0330800"},
        "nevada": {"name": "Reno PD", "slug": "reno-pd", "ori": "NV0160200", "state": "NV"},
        "federal": {"name": "Federal Bureau", "slug": "fed", "ori": "DCFBIWA00", "state": "DC", "kind": "federal"},
        "private": {"name": "Palm Vista Mall", "slug": "pv-mall", "ori": "CA0339901", "kind": "private_entity"},
    }
    for key, spec in specs.items():
        w.agencies[key] = AgencyFactory(**spec)
    a = w.agencies
    people = {
        "owner_clerk": ("owner", Role.RECORDS_CLERK, True),
        "owner_investigator": ("owner", Role.INVESTIGATOR, True),
        "partner_clerk": ("partner", Role.RECORDS_CLERK, True),
        "partner_investigator": ("partner", Role.INVESTIGATOR, True),
        "expired_partner": ("expired", Role.INVESTIGATOR, True),
        "revoked_partner": ("revoked", Role.INVESTIGATOR, True),
        "unrelated_ca": ("unrelated", Role.INVESTIGATOR, True),
        "out_of_state": ("nevada", Role.INVESTIGATOR, True),
        "federal": ("federal", Role.INVESTIGATOR, True),
        "private_clerk": ("private", Role.RECORDS_CLERK, True),
        "untrained": ("owner", Role.INVESTIGATOR, False),
    }
    for actor, (key, role, trained) in people.items():
        w.users[actor] = UserFactory(username=actor.replace("_", "-"), agency=a[key], role=role, trained=trained)
    w.mous["owner>partner"] = active_mou(a["owner"], a["partner"], scopes=[Scope.SEARCH, Scope.ALERTS])
    w.mous["owner>expired"] = active_mou(a["owner"], a["expired"])
    MOU.objects.filter(pk=w.mous["owner>expired"].pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    services.mou_expire_due()
    w.mous["owner>revoked"] = services.mou_revoke(mou=active_mou(a["owner"], a["revoked"]), reason="Ended.")
    w.mous["private>owner"] = active_mou(a["private"], a["owner"])
    w.mous["owner>unrelated"] = draft_mou(a["owner"], a["unrelated"])
    for key, agency in a.items():
        w.cameras[key] = make_camera(agency, f"{agency.slug} camera")
        store_reads(w.cameras[key], [PLATE])
    return w


# -- how a row calls and what it reads off the answer --------------------------------------------------------


@dataclass
class Row:
    name: str  # URL name
    method: str
    expect: dict  # actor -> status, or (status, set of labels seen)
    args: Callable[[World], list] = lambda w: []
    body: Callable[[World], dict] | None = None
    multipart: bool = False
    sees: Callable[[World, dict], set] | None = None  # labels of what a 2xx answer shows

    @property
    def id(self) -> str:
        return f"{self.name}:{self.method}"


def _results(data) -> list:
    return data["results"] if isinstance(data, dict) and "results" in data else data


def mou_labels(w: World, data) -> set:
    rows = _results(data) if isinstance(data, dict) and "results" in data else [data]
    return {f"{w.key_of(row['owner']['id'])}>{w.key_of(row['partner']['id'])}" for row in rows}


def agency_labels_by(key: str):
    def labels(w: World, data) -> set:
        rows = _results(data) if isinstance(data, dict) and ("results" in data or key not in data) else [data]
        return {w.key_of(row[key]) for row in rows}

    return labels


def agency_slugs(w: World, data) -> set:
    rows = _results(data) if isinstance(data, dict) and "results" in data else [data]
    return {w.key_of(row["id"]) for row in rows}


ALL_AGENCIES = {"owner", "partner", "expired", "revoked", "unrelated", "nevada", "federal", "private"}
OWNER_MOUS = {"owner>partner", "owner>expired", "owner>revoked", "private>owner", "owner>unrelated"}
REFUSED = {"untrained": 403, "anonymous": 401}


def _mou_body(w: World) -> dict:
    today = timezone.localdate()
    return {
        "partner": w.agencies["unrelated"].slug,
        "scope": ["search"],
        "effective_on": today.isoformat(),
        "expires_on": (today + dt.timedelta(days=365)).isoformat(),
        "justification": "Matrix test.",
    }


def _renew_body(w: World) -> dict:
    return {"expires_on": (timezone.localdate() + dt.timedelta(days=700)).isoformat(), "document": signed_pdf()}


API_ROWS = [
    Row("me", "get", everyone(200, anonymous=401)),
    Row(
        "agency-list",
        "get",
        everyone((200, ALL_AGENCIES), **REFUSED),
        sees=agency_slugs,
    ),
    Row(
        "agency-detail",
        "get",
        everyone((200, {"nevada"}), **REFUSED),
        args=lambda w: [w.agencies["nevada"].slug],
        sees=agency_slugs,
    ),
    # -- sharing: each party sees its own agreements; only the owner's records staff act on them
    Row(
        "mou-list",
        "get",
        everyone(
            (200, set()),
            owner_clerk=(200, OWNER_MOUS),
            owner_investigator=(200, OWNER_MOUS),
            partner_clerk=(200, {"owner>partner"}),
            partner_investigator=(200, {"owner>partner"}),
            expired_partner=(200, {"owner>expired"}),
            revoked_partner=(200, {"owner>revoked"}),
            unrelated_ca=(200, {"owner>unrelated"}),
            private_clerk=(200, {"private>owner"}),
            **REFUSED,
        ),
        sees=mou_labels,
    ),
    Row(
        "mou-list",
        "post",
        everyone(403, owner_clerk=201, partner_clerk=201, private_clerk=201, anonymous=401),
        body=_mou_body,
    ),
    Row(
        "mou-detail",
        "get",
        everyone(
            404,
            owner_clerk=(200, {"owner>partner"}),
            owner_investigator=(200, {"owner>partner"}),
            partner_clerk=(200, {"owner>partner"}),
            partner_investigator=(200, {"owner>partner"}),
            **REFUSED,
        ),
        args=lambda w: [w.mous["owner>partner"].pk],
        sees=mou_labels,
    ),
    Row(
        "mou-activate",
        "post",
        everyone(403, owner_clerk=200, partner_clerk=404, private_clerk=404, anonymous=401),
        args=lambda w: [w.mous["owner>unrelated"].pk],
    ),
    Row(
        "mou-revoke",
        "post",
        everyone(403, owner_clerk=200, private_clerk=404, anonymous=401),
        args=lambda w: [w.mous["owner>partner"].pk],
        body=lambda w: {"reason": "Matrix test."},
    ),
    Row(
        "mou-renew",
        "post",
        everyone(403, owner_clerk=200, private_clerk=404, anonymous=401),
        args=lambda w: [w.mous["owner>partner"].pk],
        body=_renew_body,
        multipart=True,
    ),
    Row(
        "mou-document",
        "get",
        everyone(403, owner_clerk=200, partner_clerk=200, private_clerk=404, anonymous=401),
        args=lambda w: [w.mous["owner>partner"].pk],
    ),
    Row(
        "mou-document",
        "post",
        everyone(403, owner_clerk=200, partner_clerk=404, private_clerk=404, anonymous=401),
        args=lambda w: [w.mous["owner>unrelated"].pk],
        body=lambda w: {"document": signed_pdf()},
        multipart=True,
    ),
    # -- reads: whose reads and cameras each caller reaches follows the MOUs in effect
    Row(
        "read-search",
        "post",
        everyone(
            403,
            owner_investigator=(200, {"owner", "private"}),
            partner_investigator=(200, {"partner", "owner"}),
            expired_partner=(200, {"expired"}),
            revoked_partner=(200, {"revoked"}),
            unrelated_ca=(200, {"unrelated"}),
            out_of_state=(200, {"nevada"}),
            federal=(200, {"federal"}),
            anonymous=401,
        ),
        body=lambda w: {
            "plate": PLATE,
            "start": (timezone.now() - dt.timedelta(days=7)).isoformat(),
            "end": (timezone.now() + dt.timedelta(minutes=1)).isoformat(),
            "purpose": "criminal_investigation",
            "case_number": "MATRIX-1",
        },
        sees=agency_labels_by("agency_id"),
    ),
    Row(
        "camera-list",
        "get",
        everyone(
            (200, set()),
            owner_clerk=(200, {"owner", "private"}),
            owner_investigator=(200, {"owner", "private"}),
            partner_clerk=(200, {"partner", "owner"}),
            partner_investigator=(200, {"partner", "owner"}),
            expired_partner=(200, {"expired"}),
            revoked_partner=(200, {"revoked"}),
            unrelated_ca=(200, {"unrelated"}),
            out_of_state=(200, {"nevada"}),
            federal=(200, {"federal"}),
            private_clerk=(200, {"private"}),
            **REFUSED,
        ),
        sees=agency_labels_by("agency_id"),
    ),
    Row(
        "camera-detail",
        "get",
        everyone(
            404,
            owner_clerk=(200, {"owner"}),
            owner_investigator=(200, {"owner"}),
            partner_clerk=(200, {"owner"}),
            partner_investigator=(200, {"owner"}),
            **REFUSED,
        ),
        args=lambda w: [w.cameras["owner"].pk],
        sees=agency_labels_by("agency_id"),
    ),
]

API_ROWS.append(
    # The public transparency portal's figures: no sign-in, the same for everyone.
    Row("api-transparency", "get", everyone(200), args=lambda w: [w.agencies["owner"].slug])
)

# Endpoints of other apps, asserted only for the refusals every ALPR endpoint makes. To be grown into full rows.
BASELINE = {"untrained": 403, "anonymous": 401}
BASELINE_ROWS = [
    Row("read-batch", "post", {"anonymous": 401}),  # ingest token endpoints: camera accounts are untrained
    Row("ingest-openalpr", "post", {"anonymous": 401}),
    Row("stale-accounts", "get", BASELINE),
    Row("read-image", "get", BASELINE, args=lambda w: [1]),
    Row("evidencehold-list", "get", BASELINE),
    Row("evidencehold-list", "post", BASELINE),
    Row("evidencehold-detail", "get", BASELINE, args=lambda w: [1]),
    Row("evidencehold-release", "post", BASELINE, args=lambda w: [1]),
    Row("access-log-list", "get", BASELINE),
    Row("access-log-detail", "get", BASELINE, args=lambda w: [1]),
    Row("search-audit-list", "get", BASELINE),
    Row("search-audit-list", "post", BASELINE),
    Row("search-audit-detail", "get", BASELINE, args=lambda w: [1]),
    Row("search-audit-close", "post", BASELINE, args=lambda w: [1]),
    Row("search-audit-review", "post", BASELINE, args=lambda w: [1, 1]),
    Row("purgerun-list", "get", BASELINE),
    Row("hotlist-list", "get", BASELINE),
    Row("hotlist-detail", "get", BASELINE, args=lambda w: [1]),
    Row("hotlist-import-file", "post", BASELINE, args=lambda w: [1]),
    Row("hotlistentry-list", "get", BASELINE),
    Row("hotlistentry-list", "post", BASELINE),
    Row("hotlistentry-detail", "get", BASELINE, args=lambda w: [1]),
    Row("hotlistentry-detail", "delete", BASELINE, args=lambda w: [1]),
    Row("hotlistimport-list", "get", BASELINE),
    Row("hotlistimport-detail", "get", BASELINE, args=lambda w: [1]),
    Row("alert-list", "get", BASELINE),
    Row("alert-feed", "get", BASELINE),
    Row("alert-detail", "get", BASELINE, args=lambda w: [1]),
    Row("alert-transition", "post", BASELINE, args=lambda w: [1]),
    Row("recognition-upload", "post", BASELINE),
    Row("recognition-job-list", "get", BASELINE),
    Row("recognition-job-detail", "get", BASELINE, args=lambda w: [1]),
]


# -- admin changelists -----------------------------------------------------------------------------------------


def _clerk_may_view(model) -> bool:
    names = set(ROLE_PERMISSIONS[Role.RECORDS_CLERK])
    label, name = model._meta.app_label, model._meta.model_name
    return f"{label}.view_{name}" in names or f"{label}.change_{name}" in names


def _admin_default(model) -> dict:
    """Non-staff callers are sent to sign in; records clerks reach what their role's permissions name."""
    clerk = 200 if _clerk_may_view(model) else 403
    return everyone(302, owner_clerk=clerk, partner_clerk=clerk, private_clerk=clerk)


def mou_admin_labels(w: World, rows) -> set:
    return {f"{w.key_of(mou.owner_id)}>{w.key_of(mou.partner_id)}" for mou in rows}


# Changelists with what each caller sees listed; every other registered model gets _admin_default's statuses.
ADMIN_ROWS = {
    "sharing.mou": (
        everyone(
            302,
            owner_clerk=(200, OWNER_MOUS),
            partner_clerk=(200, {"owner>partner"}),
            private_clerk=(200, {"private>owner"}),
        ),
        mou_admin_labels,
    ),
    "sharing.sharingrefusal": (everyone(302, owner_clerk=200, partner_clerk=200, private_clerk=200), None),
}


# -- running a row -----------------------------------------------------------------------------------------------


def _api_client(world: World, actor: str) -> APIClient:
    client = APIClient()
    if actor != "anonymous":
        client.force_authenticate(user=world.users[actor])
    return client


def _call(world: World, row: Row, actor: str):
    """One call, in a savepoint rolled back afterwards, so that no call sees another's writes."""
    url = reverse(row.name, args=row.args(world))
    client = _api_client(world, actor)
    with transaction.atomic():
        body = row.body(world) if row.body else None
        if row.multipart:
            response = getattr(client, row.method)(url, body or {}, format="multipart")
        elif row.method == "get":
            response = client.get(url)
        else:
            response = getattr(client, row.method)(url, body or {}, format="json")
        got = response.status_code
        if row.sees and 200 <= got < 300:
            got = (got, row.sees(world, response.json()))
        transaction.set_rollback(True)
    return got


def test_api_authorization_matrix(world):
    """Every row, every actor; all mismatches reported together, one line each."""
    wrong = []
    for row in API_ROWS + BASELINE_ROWS:
        for actor, expected in row.expect.items():
            got = _call(world, row, actor)
            if not isinstance(expected, tuple) and isinstance(got, tuple):
                got = got[0]
            if got != expected:
                wrong.append(f"{row.id} as {actor}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


def _admin_client(world: World, actor: str) -> Client:
    if actor == "anonymous":
        return Client()
    if actor in STAFF:
        return admin_client_for(world.users[actor])
    client = Client()
    client.force_login(world.users[actor])
    return client


def test_admin_changelist_matrix(world):
    wrong = []
    for model in admin.site._registry:
        expect, sees = ADMIN_ROWS.get(model._meta.label_lower, (_admin_default(model), None))
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for actor, expected in expect.items():
            response = _admin_client(world, actor).get(url)
            got = response.status_code
            if isinstance(expected, tuple):
                got = (got, sees(world, response.context["cl"].result_list) if got == 200 else None)
            if got != expected:
                wrong.append(f"{model._meta.label} changelist as {actor}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


# -- the matrix covers every endpoint --------------------------------------------------------------------------


def _api_endpoints() -> set[tuple[str, str]]:
    """(URL name, method) of every route under /api/v1/, from the resolver."""
    found = set()

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern) and prefix.startswith("api/v1/"):
                callback = pattern.callback
                actions = getattr(callback, "actions", None)
                if actions:
                    methods = set(actions)
                else:
                    view = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
                    methods = {m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)}
                methods.discard("head")  # answered by the GET handler
                found.update((pattern.name, method) for method in methods)

    walk(get_resolver().url_patterns)
    return found


def test_every_endpoint_and_changelist_is_in_the_matrix():
    covered = {(row.name, row.method) for row in API_ROWS + BASELINE_ROWS}
    missing = sorted(_api_endpoints() - covered)
    assert not missing, f"API endpoints with no row in the authorization matrix: {missing}"
    stale = sorted(covered - _api_endpoints())
    assert not stale, f"matrix rows for endpoints that no longer exist: {stale}"
    assert {"sharing.mou", "sharing.sharingrefusal"} <= {m._meta.label_lower for m in admin.site._registry}

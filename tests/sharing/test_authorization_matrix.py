"""The authorization matrix: every API endpoint and every admin changelist, called as each kind of caller, with
exactly what each may see.

The callers (matrix_world.ACTORS) stand around one owner agency, Palm Vista PD, which shares its reads, alerts and
hotlists with an active partner, had the same MOU with a partner that has expired, one whose MOU is past its expiry
date before the nightly job has run (lapsed) and one it revoked, receives one-way sharing (search and alerts)
from a private entity, and has a draft MOU with an unrelated California agency.
Then the agencies that may never be partners (Nevada, federal, private), a user whose training lapsed, the owner's
and the partner's camera accounts (ingest tokens) and an anonymous caller. Signed-in callers call the API with a
real token: people with an API-purpose token, cameras with an ingest token. The world (matrix_world.py) is built
once for the module, in a transaction rolled back at its end; each call runs in a savepoint rolled back after it,
so that no call sees another's writes.

What a row asserts, for every actor: the status, and for a 2xx answer that shows objects, exactly which (by label:
"owner" is the owner's hold, hotlist, job...; an alert "partner/owner" is the partner's hotlist hit on the owner's
read). An owner's object reached by an outsider is a 404, never a 403 that would confirm it exists; a 403 is a
missing role permission, a lapsed training or an ingest token used for data. A row with `writes` counts the rows
the call would write: a refused call must write none, an accepted one must write.

How to add an endpoint: add a `Row` to API_ROWS (URL name, method, URL arguments, query, body, the expected status
or (status, labels seen) for each actor, `everyone(...)` filling the rest). The test
`test_every_endpoint_and_changelist_is_in_the_matrix` walks the URL resolver and fails on any /api/v1/ endpoint
(URL name and method) that has no row, and on any row whose endpoint is gone.

That the matrix catches a broken rule was checked by breaking each on purpose, in memory (each function's code
swapped for the changed one by a throwaway pytest plugin; nothing in the tree changed), one at a time:
- `sharing.selectors.owner_ids_sharing_with` ignoring the MOU status (`.in_effect()` replaced by a filter on the
  dates only): the revoked partner, whose guardian grant the world leaves behind, then reaches the owner's reads
  (search, image 200), cameras, hotlists and entries (lists show "owner", details answer 200 for 404): 8 rows fail.
  Without that left-behind grant no row would fail: revocation and expiry also remove the grant, so the status
  check is a second lock, and the world has to open the first to test the second.
- the same selector ignoring status and dates (`MOU.objects.all()`): the lapsed partner (MOU past its expiry date,
  nightly job not yet run, grant still held) fails the same rows too: 16 rows fail.
- `agencies.access.alpr_access_refusal` skipping the training check: the untrained investigator gets 200 (201, 202)
  and the owner's data on every ALPR endpoint instead of 403 (25 rows fail). The camera accounts, untrained too,
  stay refused: their ingest tokens' purpose refuses them on their own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.roles import ROLE_PERMISSIONS, STAFF_ROLES
from hotlists.models import AlertEvent, HotlistEntry, HotlistImport
from reads.models import AccessLogEntry, EvidenceHold, Read, SearchAudit, SearchAuditSample
from recognition.models import RecognitionJob
from sharing.models import MOU

from .conftest import admin_client_for, signed_pdf
from .matrix_world import ACTORS, AGENT_CAMERA, AGENT_UID, CAMERAS, PEOPLE, PLATE, PNG, World, build_world

pytestmark = pytest.mark.django_db

STAFF = {actor for actor, (_, role, _) in PEOPLE.items() if role in STAFF_ROLES and actor not in CAMERAS}


def everyone(default, **overrides) -> dict:
    """An expectation for every actor: `default`, except those named."""
    unknown = set(overrides) - set(ACTORS)
    assert not unknown, f"unknown actors {unknown}"
    return {actor: overrides.get(actor, default) for actor in ACTORS}


# -- the world, once a module ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def matrix_media(tmp_path_factory):
    return tmp_path_factory.mktemp("matrix-media")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, matrix_media):
    """Built once; each test's own transaction nests inside this one as a savepoint, and this one rolls back."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=matrix_media), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _media_root(settings, matrix_media):
    """Overrides the sharing tests' per-test media folder: the world's files (MOU documents, images) live here."""
    settings.MEDIA_ROOT = matrix_media


# -- how a row calls and what it reads off the answer --------------------------------------------------------


@dataclass
class Row:
    name: str  # URL name
    method: str
    expect: dict  # actor -> status, or (status, set of labels seen)
    args: Callable[[World], list] = lambda w: []
    query: Callable[[World], dict] | None = None
    body: Callable[[World], dict] | None = None
    multipart: bool = False
    sees: Callable[[World, object], set] | None = None  # labels of what a 2xx answer shows
    writes: Callable[[], int] | None = None  # rows the call writes: unchanged when refused, changed when accepted

    @property
    def id(self) -> str:
        return f"{self.name}:{self.method}"


def _rows(data) -> list:
    """The objects of an answer: a page's results, a feed's alerts, a bare list, or one object."""
    if isinstance(data, list):
        return data
    for key in ("results", "alerts"):
        if isinstance(data, dict) and key in data:
            return data[key]
    return [data]


def mou_labels(w: World, data) -> set:
    return {f"{w.key_of(row['owner']['id'])}>{w.key_of(row['partner']['id'])}" for row in _rows(data)}


def agency_labels_by(key: str):
    def labels(w: World, data) -> set:
        return {w.key_of(row[key]) for row in _rows(data)}

    return labels


def agency_slugs(w: World, data) -> set:
    return {w.key_of(row["id"]) for row in _rows(data)}


def labels_of(kind: str, key: str = "id"):
    """Labels of the world's `kind` objects an answer shows (by `key`, their id or a foreign key to one)."""

    def labels(w: World, data) -> set:
        return {w.label(kind, row[key]) for row in _rows(data)}

    return labels


def stale_labels(w: World, data) -> set:
    return {w.actor_of(row["username"]) for row in _rows(data)}


ALL_AGENCIES = {"owner", "partner", "expired", "lapsed", "revoked", "unrelated", "nevada", "federal", "private"}
OWNER_MOUS = {"owner>partner", "owner>expired", "owner>lapsed", "owner>revoked", "private>owner", "owner>unrelated"}
# Refused before any object is looked at: lapsed training, a camera's ingest token used for data, no credentials.
REFUSED = {"untrained": 403, "owner_camera": 403, "partner_camera": 403, "anonymous": 401}
# Investigators of agencies the owner shares nothing with (now): each sees only its own agency's objects.
OUTSIDERS = {
    "expired_partner": "expired",
    "lapsed_partner": "lapsed",
    "revoked_partner": "revoked",
    "unrelated_ca": "unrelated",
    "out_of_state": "nevada",
    "federal": "federal",
}


def outsiders(expected) -> dict:
    """The outsiders' expectation: a status for all, or a function of each one's agency key."""
    return {actor: expected(key) if callable(expected) else expected for actor, key in OUTSIDERS.items()}


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


def _window() -> dict:
    return {
        "start": (timezone.now() - dt.timedelta(days=7)).isoformat(),
        "end": (timezone.now() + dt.timedelta(minutes=1)).isoformat(),
    }


# A partner's search of other agencies' data carries the searcher's attestation (reads.purpose).
PURPOSE = {"purpose": "criminal_investigation", "case_number": "MATRIX-1", "attestation": True}


def _batch_body(w: World) -> dict:
    """One read on the owner's camera: only the owner's ingest token may write it."""
    when = timezone.now() - dt.timedelta(minutes=5)
    read = {"camera": w.cameras["owner"].pk, "captured_at": when.isoformat(), "plate": "4MTX321", "source_id": "mx-1"}
    return {"reads": [read]}


def _openalpr_body(w: World) -> dict:
    """An agent's alpr_group for the owner's mapped camera: another agency's token finds no camera of its own."""
    epoch = int((timezone.now() - dt.timedelta(minutes=3)).timestamp() * 1000)
    return {
        "data_type": "alpr_group",
        "version": 1,
        "epoch_start": epoch,
        "epoch_end": epoch + 800,
        "agent_uid": AGENT_UID,
        "camera_id": AGENT_CAMERA,
        "uuids": ["mx-a"],
        "best_uuid": "mx-a",
        "best_plate_number": "4MTX322",
        "best_confidence": 91.2,
        "best_region": "us-ca",
        "best_plate": {"plate": "4MTX322", "confidence": 91.2, "region": "us-ca", "candidates": []},
    }


def _upload_body(w: World) -> dict:
    image = SimpleUploadedFile("matrix.png", PNG + b"upload", content_type="image/png")
    return {"camera": w.cameras["owner"].pk, "captured_at": timezone.now().isoformat(), "images": [image]}


def _import_body(w: World) -> dict:
    return {"file": SimpleUploadedFile("add.csv", b"plate,state\n6MTX111,CA\n"), "format": "csv"}


def _count(model, **filters) -> Callable[[], int]:
    return lambda: model.objects.filter(**filters).count()


# Who holds a role's permission for an endpoint decides the 403s; whose object it is decides the 404s.
INVESTIGATORS = {"owner_investigator", "partner_investigator", *OUTSIDERS}
CLERKS = {"owner_clerk", "partner_clerk", "private_clerk"}
AUDITORS = {"owner_auditor", "partner_auditor"}


def only(actors, value) -> dict:
    return dict.fromkeys(actors, value)


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
            owner_auditor=(200, OWNER_MOUS),
            partner_clerk=(200, {"owner>partner"}),
            partner_investigator=(200, {"owner>partner"}),
            partner_auditor=(200, {"owner>partner"}),
            expired_partner=(200, {"owner>expired"}),
            lapsed_partner=(200, {"owner>lapsed"}),
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
        writes=_count(MOU),
    ),
    Row(
        "mou-detail",
        "get",
        everyone(
            404,
            **only({"owner_clerk", "owner_investigator", "owner_auditor"}, (200, {"owner>partner"})),
            **only({"partner_clerk", "partner_investigator", "partner_auditor"}, (200, {"owner>partner"})),
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
        writes=_count(MOU, status="active"),
    ),
    Row(
        "mou-revoke",
        "post",
        everyone(403, owner_clerk=200, private_clerk=404, anonymous=401),
        args=lambda w: [w.mous["owner>partner"].pk],
        body=lambda w: {"reason": "Matrix test."},
        writes=_count(MOU, status="revoked"),
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
        everyone(
            403,
            owner_clerk=200,
            owner_auditor=200,
            partner_clerk=200,
            partner_auditor=200,
            private_clerk=404,
            anonymous=401,
        ),
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
    # -- reads: whose reads and cameras each caller reaches follows the MOUs in effect (search scope)
    Row(
        "read-search",
        "post",
        everyone(
            403,
            owner_investigator=(200, {"owner", "private"}),
            partner_investigator=(200, {"partner", "owner"}),
            **outsiders(lambda key: (200, {key})),
            anonymous=401,
        ),
        body=lambda w: {"plate": PLATE, **_window(), **PURPOSE},
        sees=agency_labels_by("agency_id"),
        writes=_count(AccessLogEntry),
    ),
    Row(
        "read-image",
        "get",
        everyone(403, owner_investigator=200, partner_investigator=200, **outsiders(404), anonymous=401),
        args=lambda w: [w.pk("read", "owner")],
        query=lambda w: PURPOSE,
        writes=_count(AccessLogEntry),
    ),
    Row(
        "camera-list",
        "get",
        everyone(
            403,
            **only({"owner_clerk", "owner_investigator", "owner_auditor"}, (200, {"owner", "private"})),
            **only({"partner_clerk", "partner_investigator", "partner_auditor"}, (200, {"partner", "owner"})),
            **outsiders(lambda key: (200, {key})),
            private_clerk=(200, {"private"}),
            anonymous=401,
        ),
        sees=agency_labels_by("agency_id"),
    ),
    Row(
        "camera-detail",
        "get",
        everyone(
            404,
            **only({"owner_clerk", "owner_investigator", "owner_auditor"}, (200, {"owner"})),
            **only({"partner_clerk", "partner_investigator", "partner_auditor"}, (200, {"owner"})),
            **REFUSED,
        ),
        args=lambda w: [w.cameras["owner"].pk],
        sees=agency_labels_by("agency_id"),
    ),
    # -- ingest: only an ingest token writes, and only to its own agency's cameras; a person's API token is refused
    Row(
        "read-batch",
        "post",
        everyone(401, owner_camera=201, partner_camera=400),
        body=_batch_body,
        writes=_count(Read),
    ),
    Row(
        "ingest-openalpr",
        "post",
        everyone(401, owner_camera=201, partner_camera=400),
        body=_openalpr_body,
        writes=_count(Read),
    ),
    # -- evidence holds: the agency's own; a partner may search the owner's reads but not hold them
    Row(
        "evidencehold-list",
        "get",
        everyone(
            403,
            **only({"owner_investigator", "owner_auditor"}, (200, {"owner"})),
            **only({"partner_investigator", "partner_auditor"}, (200, {"partner"})),
            **outsiders((200, set())),
            anonymous=401,
        ),
        sees=labels_of("hold"),
    ),
    Row(
        "evidencehold-list",
        "post",
        everyone(403, owner_investigator=201, partner_investigator=400, **outsiders(400), anonymous=401),
        body=lambda w: {"case_number": "MATRIX-2", "reason": "Matrix.", "read_ids": [w.pk("read", "owner")]},
        writes=_count(EvidenceHold),
    ),
    Row(
        "evidencehold-detail",
        "get",
        everyone(
            403,
            **only({"owner_investigator", "owner_auditor"}, (200, {"owner"})),
            **only({"partner_investigator", "partner_auditor", *OUTSIDERS}, 404),
            anonymous=401,
        ),
        args=lambda w: [w.pk("hold", "owner")],
        sees=labels_of("hold"),
    ),
    Row(
        "evidencehold-release",
        "post",
        everyone(403, owner_investigator=200, partner_investigator=404, **outsiders(404), anonymous=401),
        args=lambda w: [w.pk("hold", "owner")],
        body=lambda w: {"reason": "Case closed."},
        writes=_count(EvidenceHold, released_at__isnull=False),
    ),
    # -- audit: the agency's own auditors only; purge runs are the system's, one for all agencies
    Row(
        "access-log-list",
        "get",
        everyone(
            403, owner_auditor=(200, {"owner"}), partner_auditor=(200, {"partner", "partner>owner"}), anonymous=401
        ),
        sees=labels_of("log"),
    ),
    # -- the owner's view of partner searches of its data, with names
    Row(
        "partner-search-list",
        "get",
        everyone(403, owner_auditor=(200, {"partner>owner"}), partner_auditor=(200, set()), anonymous=401),
        sees=labels_of("log"),
    ),
    Row(
        "partner-search-detail",
        "get",
        everyone(403, owner_auditor=(200, {"partner>owner"}), partner_auditor=404, anonymous=401),
        args=lambda w: [w.pk("log", "partner>owner")],
        sees=labels_of("log"),
    ),
    Row(
        "partner-search-report",
        "get",
        # Each auditor gets its own agency's report (the partner's lists no search of its data).
        everyone(403, owner_auditor=200, partner_auditor=200, anonymous=401),
        args=lambda w: ["csv"],
        query=lambda w: {"month": f"{timezone.localdate():%Y-%m}"},
    ),
    Row(
        "access-log-detail",
        "get",
        everyone(403, owner_auditor=(200, {"owner"}), partner_auditor=404, anonymous=401),
        args=lambda w: [w.pk("log", "owner")],
        sees=labels_of("log"),
    ),
    Row(
        "search-audit-list",
        "get",
        everyone(403, owner_auditor=(200, {"owner", "owner-empty"}), partner_auditor=(200, {"partner"}), anonymous=401),
        sees=labels_of("audit"),
    ),
    Row(
        "search-audit-list",
        "post",
        # Each auditor opens an audit of its own agency.
        everyone(403, owner_auditor=(201, {"owner"}), partner_auditor=(201, {"partner"}), anonymous=401),
        body=lambda w: {"period_start": str(timezone.localdate()), "period_end": str(timezone.localdate())},
        sees=agency_labels_by("agency"),
        writes=_count(SearchAudit),
    ),
    Row(
        "search-audit-detail",
        "get",
        everyone(403, owner_auditor=(200, {"owner"}), partner_auditor=404, anonymous=401),
        args=lambda w: [w.pk("audit", "owner")],
        sees=labels_of("audit"),
    ),
    Row(
        "search-audit-close",
        "post",
        everyone(403, owner_auditor=200, partner_auditor=404, anonymous=401),
        args=lambda w: [w.pk("audit", "owner-empty")],
        writes=_count(SearchAudit, closed_at__isnull=False),
    ),
    Row(
        "search-audit-review",
        "post",
        everyone(403, owner_auditor=200, partner_auditor=404, anonymous=401),
        args=lambda w: [w.pk("audit", "owner"), w.pk("sample", "owner")],
        body=lambda w: {"finding": "compliant"},
        writes=_count(SearchAuditSample, reviewed_at__isnull=False),
    ),
    Row(
        "stale-accounts",
        "get",
        everyone(403, owner_auditor=(200, {"untrained"}), partner_auditor=(200, set()), anonymous=401),
        sees=stale_labels,
    ),
    Row(
        "purgerun-list",
        "get",
        everyone(403, owner_auditor=(200, {"run"}), partner_auditor=(200, {"run"}), anonymous=401),
        sees=labels_of("run"),
    ),
    # -- hotlists: the agency's own, plus the owner's for a partner holding the hotlists scope; changed by the owner
    Row(
        "hotlist-list",
        "get",
        everyone(
            403,
            **only({"owner_clerk", "owner_investigator"}, (200, {"owner"})),
            **only({"partner_clerk", "partner_investigator"}, (200, {"partner", "owner"})),
            **outsiders(lambda key: (200, {key})),
            private_clerk=(200, {"private"}),
            anonymous=401,
        ),
        sees=labels_of("hotlist"),
    ),
    Row(
        "hotlist-detail",
        "get",
        everyone(
            403,
            **only({"owner_clerk", "owner_investigator", "partner_clerk", "partner_investigator"}, (200, {"owner"})),
            **outsiders(404),
            private_clerk=404,
            anonymous=401,
        ),
        args=lambda w: [w.pk("hotlist", "owner")],
        sees=labels_of("hotlist"),
    ),
    Row(
        "hotlist-import-file",
        "post",
        # The partner sees the owner's list (hotlists scope), so it is told it may not change it.
        everyone(403, owner_clerk=201, private_clerk=404, anonymous=401),
        args=lambda w: [w.pk("hotlist", "owner")],
        body=_import_body,
        multipart=True,
        writes=_count(HotlistImport),
    ),
    Row(
        "hotlistentry-list",
        "get",
        everyone(
            403,
            **only({"owner_clerk", "owner_investigator"}, (200, {"owner"})),
            **only({"partner_clerk", "partner_investigator"}, (200, {"partner", "owner"})),
            **outsiders(lambda key: (200, {key})),
            private_clerk=(200, {"private"}),
            anonymous=401,
        ),
        sees=labels_of("hotlist", "hotlist"),
    ),
    Row(
        "hotlistentry-list",
        "post",
        # Only the owner's own lists are offered: for anyone else the owner's list is not a valid choice.
        everyone(400, owner_clerk=201, owner_investigator=201, **only(AUDITORS, 403), **REFUSED),
        body=lambda w: {"hotlist": w.pk("hotlist", "owner"), "plate": "6MTX222", "plate_state": "CA"},
        writes=_count(HotlistEntry),
    ),
    Row(
        "hotlistentry-detail",
        "get",
        everyone(
            403,
            **only({"owner_clerk", "owner_investigator", "partner_clerk", "partner_investigator"}, (200, {"owner"})),
            **outsiders(404),
            private_clerk=404,
            anonymous=401,
        ),
        args=lambda w: [w.pk("entry", "owner")],
        sees=labels_of("entry"),
    ),
    Row(
        "hotlistentry-detail",
        "delete",
        everyone(403, owner_clerk=204, private_clerk=404, anonymous=401),
        args=lambda w: [w.pk("entry", "owner")],
        writes=_count(HotlistEntry),
    ),
    Row(
        "hotlistimport-list",
        "get",
        everyone(
            403,
            **only({"owner_clerk", "owner_auditor"}, (200, {"owner"})),
            **only({"partner_clerk", "partner_auditor"}, (200, {"partner"})),
            private_clerk=(200, set()),
            anonymous=401,
        ),
        sees=labels_of("import"),
    ),
    Row(
        "hotlistimport-detail",
        "get",
        everyone(
            403,
            **only({"owner_clerk", "owner_auditor"}, (200, {"owner"})),
            **only({"partner_clerk", "partner_auditor", "private_clerk"}, 404),
            anonymous=401,
        ),
        args=lambda w: [w.pk("import", "owner")],
        sees=labels_of("import"),
    ),
    # -- alerts: an alert is the hotlist's agency's. The owner's reads reach the partner's hotlists (alerts scope);
    # the mall's reach the owner's; an expired or revoked MOU routes nothing.
    *[
        Row(
            name,
            "get",
            everyone(
                403,
                owner_investigator=(200, {"owner/owner", "owner/private"}),
                partner_investigator=(200, {"partner/partner", "partner/owner"}),
                **outsiders(lambda key: (200, {f"{key}/{key}"})),
                anonymous=401,
            ),
            query=query,
            sees=labels_of("alert"),
        )
        for name, query in (("alert-list", None), ("alert-feed", lambda w: {"since": "0-0", "wait": "0"}))
    ],
    Row(
        "alert-detail",
        "get",
        everyone(
            403,
            owner_investigator=(200, {"owner/owner"}),
            **only(INVESTIGATORS - {"owner_investigator"}, 404),
            anonymous=401,
        ),
        args=lambda w: [w.pk("alert", "owner/owner")],
        sees=labels_of("alert"),
    ),
    Row(
        "alert-detail",
        "get",
        # The partner's hit on the owner's read is the partner's to work: the owner does not see it.
        everyone(
            403,
            partner_investigator=(200, {"partner/owner"}),
            **only(INVESTIGATORS - {"partner_investigator"}, 404),
            anonymous=401,
        ),
        args=lambda w: [w.pk("alert", "partner/owner")],
        sees=labels_of("alert"),
    ),
    Row(
        "alert-transition",
        "post",
        everyone(403, owner_investigator=200, **only(INVESTIGATORS - {"owner_investigator"}, 404), anonymous=401),
        args=lambda w: [w.pk("alert", "owner/owner")],
        body=lambda w: {"to_status": "acknowledged"},
        writes=_count(AlertEvent),
    ),
    # -- recognition: an agency's own jobs, never shared; uploads only to its own cameras
    Row(
        "recognition-upload",
        "post",
        everyone(
            403,
            owner_investigator=202,
            owner_camera=202,
            partner_investigator=400,
            partner_camera=400,
            **outsiders(400),
            anonymous=401,
        ),
        body=_upload_body,
        multipart=True,
        writes=_count(RecognitionJob),
    ),
    Row(
        "recognition-job-list",
        "get",
        everyone(
            403,
            owner_investigator=(200, {"owner"}),
            partner_investigator=(200, {"partner"}),
            **outsiders((200, set())),
            anonymous=401,
        ),
        sees=labels_of("job"),
    ),
    Row(
        "recognition-job-detail",
        "get",
        everyone(
            403, owner_investigator=(200, {"owner"}), **only(INVESTIGATORS - {"owner_investigator"}, 404), anonymous=401
        ),
        args=lambda w: [w.pk("job", "owner")],
        sees=labels_of("job"),
    ),
    # The public transparency portal's figures: no sign-in, the same for everyone.
    Row("api-transparency", "get", everyone(200), args=lambda w: [w.agencies["owner"].slug]),
]


# -- admin changelists -----------------------------------------------------------------------------------------


def _role_may_view(role, model) -> bool:
    names = set(ROLE_PERMISSIONS[role])
    label, name = model._meta.app_label, model._meta.model_name
    return f"{label}.view_{name}" in names or f"{label}.change_{name}" in names


def _admin_default(model) -> dict:
    """Non-staff callers are sent to sign in; staff reach what their role's permissions name."""
    staff = {actor: 200 if _role_may_view(PEOPLE[actor][1], model) else 403 for actor in STAFF}
    return everyone(302, **staff)


def mou_admin_labels(w: World, rows) -> set:
    return {f"{w.key_of(mou.owner_id)}>{w.key_of(mou.partner_id)}" for mou in rows}


def admin_labels(kind: str, attr: str = "pk"):
    def labels(w: World, rows) -> set:
        return {w.label(kind, getattr(obj, attr)) for obj in rows}

    return labels


def admin_agency_labels(w: World, rows) -> set:
    return {w.key_of(obj.agency_id) for obj in rows}


def own_records(actors, *, owner=None, partner=None, private=None) -> dict:
    """Admin is where an agency keeps its own records: each staff caller sees its own agency's, shared or not."""
    seen = {"owner": owner, "partner": partner, "private": private}
    return {actor: (200, seen[actor.split("_")[0]]) for actor in actors}


# Changelists with what each caller sees listed; every other registered model gets _admin_default's statuses.
ADMIN_ROWS = {
    "reads.camera": (
        everyone(302, **own_records(STAFF, owner={"owner"}, partner={"partner"}, private={"private"})),
        admin_agency_labels,
    ),
    "hotlists.hotlist": (
        everyone(
            302,
            **own_records(CLERKS, owner={"owner"}, partner={"partner"}, private={"private"}),
            **only(AUDITORS, 403),
        ),
        admin_labels("hotlist"),
    ),
    "hotlists.hotlistentry": (
        everyone(
            302,
            **own_records(CLERKS, owner={"owner"}, partner={"partner"}, private={"private"}),
            **only(AUDITORS, 403),
        ),
        admin_labels("hotlist", "hotlist_id"),
    ),
    "hotlists.hotlistimport": (
        everyone(302, **own_records(STAFF, owner={"owner"}, partner={"partner"}, private=set())),
        admin_labels("import"),
    ),
    "reads.evidencehold": (
        everyone(302, **own_records(AUDITORS, owner={"owner"}, partner={"partner"}), **only(CLERKS, 403)),
        admin_labels("hold"),
    ),
    "reads.accesslogentry": (
        everyone(
            302, **own_records(AUDITORS, owner={"owner"}, partner={"partner", "partner>owner"}), **only(CLERKS, 403)
        ),
        admin_labels("log"),
    ),
    "reads.partnersearch": (
        everyone(302, **own_records(AUDITORS, owner={"partner>owner"}, partner=set()), **only(CLERKS, 403)),
        admin_labels("log"),
    ),
    "reads.searchaudit": (
        everyone(
            302, **own_records(AUDITORS, owner={"owner", "owner-empty"}, partner={"partner"}), **only(CLERKS, 403)
        ),
        admin_labels("audit"),
    ),
    "reads.purgerun": (  # the system's runs, one for all agencies
        everyone(302, **own_records(AUDITORS, owner={"run"}, partner={"run"}), **only(CLERKS, 403)),
        admin_labels("run"),
    ),
    "sharing.mou": (
        everyone(
            302,
            owner_clerk=(200, OWNER_MOUS),
            owner_auditor=(200, OWNER_MOUS),
            partner_clerk=(200, {"owner>partner"}),
            partner_auditor=(200, {"owner>partner"}),
            private_clerk=(200, {"private>owner"}),
        ),
        mou_admin_labels,
    ),
    "sharing.sharingrefusal": (everyone(302, **only(STAFF, 200)), None),
}


# -- running a row -----------------------------------------------------------------------------------------------


def _api_client(world: World, actor: str) -> APIClient:
    client = APIClient()
    if actor != "anonymous":
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.secrets[actor]}")
    return client


def _call(world: World, row: Row, actor: str) -> tuple[object, str | None]:
    """One call, in a savepoint rolled back afterwards, so that no call sees another's writes. Returns what it got
    and, for a row that counts its writes, what is wrong with them (or None)."""
    url = reverse(row.name, args=row.args(world))
    client = _api_client(world, actor)
    wrote = None
    with transaction.atomic():
        body = row.body(world) if row.body else None
        before = row.writes() if row.writes else None
        if row.multipart:
            response = getattr(client, row.method)(url, body or {}, format="multipart")
        elif row.method == "get":
            response = client.get(url, row.query(world) if row.query else None)
        elif row.method == "delete":
            response = client.delete(url)
        else:
            response = getattr(client, row.method)(url, body or {}, format="json")
        got = response.status_code
        if row.writes:
            after = row.writes()
            if got >= 400 and after != before:
                wrote = f"refused ({got}) yet wrote ({before} -> {after} rows)"
            elif got < 400 and after == before:
                wrote = f"accepted ({got}) yet wrote nothing"
        if row.sees and 200 <= got < 300:
            got = (got, row.sees(world, response.json()))
        transaction.set_rollback(True)
    return got, wrote


def test_api_authorization_matrix(world):
    """Every row, every actor; all mismatches reported together, one line each."""
    wrong = []
    for row in API_ROWS:
        for actor, expected in row.expect.items():
            got, wrote = _call(world, row, actor)
            if not isinstance(expected, tuple) and isinstance(got, tuple):
                got = got[0]
            if got != expected:
                wrong.append(f"{row.id} {row.args(world)} as {actor}: expected {expected}, got {got}")
            if wrote:
                wrong.append(f"{row.id} as {actor}: {wrote}")
    assert not wrong, "\n".join(wrong)


def _admin_client(world: World, actor: str) -> Client:
    if actor == "anonymous":
        return Client()
    if actor in CAMERAS:  # a token is no way into admin
        return Client(HTTP_AUTHORIZATION=f"Token {world.secrets[actor]}")
    if actor in STAFF:
        return admin_client_for(world.users[actor])
    client = Client()
    client.force_login(world.users[actor])
    return client


def test_admin_changelist_matrix(world):
    wrong = []
    clients = {actor: _admin_client(world, actor) for actor in ACTORS}
    for model in admin.site._registry:
        expect, sees = ADMIN_ROWS.get(model._meta.label_lower, (_admin_default(model), None))
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for actor, expected in expect.items():
            response = clients[actor].get(url)
            got = response.status_code
            if isinstance(expected, tuple):
                got = (got, sees(world, response.context["cl"].result_list) if got == 200 else None)
            if got != expected:
                wrong.append(f"{model._meta.label} changelist as {actor}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_an_agency_cannot_reclassify_itself_into_a_partner(world):
    """Admin lists every agency and lets a clerk edit its own; kind, state and ORI, which decide whether it may
    receive shared data, are not its to change: a private entity posting "municipal police" stays private."""
    agency = world.agencies["private"]
    url = reverse("admin:agencies_agency_change", args=[agency.pk])
    form = {
        "name": agency.name,
        "slug": agency.slug,
        "ori": "CA0339999",
        "kind": "municipal_police",
        "state": "CA",
        "is_active": "on",
        "retention_days": 45,
        "public_comment_meeting_on": "2024-01-09",
        "public_comment_meeting_url": "",
    }
    response = admin_client_for(world.users["private_clerk"]).post(url, form)
    assert response.status_code == 302
    agency.refresh_from_db()
    assert (agency.kind, agency.ori, agency.retention_days) == ("private_entity", "CA0339901", 45)


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
    covered = {(row.name, row.method) for row in API_ROWS}
    missing = sorted(_api_endpoints() - covered)
    assert not missing, f"API endpoints with no row in the authorization matrix: {missing}"
    stale = sorted(covered - _api_endpoints())
    assert not stale, f"matrix rows for endpoints that no longer exist: {stale}"
    assert {"sharing.mou", "sharing.sharingrefusal"} <= {m._meta.label_lower for m in admin.site._registry}

"""The authorization matrix: every API endpoint and every admin changelist, called as each kind of caller, with
exactly what each may see; and (rows in admin_matrix.py) every admin add, change and delete page, action, form
field's choices and related list filter. Besides the callers below, the owner's agency admin, the owner's officer
and a superuser of no agency call everything too (matrix_world.ADMIN_ONLY_PEOPLE; MORE_CALLERS, ADMIN_MORE).

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
- the admin's locks, in the tree and restored: one admin's choices opened (ProgramCostAdmin offering every agency)
  fails the form-choices test (every clerk offered all agencies, autocomplete too) and the forged adds by choices
  (the forged cost saved); the check after save disabled fails the forged adds by that check alone (all 19).
- the admin pages of an admin's own (VIEW_ROWS), in the tree and restored: the MOU document served by id alone
  (`MOU.objects` instead of the restricted `get_object`) fails 13 calls (6 by another agency's staff, who get the
  document; 7 with a bad id, a 500); the hotlist import looking the list up unrestricted fails 15 (another
  agency's records staff open, preview and queue an import); an authenticator app's QR code without the own-user
  check fails 2; the recognition upload without the choke point's refusal fails 3 (a superuser of no agency) and
  the training test.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import get_fields_from_path
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.forms import ModelChoiceField
from django.forms.models import model_to_dict
from django.test import Client, RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from agencies.access import holding_of
from agencies.choices import Role
from agencies.roles import ROLE_PERMISSIONS, STAFF_ROLES
from common.admin import RestrictedAdmin, RestrictedFormFieldsMixin, RestrictedInlineMixin
from hotlists.models import AlertEvent, AlertHoldItem, HotlistEntry, HotlistImport
from reads.models import AccessLogEntry, Camera, EvidenceHold, Read, SearchAudit, SearchAuditSample
from recognition.models import RecognitionJob
from sharing.models import MOU

from .admin_matrix import (
    ACTION_ROWS,
    ADD_FIELD_CHOICES,
    ALL,
    CHANGE_FIELD_CHOICES,
    FORGED_ADDS,
    LIST_FILTER_CHOICES,
    PAGE_ROWS,
    STAFF_ACTORS,
    SUPERUSER_ONLY_MODELS,
    VIEW_ROWS,
)
from .conftest import admin_client_for, signed_pdf
from .matrix_world import (
    ADMIN_ACTORS,
    AGENT_CAMERA,
    AGENT_UID,
    CAMERAS,
    PEOPLE,
    PLATE,
    PNG,
    World,
    build_world,
)

pytestmark = pytest.mark.django_db

STAFF = {actor for actor, (_, role, _) in PEOPLE.items() if role in STAFF_ROLES and actor not in CAMERAS}


def everyone(default, **overrides) -> dict:
    """An expectation for every actor (the admin matrix's callers too: superuser, agency admin, officer):
    `default`, except those named."""
    unknown = set(overrides) - set(ADMIN_ACTORS)
    assert not unknown, f"unknown actors {unknown}"
    return {actor: overrides.get(actor, default) for actor in ADMIN_ACTORS}


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
# The sharing events of those MOUs (matrix_world labels them "<MOU> <kind>"): the draft has none.
OWNER_EVENTS = {
    "owner>partner activated",
    "owner>expired activated",
    "owner>expired expired",
    "owner>lapsed activated",
    "owner>revoked activated",
    "owner>revoked revoked",
    "private>owner activated",
}
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


def _peer_camera(w: World, peer: str, external_id: str) -> None:
    """The owner's camera as the peer names it (inside the row's savepoint): another agency's token finds none."""
    Camera.objects.create(
        agency=w.agencies["owner"], name=f"Matrix {peer}", location=w.cameras["owner"].location, peer=peer,
        external_id=external_id, is_active=True,
    )  # fmt: skip


def _peer_body(peer: str):
    """A one-read message in the peer's own shape, for the owner's camera mapped to that peer."""

    def body(w: World):
        at = timezone.now() - dt.timedelta(minutes=3)
        _peer_camera(w, peer, "matrix-cam")
        if peer == "frigate":
            return {
                "type": "new",
                "after": {
                    "id": "mx-1",
                    "camera": "matrix-cam",
                    "start_time": at.timestamp(),
                    "recognized_license_plate": "4MTX323",
                    "recognized_license_plate_score": 0.9,
                },
            }
        if peer == "platerecognizer":
            return {
                "hook": {"event": "recognition"},
                "data": {
                    "camera_id": "matrix-cam",
                    "timestamp": at.isoformat(),
                    "results": [{"plate": "4mtx323", "score": 0.9}],
                },
            }
        if peer == "axis":
            event = {
                "plateText": "4MTX323",
                "capture_timestamp": str(int(at.timestamp() * 1000)),
                "carID": "1",
                "camera_info": {"SerialNumber": "matrix-cam"},
            }
            return {"event": SimpleUploadedFile("event.json", json.dumps(event).encode(), "application/json")}
        if peer == "hikvision":
            xml = (
                f"<EventNotificationAlert><ipAddress>matrix-cam</ipAddress><channelID>1</channelID>"
                f"<dateTime>{at.isoformat()}</dateTime><eventType>ANPR</eventType><channelName>matrix-cam"
                f"</channelName><ANPR><licensePlate>4MTX323</licensePlate></ANPR></EventNotificationAlert>"
            )
            return {"anpr.xml": SimpleUploadedFile("anpr.xml", xml.encode(), "text/xml")}
        return {"PlateRead": "4MTX323", "LprCameraName": "matrix-cam", "Timestamp": at.isoformat(), "Id": "mx-1"}

    return body


def _upload_body(w: World) -> dict:
    image = SimpleUploadedFile("matrix.png", PNG + b"upload", content_type="image/png")
    return {"camera": w.cameras["owner"].pk, "captured_at": timezone.now().isoformat(), "images": [image]}


def _import_body(w: World) -> dict:
    return {"file": SimpleUploadedFile("add.csv", b"plate,state\n6MTX111,CA\n"), "format": "csv"}


def _places_body(w: World) -> dict:
    """Two places, both the owner's camera: its read of PLATE is at both; another agency's camera is refused."""
    place = {"cameras": [w.cameras["owner"].pk], **_window()}
    return {"places": [place, place], **PURPOSE}


def _evidence_agencies(w: World, data) -> set:
    """Labels of the agencies whose reads an analysis shows as evidence."""
    reads = [
        item[side]
        for result in data.get("results", [])
        for item in result.get("evidence", [])
        for side in ("target", "companion", "read")
        if item.get(side)
    ]
    if isinstance(data.get("places"), list):
        reads += [read for place in data["places"] for read in place["evidence"]]
    return {w.key_of(read["agency_id"]) for read in reads}


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
    # -- analyses: as a search, over the agencies each caller may search; a camera of another is refused (400)
    *[
        Row(
            name,
            "post",
            everyone(
                403,
                owner_investigator=(200, {"owner", "private"}) if sees else 200,
                partner_investigator=(200, {"partner", "owner"}) if sees else 200,
                **outsiders(lambda key, sees=sees: (200, {key}) if sees else 200),
                anonymous=401,
            ),
            body=lambda w: {"plate": PLATE, **_window(), **PURPOSE},
            sees=_evidence_agencies if sees else None,
            writes=_count(AccessLogEntry),
        )
        for name, sees in (
            ("analysis-locate", True),
            ("analysis-locate-export", False),
            ("analysis-convoy", False),
            ("analysis-convoy-export", False),
        )
    ],
    *[
        Row(
            name,
            "post",
            everyone(
                403,
                owner_investigator=(200, {"owner"}) if sees else 200,
                partner_investigator=(200, {"owner"}) if sees else 200,
                **outsiders(400),
                anonymous=401,
            ),
            body=_places_body,
            sees=_evidence_agencies if sees else None,
            writes=_count(AccessLogEntry),
        )
        for name, sees in (("analysis-places", True), ("analysis-places-export", False))
    ],
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
    *[
        Row(
            f"ingest-{peer}",
            "post",
            everyone(401, owner_camera=201, partner_camera=400),
            body=_peer_body(peer),
            multipart=peer in ("axis", "hikvision"),
            writes=_count(Read),
        )
        for peer in ("frigate", "platerecognizer", "axis", "hikvision", "genetec")
    ],
    # -- cameras: a records clerk creates and changes its own agency's cameras (a partner sees the owner's, only)
    Row(
        "camera-list",
        "post",
        everyone(403, **only(CLERKS, 201), anonymous=401),
        body=lambda w: {"name": "Matrix new camera", "kind": "mobile", "peer": "frigate", "external_id": "mx-new"},
        writes=_count(Camera),
    ),
    Row(
        "camera-detail",
        "patch",
        everyone(403, owner_clerk=200, private_clerk=404, anonymous=401),
        args=lambda w: [w.cameras["owner"].pk],
        body=lambda w: {"peer": "genetec", "external_id": "Matrix SharpV", "time_zone": "America/Los_Angeles"},
    ),
    Row(
        "camera-placement",
        "post",
        everyone(403, owner_clerk=200, private_clerk=404, anonymous=401),
        args=lambda w: [w.cameras["owner"].pk],
        body=lambda w: {"placement": "arterial"},
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
        everyone(403, owner_clerk=202, private_clerk=404, anonymous=401),
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
    Row(
        "alert-hold",
        "post",
        everyone(403, owner_investigator=201, **only(INVESTIGATORS - {"owner_investigator"}, 404), anonymous=401),
        args=lambda w: [w.pk("alert", "owner/owner")],
        body=lambda w: {"case_number": "MATRIX-HOLD", "reason": "Evidence of a stolen car"},
        writes=_count(AlertHoldItem),
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


# The admin matrix's callers in the API. The owner's agency admin holds the permissions of every role of its agency:
# on each row it fares as the owner's actor named here. The owner's officer searches, sees cameras, hotlists and
# alerts and works them, as the owner's investigator does; nothing else. The superuser, an operator who belongs to
# no agency, reaches no ALPR data (403), as everyone's default on most rows already says.
INV, CLERK, AUDITOR = "owner_investigator", "owner_clerk", "owner_auditor"
OFFICER_AS_INVESTIGATOR = {"owner_admin": INV, "owner_officer": INV}
MORE_CALLERS = {
    "agency-list:get": {"superuser": 403},
    "agency-detail:get": {"superuser": 403},
    "mou-list:get": {**OFFICER_AS_INVESTIGATOR, "superuser": 403},
    "mou-list:post": {"owner_admin": CLERK},
    "mou-detail:get": {**OFFICER_AS_INVESTIGATOR, "superuser": 403},
    "mou-activate:post": {"owner_admin": CLERK},
    "mou-revoke:post": {"owner_admin": CLERK},
    "mou-renew:post": {"owner_admin": CLERK},
    "mou-document:get": {"owner_admin": CLERK},
    "mou-document:post": {"owner_admin": CLERK},
    "read-search:post": OFFICER_AS_INVESTIGATOR,
    "camera-list:post": {"owner_admin": CLERK},
    "partner-search-list:get": {"owner_admin": AUDITOR},
    "partner-search-detail:get": {"owner_admin": AUDITOR},
    "partner-search-report:get": {"owner_admin": AUDITOR},
    "camera-detail:patch": {"owner_admin": CLERK},
    "camera-placement:post": {"owner_admin": CLERK},
    **{f"analysis-{name}:post": OFFICER_AS_INVESTIGATOR for name in ("convoy", "places", "locate")},
    **{f"analysis-{name}-export:post": {"owner_admin": INV} for name in ("convoy", "places", "locate")},
    "read-image:get": OFFICER_AS_INVESTIGATOR,
    "camera-list:get": OFFICER_AS_INVESTIGATOR,
    "camera-detail:get": {**OFFICER_AS_INVESTIGATOR, "superuser": 403},
    "evidencehold-list:get": {"owner_admin": INV},
    "evidencehold-list:post": {"owner_admin": INV},
    "evidencehold-detail:get": {"owner_admin": INV},
    "evidencehold-release:post": {"owner_admin": INV},
    "access-log-list:get": {"owner_admin": AUDITOR},
    "access-log-detail:get": {"owner_admin": AUDITOR},
    "search-audit-list:get": {"owner_admin": AUDITOR},
    "search-audit-list:post": {"owner_admin": AUDITOR},
    "search-audit-detail:get": {"owner_admin": AUDITOR},
    "search-audit-close:post": {"owner_admin": AUDITOR},
    "search-audit-review:post": {"owner_admin": AUDITOR},
    "stale-accounts:get": {"owner_admin": AUDITOR},
    "purgerun-list:get": {"owner_admin": AUDITOR},
    "hotlist-list:get": OFFICER_AS_INVESTIGATOR,
    "hotlist-detail:get": OFFICER_AS_INVESTIGATOR,
    "hotlist-import-file:post": {"owner_admin": CLERK},
    "hotlistentry-list:get": OFFICER_AS_INVESTIGATOR,
    "hotlistentry-list:post": {"owner_admin": CLERK, "owner_officer": 403, "superuser": 403},
    "hotlistentry-detail:get": OFFICER_AS_INVESTIGATOR,
    "hotlistentry-detail:delete": {"owner_admin": CLERK},
    "hotlistimport-list:get": {"owner_admin": CLERK},
    "hotlistimport-detail:get": {"owner_admin": CLERK},
    "alert-list:get": OFFICER_AS_INVESTIGATOR,
    "alert-feed:get": OFFICER_AS_INVESTIGATOR,
    "alert-detail:get": OFFICER_AS_INVESTIGATOR,
    "alert-transition:post": OFFICER_AS_INVESTIGATOR,
    "alert-hold:post": {"owner_admin": INV},
    "recognition-upload:post": {"owner_admin": INV},
    "recognition-job-list:get": {"owner_admin": INV},
    "recognition-job-detail:get": {"owner_admin": INV},
}
for _row in API_ROWS:
    for _actor, _value in MORE_CALLERS.get(_row.id, {}).items():
        _row.expect[_actor] = _row.expect[_value] if isinstance(_value, str) else _value


# -- admin changelists -----------------------------------------------------------------------------------------


def _role_may_view(role, model) -> bool:
    names = set(ROLE_PERMISSIONS[role])
    label, name = model._meta.app_label, model._meta.model_name
    return f"{label}.view_{name}" in names or f"{label}.change_{name}" in names


def _admin_default(model) -> dict:
    """Non-staff callers are sent to sign in; staff reach what their role's permissions name; a superuser all."""
    staff = {actor: 200 if _role_may_view(PEOPLE[actor][1], model) else 403 for actor in STAFF}
    staff["owner_admin"] = 200 if _role_may_view(Role.AGENCY_ADMIN, model) else 403
    return everyone(302, superuser=200, **staff)


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
        everyone(
            302,
            superuser=(200, set()),
            owner_admin=(200, {"partner>owner"}),
            **own_records(AUDITORS, owner={"partner>owner"}, partner=set()),
            **only(CLERKS, 403),
        ),
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
    "sharing.sharingevent": (
        everyone(
            302,
            **own_records(
                CLERKS | AUDITORS,
                owner=OWNER_EVENTS,
                partner={"owner>partner activated"},
                private={"private>owner activated"},
            ),
        ),
        admin_labels("event"),
    ),
}
# The agency's own program records, ingest settings and reminders: each agency's records staff (and, where their
# role reads them, auditors) see their own agency's, never another's.
for _model, _kind, _auditors_read in [
    ("agencies.prohibitedterm", "term", True),
    ("reads.frigatebroker", "broker", False),
    ("reads.cameraplacementnotice", "notice", False),
    ("transparency.publicquestion", "question", True),
    ("transparency.faqentry", "faq", False),
    ("transparency.programfacts", "facts", False),
    ("transparency.programcost", "cost", False),
    ("transparency.councilauthorization", "council", False),
    ("transparency.communitypresentation", "presentation", False),
    ("transparency.surveillanceevaluation", "evaluation", False),
    ("transparency.compliancereport", "compliance", True),
]:
    _owner = {"owner", "owner-published"} if _kind == "evaluation" else {"owner"}
    ADMIN_ROWS[_model] = (
        everyone(
            302,
            **own_records(CLERKS, owner=_owner, partner={"partner"}, private=set()),
            **(own_records(AUDITORS, owner=_owner, partner={"partner"}) if _auditors_read else only(AUDITORS, 403)),
            owner_admin=(200, _owner),
            superuser=(200, _owner | {"partner"}),
        ),
        admin_labels(_kind),
    )


# The admin matrix's staff callers on the changelists: the owner's agency admin sees the owner's records (as the
# owner's clerk or auditor does), the superuser every agency's.
BOTH = {"owner", "partner"}
ADMIN_MORE = {
    "reads.camera": {"owner_admin": {"owner"}, "superuser": ALL_AGENCIES},
    "hotlists.hotlist": {"owner_admin": {"owner"}, "superuser": ALL_AGENCIES},
    "hotlists.hotlistentry": {"owner_admin": {"owner"}, "superuser": ALL_AGENCIES},
    "hotlists.hotlistimport": {"owner_admin": {"owner"}, "superuser": BOTH},
    "reads.evidencehold": {"owner_admin": {"owner"}, "superuser": BOTH},
    "reads.accesslogentry": {"owner_admin": {"owner"}, "superuser": {*BOTH, "partner>owner"}},
    "reads.searchaudit": {"owner_admin": {"owner", "owner-empty"}, "superuser": {*BOTH, "owner-empty"}},
    "reads.purgerun": {"owner_admin": {"run"}, "superuser": {"run"}},
    "sharing.mou": {"owner_admin": OWNER_MOUS, "superuser": OWNER_MOUS},
    "sharing.sharingrefusal": {"owner_admin": None, "superuser": None},
    "sharing.sharingevent": {"owner_admin": OWNER_EVENTS, "superuser": OWNER_EVENTS},
}
for _model, _seen in ADMIN_MORE.items():
    for _actor, _labels in _seen.items():
        ADMIN_ROWS[_model][0][_actor] = 200 if _labels is None else (200, _labels)


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


def test_admin_changelist_matrix(world, matrix_clients):
    wrong = []
    clients = matrix_clients
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


# -- admin writes: pages, form choices, list filters and actions (rows in admin_matrix.py) -----------------------


def _matrix_client(world: World, actor: str) -> Client:
    """The admin matrix's callers: staff with a verified second factor, people without staff rights signed in,
    camera tokens (no way into admin) and anonymous."""
    if actor == "anonymous":
        return Client()
    if actor in CAMERAS:
        return Client(HTTP_AUTHORIZATION=f"Token {world.secrets[actor]}")
    user = world.users[actor]
    if user.is_staff:
        return admin_client_for(user)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture(scope="module")
def matrix_clients(world, django_db_blocker):
    """Signed in once for the module, inside the world's transaction."""
    with django_db_blocker.unblock():
        return {actor: _matrix_client(world, actor) for actor in ADMIN_ACTORS}


def _admin_url(model: str, view: str, *args) -> str:
    app_label, model_name = model.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def _page_outcome(response, kind: str):
    if response.status_code == 302:
        return "login" if response["Location"].startswith(reverse("admin:login")) else "gone"
    if response.status_code == 200 and kind == "change":
        return "change" if response.context["has_change_permission"] else "view"
    return kind if response.status_code == 200 else response.status_code


def _model_admin(model: str):
    return admin.site.get_model_admin(apps.get_model(model))


def _first_target(model: str):
    return next(row.target for row in PAGE_ROWS if row.model == model and row.target)


def test_admin_add_change_delete_pages_matrix(world, matrix_clients):
    """Every page of every ModelAdmin, as every caller; a forged POST to a page the caller may not use for that
    (change or delete) is refused and writes nothing."""
    wrong = []
    for row in PAGE_ROWS:
        target = row.target(world) if row.target else None
        pages = [("add", _admin_url(row.model, "add"), row.add)]
        if target is not None:
            pages.append(("change", _admin_url(row.model, "change", target.pk), row.change))
            pages.append(("delete", _admin_url(row.model, "delete", target.pk), row.delete))
        for kind, url, expect in pages:
            for actor, expected in expect.items():
                got = _page_outcome(matrix_clients[actor].get(url), kind)
                if got != expected:
                    wrong.append(f"{row.name} {kind} page as {actor}: expected {expected}, got {got}")
                if kind == "add" or expected == kind:
                    continue
                # A forged write to a page the caller may only view (or not see): refused, nothing changed.
                with transaction.atomic():
                    before = model_to_dict(type(target)._default_manager.get(pk=target.pk))
                    response = matrix_clients[actor].post(url, {"post": "yes"} if kind == "delete" else {})
                    refused = _page_outcome(response, kind)
                    still = type(target)._default_manager.filter(pk=target.pk).first()
                    if refused not in (403, "gone", "login") or still is None or model_to_dict(still) != before:
                        wrong.append(f"{row.name} forged {kind} POST as {actor}: {refused}, changed: {still is None}")
                    transaction.set_rollback(True)
    assert not wrong, "\n".join(wrong)


def _choice_labels(world: World, queryset, expected):
    """The labels of a field's choices, or ALL when a superuser is offered the whole table."""
    if queryset is None:
        return None
    pks = set(queryset.values_list("pk", flat=True))
    model = queryset.model
    if expected == ALL:
        return ALL if pks == set(model._default_manager.values_list("pk", flat=True)) else pks
    return {_label_of(world, model, pk) for pk in pks}


def _label_of(world: World, model, pk) -> str:
    name = model._meta.label_lower
    if name == "agencies.agency":
        return world.key_of(pk)
    if name == "agencies.user":
        return world.label("user", pk)
    if name == "reads.camera":
        return world.key_of(Camera.objects.get(pk=pk).agency_id)
    if name == "sharing.mou":
        return next((label for label, mou in world.mous.items() if mou.pk == pk), f"mou#{pk}")
    kind = {"hotlists.hotlist": "hotlist", "transparency.publishedreport": "report", "reads.accesslogentry": "log",
            "reads.read": "read"}.get(name, name)  # fmt: skip
    return world.label(kind, pk)


def _form_choice_fields(response) -> dict:
    """`field` or `inline model.field` -> queryset of every model-choice field on an admin form page."""
    found = {}
    for name, formfield in response.context["adminform"].form.fields.items():
        if isinstance(formfield, ModelChoiceField):
            found[name] = formfield.queryset
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, formfield in formset.empty_form.fields.items():
            if isinstance(formfield, ModelChoiceField) and name != formset.model._meta.pk.name:
                found[f"{formset.model._meta.model_name}.{name}"] = formfield.queryset
    return found


def _check_choices(world, matrix_clients, table, page_url, wrong):
    for key, expect in table.items():
        model, name = key.split(":")
        url = page_url(model)
        for actor, expected in expect.items():
            response = matrix_clients[actor].get(url)
            if response.status_code != 200:
                wrong.append(f"{key} as {actor}: the page answered {response.status_code}")
                continue
            got = _choice_labels(world, _form_choice_fields(response).get(name), expected)
            if got != expected:
                wrong.append(f"{key} as {actor}: expected {expected}, got {got}")
            if "." in name or expected in (ALL, None):
                continue
            # The autocomplete endpoint offers the same (where the related admin is searchable).
            field = apps.get_model(model)._meta.get_field(name)
            if not _model_admin(field.related_model._meta.label_lower).get_search_fields(None):
                continue
            app_label, model_name = model.split(".")
            query = {"app_label": app_label, "model_name": model_name, "field_name": name}
            auto = matrix_clients[actor].get(reverse("admin:autocomplete"), query)
            seen = {_label_of(world, field.related_model, int(r["id"])) for r in auto.json()["results"]} if (
                auto.status_code == 200
            ) else set()  # fmt: skip
            if seen != expected:
                wrong.append(f"{key} autocomplete as {actor}: expected {expected}, got {seen}")


def test_admin_form_choices_matrix(world, matrix_clients):
    """Every form field's choices (inlines and autocomplete included) offer each caller only what it may hold."""
    wrong = []
    for key, expect in ADD_FIELD_CHOICES.items():
        model = key.split(":")[0]
        may_add = {actor for row in PAGE_ROWS if row.model == model for actor, got in row.add.items() if got == "add"}
        if set(expect) != may_add:
            wrong.append(f"{key}: rows for {sorted(expect)}, but {sorted(may_add)} may open the add page")
    _check_choices(world, matrix_clients, ADD_FIELD_CHOICES, lambda model: _admin_url(model, "add"), wrong)
    _check_choices(
        world,
        matrix_clients,
        CHANGE_FIELD_CHOICES,
        lambda model: _admin_url(model, "change", _first_target(model)(world).pk),
        wrong,
    )
    assert not wrong, "\n".join(wrong)


def _view_outcome(response):
    if response.status_code == 302:
        return "login" if response["Location"].startswith(reverse("admin:login")) else "redirect"
    return response.status_code


def _call_view(world: World, matrix_clients, row, actor: str):
    """One call of a page of a ModelAdmin's own, in a savepoint rolled back afterwards: its outcome, and what is
    wrong with what it wrote (or None). A POST is sent by a freshly signed-in client, so that what it does to the
    session (a password change starts a new one) stays in the savepoint."""
    url = reverse(row.url_name, args=row.args(world))
    wrote = None
    with transaction.atomic():
        before = row.writes(world) if row.writes else None
        try:
            with transaction.atomic():
                if row.method == "get":
                    response = matrix_clients[actor].get(url, row.query(world) if row.query else None)
                else:
                    response = _matrix_client(world, actor).post(url, row.body(world, actor) if row.body else {})
        except Exception as exc:  # noqa: BLE001 - a server error is one more wrong answer, listed with the others
            transaction.set_rollback(True)
            return f"500 ({type(exc).__name__})", None
        got = _view_outcome(response)
        accepted = got in (200, "redirect")
        if row.writes:
            after = row.writes(world)
            if accepted and after == before:
                wrote = f"accepted ({got}) yet wrote nothing"
            elif not accepted and after != before:
                wrote = f"refused ({got}) yet wrote"
        if got == 200 and row.shows:
            expected = row.expect[actor]
            labels = _choice_labels(world, row.shows(response), expected[1] if isinstance(expected, tuple) else None)
            got = (200, labels)
        transaction.set_rollback(True)
    return got, wrote


def test_admin_views_matrix(world, matrix_clients):
    """Every page a ModelAdmin adds of its own (VIEW_ROWS), as every caller: its answer, what it shows, and that it
    writes only when it accepts (and then does)."""
    wrong = []
    for row in VIEW_ROWS:
        for actor, expected in row.expect.items():
            got, wrote = _call_view(world, matrix_clients, row, actor)
            name = f"{row.url_name} {row.method.upper()}{f' ({row.tries})' if row.tries else ''} as {actor}"
            if got != expected:
                wrong.append(f"{name}: expected {expected}, got {got}")
            if wrote:
                wrong.append(f"{name}: {wrote}")
    assert not wrong, "\n".join(wrong)


def test_an_authenticator_apps_key_is_shown_on_its_own_users_page_only(world, matrix_clients):
    """The change page of a superuser's own authenticator app shows its key; another person's does not, to a
    superuser either (its QR code and configuration pages are refused too: VIEW_ROWS)."""
    client = matrix_clients["superuser"]
    shown = {}
    for owner in ("superuser", "owner_clerk"):
        page = client.get(_admin_url("otp_totp.totpdevice", "change", world.pk("totp", owner)))
        shown[owner] = "key" in page.context["adminform"].form.fields
    assert shown == {"superuser": True, "owner_clerk": False}
    # Nor by the back door: a device cannot be moved to oneself (its user is fixed), and a new device's key is
    # generated, never chosen by whoever adds it.
    theirs = world.pk("totp", "owner_clerk")
    page = client.get(_admin_url("otp_totp.totpdevice", "change", theirs))
    assert "user" not in page.context["adminform"].form.fields
    with transaction.atomic():
        client.post(
            _admin_url("otp_totp.totpdevice", "change", theirs),
            {"user": world.users["superuser"].pk, "name": "mine now", "step": 30, "t0": 0, "digits": 6,
             "tolerance": 1, "drift": 0, "confirmed": "on"},
        )  # fmt: skip
        assert TOTPDevice.objects.get(pk=theirs).user_id == world.users["owner_clerk"].pk
        transaction.set_rollback(True)
    assert "key" not in client.get(_admin_url("otp_totp.totpdevice", "add")).context["adminform"].form.fields


def test_an_upload_for_recognition_in_admin_needs_current_training(world):
    """As through the API: an agency admin whose training lapsed uploads nothing (the choke point's refusal)."""
    user = world.users["owner_admin"]
    today = timezone.localdate()
    with transaction.atomic():
        lapsed = {"completed_on": today - dt.timedelta(days=400), "expires_on": today - dt.timedelta(days=1)}
        user.training_records.update(**lapsed)
        assert admin_client_for(user).get(reverse("admin:recognition_job_upload")).status_code == 403
        transaction.set_rollback(True)
    assert admin_client_for(user).get(reverse("admin:recognition_job_upload")).status_code == 200


def test_every_admin_view_of_its_own_is_in_the_matrix():
    """A ModelAdmin's page beyond list, add, change, delete and history without a row in VIEW_ROWS fails here."""
    standard = {"changelist", "add", "change", "delete", "history"}
    found = set()
    for model, model_admin in admin.site._registry.items():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        for pattern in model_admin.get_urls():
            name = getattr(pattern, "name", None)
            if name and not (name.startswith(prefix) and name.removeprefix(prefix) in standard):
                found.add(name)
    rows = {row.url_name.removeprefix("admin:") for row in VIEW_ROWS}
    problems = [f"admin page {name} has no row in admin_matrix.VIEW_ROWS" for name in sorted(found - rows)]
    problems += [f"row for admin page {name}, which no longer exists" for name in sorted(rows - found)]
    assert not problems, "\n".join(problems)


def _request_as(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _related_filters(model_admin, request) -> dict:
    """path -> filter spec of every related-field list filter of an admin, as the changelist builds them."""
    found = {}
    for spec in model_admin.get_list_filter(request):
        if not isinstance(spec, tuple):
            continue
        path, filter_class = spec
        field = get_fields_from_path(model_admin.model, path)[-1]
        if field.is_relation:
            found[path] = filter_class(field, request, {}, model_admin.model, model_admin, field_path=path)
    return found


def test_admin_list_filter_choices_matrix(world):
    wrong = []
    for key, expect in LIST_FILTER_CHOICES.items():
        model, path = key.split(":")
        model_admin = _model_admin(model)
        for actor, expected in expect.items():
            spec = _related_filters(model_admin, _request_as(world.users[actor])).get(path)
            if spec is None:
                wrong.append(f"{key} as {actor}: no restricted filter")
                continue
            related = get_fields_from_path(model_admin.model, path)[-1].related_model
            pks = {pk for pk, _ in spec.lookup_choices}
            if expected == ALL:
                got = ALL if pks == set(related._default_manager.values_list("pk", flat=True)) else pks
            else:
                got = {_label_of(world, related, pk) for pk in pks}
            if got != expected:
                wrong.append(f"{key} as {actor}: expected {expected}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_admin_actions_matrix(world, matrix_clients):
    """Who is offered each action, and on whose records a POST of it (forged by anyone) takes effect."""
    wrong = []
    for row in ACTION_ROWS:
        model_admin = _model_admin(row.model)
        offered = {
            actor for actor in STAFF_ACTORS if row.action in model_admin.get_actions(_request_as(world.users[actor]))
        }
        if offered != row.offered:
            wrong.append(f"{row.model} {row.action}: offered to {sorted(offered)}, expected {sorted(row.offered)}")
        if row.target is None:
            continue
        target = row.target(world)
        acts = set()
        for actor in ADMIN_ACTORS:
            with transaction.atomic():
                body = {"action": row.action, ACTION_CHECKBOX_NAME: [target.pk], **row.body(world)}
                matrix_clients[actor].post(_admin_url(row.model, "changelist"), body)
                if row.effect(world, target):
                    acts.add(actor)
                transaction.set_rollback(True)
        if acts != row.acts:
            wrong.append(f"{row.model} {row.action}: took effect for {sorted(acts)}, expected {sorted(row.acts)}")
    assert not wrong, "\n".join(wrong)


def test_every_admin_page_field_filter_and_action_is_in_the_matrix(world, matrix_clients):
    """A new ModelAdmin, inline, form field, related list filter or action without a row fails here, and so does
    one that does not go through the choke point (common.admin's base classes)."""
    superuser = world.users["superuser"]
    request = _request_as(superuser)
    registered = {model._meta.label_lower: model_admin for model, model_admin in admin.site._registry.items()}
    problems = []
    for name, model_admin in registered.items():
        if not isinstance(model_admin, RestrictedAdmin):
            problems.append(f"{name}: its ModelAdmin does not inherit common.admin.RestrictedAdmin")
        for inline in model_admin.get_inline_instances(request):
            if not isinstance(inline, RestrictedInlineMixin):
                problems.append(f"{name}: inline {type(inline).__name__} does not inherit RestrictedInlineMixin")
        if holding_of(model_admin.model) is None and name not in SUPERUSER_ONLY_MODELS:
            problems.append(f"{name}: not in agencies.access.HOLDINGS (so refused to all but superusers)")
    page_models = {row.model for row in PAGE_ROWS}
    problems += [f"{name}: no PageRow" for name in sorted(set(registered) - page_models)]
    problems += [f"PageRow for {name}, which is not registered" for name in sorted(page_models - set(registered))]

    client = matrix_clients["superuser"]
    add_fields, change_fields, filters, actions = set(), set(), set(), set()
    for name, model_admin in registered.items():
        if model_admin.has_add_permission(request):
            add_fields |= {f"{name}:{field}" for field in _form_choice_fields(client.get(_admin_url(name, "add")))}
        targets = [row.target for row in PAGE_ROWS if row.model == name and row.target]
        if targets:
            page = client.get(_admin_url(name, "change", targets[0](world).pk))
            if page.status_code == 200 and "adminform" in page.context:
                change_fields |= {f"{name}:{field}" for field in _form_choice_fields(page)}
        filters |= {f"{name}:{path}" for path in _related_filters(model_admin, request)}
        actions |= {(name, action) for action in model_admin.get_actions(request)}
    change_fields -= add_fields
    for label, found, rows in (
        ("add-page field", add_fields, set(ADD_FIELD_CHOICES)),
        ("change-page field", change_fields, set(CHANGE_FIELD_CHOICES)),
        ("related list filter", filters, set(LIST_FILTER_CHOICES)),
        ("action", actions, {(row.model, row.action) for row in ACTION_ROWS}),
    ):
        problems += [f"{label} {item} has no row in admin_matrix.py" for item in sorted(found - rows)]
        problems += [f"row for {label} {item}, which no longer exists" for item in sorted(rows - found)]
    assert not problems, "\n".join(problems)


def _post_forged(world, matrix_clients, forged):
    with transaction.atomic():
        before = forged.count(world)
        response = matrix_clients[forged.actor].post(_admin_url(forged.model, "add"), forged.body(world))
        wrote = forged.count(world) != before
        transaction.set_rollback(True)
    return response, wrote


def test_forged_adds_are_refused_by_the_form_choices(world, matrix_clients):
    """Another agency's object posted into the field that says whose the record is: not a valid choice."""
    wrong = []
    for forged in FORGED_ADDS:
        response, wrote = _post_forged(world, matrix_clients, forged)
        errors = {}
        if response.status_code == 200:
            errors = dict(response.context["adminform"].form.errors)
            for inline in response.context["inline_admin_formsets"]:
                for index, form_errors in enumerate(inline.formset.errors):
                    prefix = inline.formset.model._meta.model_name
                    errors.update({f"{prefix}.{name}": value for name, value in form_errors.items() if index == 0})
        if wrote or response.status_code != 200 or set(errors) != {forged.field}:
            wrong.append(f"{forged.model} as {forged.actor}: {response.status_code}, wrote {wrote}, errors {errors}")
    assert not wrong, "\n".join(wrong)


def test_forged_adds_are_refused_by_the_check_after_save_alone(world, matrix_clients, monkeypatch):
    """The same forged adds with the form-choice lock removed (every field offering the whole table, as admin did
    before): the check after save refuses each (403) and rolls it back."""
    monkeypatch.setattr(
        RestrictedFormFieldsMixin,
        "choices_for",
        lambda self, db_field, request, queryset=None: db_field.related_model._default_manager.all(),
    )
    wrong = []
    for forged in FORGED_ADDS:
        response, wrote = _post_forged(world, matrix_clients, forged)
        if wrote or response.status_code != 403:
            form = response.context.get("adminform") if response.status_code == 200 else None
            errors = form.form.errors if form else response.content[:300]
            wrong.append(f"{forged.model} as {forged.actor}: {response.status_code}, wrote {wrote} {errors}")
    assert not wrong, "\n".join(wrong)

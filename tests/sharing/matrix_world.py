"""The world the authorization matrix (test_authorization_matrix.py) calls every endpoint in, built once a module.

One owner agency, Palm Vista PD, and the agencies around it (see ACTORS), each with a camera that read the same plate,
a hotlist listing it (so each read raised the alerts its MOUs route), and the owner and active partner each with a
hold, searches in the access log, a search audit, a hotlist import, a recognition job and the records each keeps in
admin (people, policies, reports, the program page, ingest settings, reminders). Every object the matrix
may see is labelled (`World.label`): a row's expectation names labels, never ids.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.gis.geos import Point
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from guardian.shortcuts import assign_perm
from PIL import Image

from agencies.access import Scope
from agencies.choices import AgencyKind, Role, TokenPurpose
from agencies.models import ApiToken, ProhibitedTerm, SignInEvent
from hotlists.choices import Category, HotlistSource, ImportFormat
from hotlists.models import Alert, Hotlist, HotlistEntry
from hotlists.notifications import notification_subscription_create
from hotlists.services import hotlist_import
from reads.access_log import access_log_write
from reads.audits import audit_open
from reads.choices import AccessAction, Channel, Purpose, ReadSource
from reads.models import AccessLogEntry, Camera, CameraPlacementNotice, FrigateBroker, PurgeRun, Read
from reads.plates import canonical_key
from reads.services import hold_place, read_ingest
from recognition.services import job_create
from sharing import services
from sharing.models import MOU, SCOPE_FIELDS, SharingEvent, SharingRefusal
from transparency.choices import PeriodKind
from transparency.models import POLICY_ELEMENTS
from transparency.program_models import (
    EVALUATION_ELEMENTS,
    CommunityPresentation,
    CouncilAuthorization,
    FaqEntry,
    ProgramCost,
    ProgramFacts,
)
from transparency.program_services import (
    compliance_report_publish,
    public_question_ask,
    surveillance_evaluation_create,
    surveillance_evaluation_publish,
)
from transparency.services import published_report_publish, usage_policy_create

from ..factories import AgencyFactory, UserFactory
from .conftest import active_mou, draft_mou, signed_pdf

ACTORS = [
    "owner_clerk",  # records clerk of the owner agency (staff: works in admin)
    "owner_investigator",
    "owner_auditor",  # auditor of the owner agency (staff): access log, audits, stale accounts, purge runs
    "owner_camera",  # the owner's camera service account, with an ingest token
    "partner_clerk",  # records clerk of the active partner
    "partner_investigator",  # investigator of the active partner (search, alerts and hotlists)
    "partner_auditor",
    "partner_camera",  # the active partner's camera service account, with an ingest token
    "expired_partner",  # investigator of an agency whose MOU with the owner expired (the nightly job has run)
    "lapsed_partner",  # investigator of an agency whose MOU is past its expiry date, before the nightly job runs
    "revoked_partner",  # investigator of an agency whose MOU with the owner was revoked (its grant left behind)
    "unrelated_ca",  # investigator of a California agency with only a draft MOU
    "out_of_state",  # investigator of a Nevada agency
    "federal",  # investigator of a federal agency
    "private_clerk",  # records clerk of a private entity that shares one way into the owner
    "untrained",  # investigator of the owner agency whose training lapsed
    "anonymous",
]
CAMERAS = {"owner_camera", "partner_camera"}  # callers with an ingest token; every other signed-in one has an API token
PLATE = "7ABC123"
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64 + b"\xff\xd9"


def _tiny_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (250, 250, 250)).save(out, "PNG")
    return out.getvalue()


PNG = _tiny_png()  # a whole image: uploads are decoded before they are accepted
AGENT_UID, AGENT_CAMERA = "X8RmEkBcprSRbF7quG1h", 1234567

AGENCIES = {
    "owner": {"name": "Palm Vista Police Department", "slug": "palm-vista-pd", "ori": "CA0330400"},
    "partner": {"name": "Desert Springs Police Department", "slug": "desert-springs-pd", "ori": "CA0330500"},
    "expired": {"name": "Cathedral Hills PD", "slug": "cathedral-hills-pd", "ori": "CA0330600"},
    "revoked": {"name": "Indian Wells PD", "slug": "indian-wells-pd", "ori": "CA0330700"},
    "lapsed": {"name": "Rancho Mirage PD", "slug": "rancho-mirage-pd", "ori": "CA0330900"},
    "unrelated": {"name": "Coachella PD", "slug": "coachella-pd", "ori": "CA0330800"},
    "nevada": {"name": "Reno PD", "slug": "reno-pd", "ori": "NV0160200", "state": "NV"},
    "federal": {"name": "Federal Bureau", "slug": "fed", "ori": "DCFBIWA00", "state": "DC", "kind": AgencyKind.FEDERAL},
    "private": {"name": "Palm Vista Mall", "slug": "pv-mall", "ori": "CA0339901", "kind": AgencyKind.PRIVATE_ENTITY},
}
PEOPLE = {  # actor: (agency key, role, trained)
    "owner_clerk": ("owner", Role.RECORDS_CLERK, True),
    "owner_investigator": ("owner", Role.INVESTIGATOR, True),
    "owner_auditor": ("owner", Role.AUDITOR, True),
    "owner_camera": ("owner", Role.OFFICER, False),  # machine accounts hold no training
    "partner_clerk": ("partner", Role.RECORDS_CLERK, True),
    "partner_investigator": ("partner", Role.INVESTIGATOR, True),
    "partner_auditor": ("partner", Role.AUDITOR, True),
    "partner_camera": ("partner", Role.OFFICER, False),
    "expired_partner": ("expired", Role.INVESTIGATOR, True),
    "revoked_partner": ("revoked", Role.INVESTIGATOR, True),
    "lapsed_partner": ("lapsed", Role.INVESTIGATOR, True),
    "unrelated_ca": ("unrelated", Role.INVESTIGATOR, True),
    "out_of_state": ("nevada", Role.INVESTIGATOR, True),
    "federal": ("federal", Role.INVESTIGATOR, True),
    "private_clerk": ("private", Role.RECORDS_CLERK, True),
    "untrained": ("owner", Role.INVESTIGATOR, False),
}
ALL_SCOPES = [Scope.SEARCH, Scope.ALERTS, Scope.HOTLISTS]

# Callers of the admin matrix only (tests/sharing/admin_matrix.py), beside ACTORS: an operator, the owner's agency
# admin and an officer of the owner (not staff: admin sends them to sign in).
ADMIN_ONLY_PEOPLE = {  # actor: (agency key or None, role or None, trained)
    "superuser": (None, None, False),
    "owner_admin": ("owner", Role.AGENCY_ADMIN, True),
    "owner_officer": ("owner", Role.OFFICER, True),
}
ADMIN_ACTORS = [*ACTORS, *ADMIN_ONLY_PEOPLE]


@dataclass
class World:
    agencies: dict = field(default_factory=dict)  # key -> Agency
    users: dict = field(default_factory=dict)  # actor -> User (anonymous absent)
    secrets: dict = field(default_factory=dict)  # actor -> token secret (API purpose; ingest for CAMERAS)
    mous: dict = field(default_factory=dict)  # "owner>partner" -> MOU
    cameras: dict = field(default_factory=dict)  # agency key -> Camera
    objects: dict = field(default_factory=dict)  # (kind, label) -> object
    labels: dict = field(default_factory=dict)  # (kind, pk) -> label

    def key_of(self, agency_id) -> str:
        return next(key for key, agency in self.agencies.items() if agency.pk == agency_id)

    def add(self, kind: str, label: str, obj):
        self.objects[kind, label] = obj
        self.labels[kind, obj.pk] = label
        return obj

    def pk(self, kind: str, label: str) -> int:
        return self.objects[kind, label].pk

    def label(self, kind: str, pk) -> str:
        """The label of a `kind` object by id; an object the world did not make shows as `kind#id`."""
        return self.labels.get((kind, pk), f"{kind}#{pk}")

    def actor_of(self, username: str) -> str:
        return next((actor for actor, user in self.users.items() if user.username == username), username)


def _camera(agency, **fields) -> Camera:
    return Camera.objects.create(
        agency=agency,
        name=f"{agency.slug} camera",
        location=Point(-116.5453, 33.8303, srid=4326),
        is_active=True,
        **fields,
    )


def _search_logged(user, agency) -> None:
    access_log_write(
        user=user,
        agency=agency,
        action=AccessAction.SEARCH,
        channel=Channel.API,
        purpose=Purpose.CRIMINAL_INVESTIGATION,
        case_number="MATRIX-LOG",
        query={"plate": PLATE},
        result_count=1,
        agencies_searched=[agency.pk],
    )


def build_world() -> World:
    """Everything through the services the app uses, in order: MOUs first, so each read raises the alerts that the
    MOUs in effect route, and an expired or revoked MOU routes none."""
    w = World()
    a = w.agencies
    for key, spec in AGENCIES.items():
        a[key] = AgencyFactory(**spec)
    for actor, (key, role, trained) in PEOPLE.items():
        user = UserFactory(username=actor.replace("_", "-"), agency=a[key], role=role, trained=trained)
        w.users[actor] = user
        purpose = TokenPurpose.INGEST if actor in CAMERAS else TokenPurpose.API
        _, w.secrets[actor] = ApiToken.issue(user=user, name="matrix", purpose=purpose)

    w.mous["owner>partner"] = active_mou(a["owner"], a["partner"], scopes=ALL_SCOPES)
    w.mous["owner>expired"] = active_mou(a["owner"], a["expired"], scopes=ALL_SCOPES)
    MOU.objects.filter(pk=w.mous["owner>expired"].pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    services.mou_expire_due()
    w.mous["owner>revoked"] = services.mou_revoke(
        mou=active_mou(a["owner"], a["revoked"], scopes=ALL_SCOPES), reason="Ended."
    )
    # The selectors require both an MOU in effect and the guardian grant. Revocation removes the grant; put it back,
    # as if its removal had failed, so that the revoked MOU's status alone must refuse the revoked partner.
    group = services.sharing_agency_group(agency_id=a["revoked"].pk)
    for _, codename in SCOPE_FIELDS.values():
        assign_perm(f"agencies.{codename}", group, a["owner"])
    # Past its expiry date, still active with its grant: the nightly expiry job has not run yet, so the MOU's dates
    # alone must refuse the lapsed partner.
    w.mous["owner>lapsed"] = active_mou(a["owner"], a["lapsed"], scopes=ALL_SCOPES)
    MOU.objects.filter(pk=w.mous["owner>lapsed"].pk).update(expires_on=timezone.localdate() - dt.timedelta(days=1))
    # One way: the mall's reads and alerts reach the owner, not its hotlists; the owner shares nothing back.
    w.mous["private>owner"] = active_mou(a["private"], a["owner"], scopes=[Scope.SEARCH, Scope.ALERTS])
    w.mous["owner>unrelated"] = draft_mou(a["owner"], a["unrelated"], scopes=ALL_SCOPES)

    for key, agency in a.items():
        hotlist = w.add(
            "hotlist",
            key,
            Hotlist.objects.create(
                agency=agency,
                name=f"{key} stolen vehicles",
                source=HotlistSource.CUSTOM,
                category=Category.STOLEN_VEHICLE,
            ),
        )
        w.add(
            "entry",
            key,
            HotlistEntry.objects.create(
                hotlist=hotlist,
                plate=PLATE,
                canonical=canonical_key(PLATE),
                plate_state="CA",
                reason=Category.STOLEN_VEHICLE,
            ),
        )
    agent = {"agent_uid": AGENT_UID, "agent_camera_id": AGENT_CAMERA}
    at = timezone.now() - dt.timedelta(hours=1)
    for key, agency in a.items():
        camera = w.cameras[key] = _camera(agency, **(agent if key == "owner" else {}))
        item = {"camera": camera.pk, "captured_at": at.isoformat(), "plate": PLATE, "source_id": f"matrix-{key}"}
        result = read_ingest(
            agency=agency, items=[item], source=ReadSource.CAMERA_PUSH, images={item["source_id"]: JPEG}
        )
        w.add("read", key, Read.objects.get(pk=result.reads[0].id))
    # An alert belongs to the hotlist's agency: "partner/owner" is the partner's hotlist hit on the owner's read.
    for alert in Alert.objects.all():
        w.add("alert", f"{w.key_of(alert.agency_id)}/{w.key_of(alert.owner_agency_id)}", alert)

    for key in ("owner", "partner"):
        investigator, auditor = w.users[f"{key}_investigator"], w.users[f"{key}_auditor"]
        w.add(
            "hold",
            key,
            hold_place(
                user=investigator,
                agency=a[key],
                case_number="MATRIX-HOLD",
                reason="Matrix.",
                read_ids=[w.pk("read", key)],
            ),
        )
        _search_logged(investigator, a[key])
        w.add("log", key, AccessLogEntry.objects.get(agency=a[key]))
        today = timezone.localdate()
        w.add(
            "audit",
            key,
            audit_open(agency=a[key], opened_by=auditor, period_start=today, period_end=today, sample_size=1),
        )
        w.add(
            "import",
            key,
            hotlist_import(
                hotlist=w.objects["hotlist", key],
                content=b"plate,state\n5XYZ789,CA\n",
                file_name="extra.csv",
                file_format=ImportFormat.CSV,
                user=w.users[f"{key}_clerk"],
            ),
        )
        job, _ = job_create(
            user=investigator, camera=w.cameras[key], data=PNG + key.encode(), name=f"{key}.png", captured_at=at
        )
        w.add("job", key, job)
    # A partner's search that reached the owner's data: the owner's auditors see it (partner searches).
    partner_search = access_log_write(
        user=w.users["partner_investigator"],
        agency=a["partner"],
        action=AccessAction.SEARCH,
        channel=Channel.API,
        purpose=Purpose.CRIMINAL_INVESTIGATION,
        case_number="MATRIX-PARTNER",
        query={"plate": PLATE},
        result_count=2,
        agencies_searched=[a["partner"].pk, a["owner"].pk],
        attested=True,
    )
    w.add("log", "partner>owner", partner_search)
    last_year = timezone.localdate() - dt.timedelta(days=365)
    w.add(
        "audit",
        "owner-empty",  # a period with no searches: nothing to review, so it can be closed
        audit_open(
            agency=a["owner"],
            opened_by=w.users["owner_auditor"],
            period_start=last_year,
            period_end=last_year,
            sample_size=1,
        ),
    )
    w.add("sample", "owner", w.objects["audit", "owner"].samples.get())
    w.add("run", "run", PurgeRun.objects.create(removed_total=1, removed_by_agency={str(a["owner"].pk): 1}))
    _build_admin_records(w)
    _build_program_records(w)
    return w


def _build_admin_records(w: World) -> None:
    """The admin matrix's callers and the records it opens, for the owner and the partner: people's memberships,
    training and tokens, sign-ins, change history, a refused sharing, a draft policy, a published report and a
    notification subscription; and the authenticator apps of a superuser and of the owner's clerk."""
    a = w.agencies
    for actor, (key, role, trained) in ADMIN_ONLY_PEOPLE.items():
        if key is None:
            user = UserFactory(username=actor, agency=None, trained=False, is_superuser=True, is_staff=True)
        else:
            user = UserFactory(username=actor.replace("_", "-"), agency=a[key], role=role, trained=trained)
        w.users[actor] = user
        _, w.secrets[actor] = ApiToken.issue(user=user, name="matrix")
    for actor, user in w.users.items():
        w.add("user", actor, user)
        membership = getattr(user, "membership", None)
        if membership is not None:
            w.add("membership", actor, membership)
        training = user.training_records.first()
        if training is not None:
            w.add("training", actor, training)
        token = user.api_tokens.first()
        if token is not None:
            w.add("token", actor, token)
    for key in ("owner", "partner"):
        clerk = w.users[f"{key}_clerk"]
        w.add("signin", key, SignInEvent.objects.create(username=clerk.username, user=clerk, outcome="success",
                                                         reason="password_accepted"))  # fmt: skip
        w.add(
            "logentry",
            key,
            LogEntry.objects.create(
                content_type=ContentType.objects.get_for_model(a[key]),
                object_pk=str(a[key].pk),
                object_id=a[key].pk,
                object_repr=str(a[key]),
                action=LogEntry.Action.UPDATE,
                changes={"retention_days": ["30", "31"]},
                actor=clerk,
            ),
        )
        text = {name: f"Matrix: {label}." for name, label in POLICY_ELEMENTS.items()}
        w.add("policy", key, usage_policy_create(agency=a[key], user=clerk, effective_on=timezone.localdate(), **text))
        first_of_last_month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        w.add(
            "report",
            key,
            published_report_publish(agency=a[key], period_kind=PeriodKind.MONTH, period_start=first_of_last_month,
                                     user=clerk),
        )  # fmt: skip
        w.add(
            "subscription",
            key,
            notification_subscription_create(agency=a[key], name=f"{key} dispatch", kind="email",
                                             email=f"dispatch@{key}.example.gov"),
        )  # fmt: skip
    for actor in ("superuser", "owner_clerk"):  # an authenticator app each: a superuser's own, and another person's
        w.add("totp", actor, TOTPDevice.objects.create(user=w.users[actor], name="Authenticator app", confirmed=True))
    w.add(
        "refusal",
        "owner",
        SharingRefusal.objects.create(where="admin", owner=a["owner"], partner=a["federal"], reason="Federal."),
    )


def last_quarter_start(today: dt.date | None = None) -> dt.date:
    """The first day of the last quarter that is over."""
    today = today or timezone.localdate()
    first_month = (today.month - 1) // 3 * 3 + 1
    end = today.replace(month=first_month, day=1) - dt.timedelta(days=1)
    return end.replace(month=(end.month - 1) // 3 * 3 + 1, day=1)


def _build_program_records(w: World) -> None:
    """The records the owner and the partner keep in admin for their ALPR program and its ingest: a prohibited
    purpose term, a Frigate broker, a camera placement reminder, a question from the public, an FAQ entry, the
    program's facts, costs, council vote and community presentation, a draft surveillance evaluation (and, for the
    owner, a published one before it), a compliance report; and the sharing event of the owner>partner MOU."""
    a = w.agencies
    today = timezone.localdate()
    for key in ("owner", "partner"):
        agency, clerk = a[key], w.users[f"{key}_clerk"]
        w.add("term", key, ProhibitedTerm.objects.create(agency=agency, term=f"matrixterm{key}", added_by=clerk))
        w.add("broker", key, FrigateBroker.objects.create(agency=agency, name=f"{key} broker",
                                                           url="mqtt://broker.example:1883"))  # fmt: skip
        w.add(
            "notice",
            key,
            CameraPlacementNotice.objects.create(
                camera=w.cameras[key], agency=agency, placement_ended_on=today - dt.timedelta(days=1)
            ),
        )
        w.add("question", key, public_question_ask(agency=agency, question="How long are plate reads kept?"))
        w.add("faq", key, FaqEntry.objects.create(agency=agency, question="Who sees the data?", answer="Staff."))
        w.add("facts", key, ProgramFacts.objects.create(agency=agency, cameras_planned=2))
        w.add("cost", key, ProgramCost.objects.create(agency=agency, fiscal_year=2025, acquisition=1000))
        w.add(
            "council",
            key,
            CouncilAuthorization.objects.create(
                agency=agency, date=today, title="ALPR contract", link="https://city.example.gov/minutes", ayes=5
            ),
        )
        w.add(
            "presentation",
            key,
            CommunityPresentation.objects.create(
                agency=agency, date=today, title="ALPR program", document=signed_pdf("presentation.pdf")
            ),
        )
        elements = {name: f"Matrix: {label}." for name, label in EVALUATION_ELEMENTS.items()}
        if key == "owner":
            published = surveillance_evaluation_create(agency=agency, user=clerk, **elements)
            w.add("evaluation", "owner-published", surveillance_evaluation_publish(evaluation=published, user=clerk))
        w.add("evaluation", key, surveillance_evaluation_create(agency=agency, user=clerk, **elements))
        w.add(
            "compliance", key, compliance_report_publish(agency=agency, period_start=last_quarter_start(), user=clerk)
        )
    for label, mou in w.mous.items():
        for event in SharingEvent.objects.filter(mou=mou):
            w.add("event", f"{label} {event.kind}", event)

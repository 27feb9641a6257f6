"""The admin half of the authorization matrix: every registered ModelAdmin's add, change and delete pages and its
pages of its own (VIEW_ROWS), every admin action, every form field's choices (inlines included, and the
autocomplete endpoint) and every related list filter's options, for every caller kind (matrix_world.ADMIN_ACTORS).
Run by test_authorization_matrix.py in its world; `test_every_admin_page_field_filter_and_action_is_in_the_matrix`
and `test_every_admin_view_of_its_own_is_in_the_matrix` fail on any ModelAdmin, page of its own, form field,
related list filter or action that has no row here, and on any row whose subject is gone.

Outcomes of opening a page (GET):
- "login": sent to sign in (not staff: investigators, officers, camera tokens, anonymous);
- 403: the role has no permission for this page at all;
- "gone": the object is not one the caller may see (admin answers as for a missing object: back to the index);
- "add", "change", "view", "delete": the page opens, to add, to change, read-only, or to confirm a deletion.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hotlists.choices import ImportFormat
from hotlists.import_preview import preview_store
from hotlists.models import HotlistImport
from reads.choices import Purpose
from reads.models import AccessLogEntry, Camera, Read
from recognition.models import RecognitionJob
from sharing.models import MOU
from transparency.program_models import EVALUATION_ELEMENTS, FaqEntry

from .conftest import signed_pdf
from .matrix_world import ADMIN_ACTORS, PLATE, PNG, World, last_quarter_start

SU = "superuser"
STAFF_ACTORS = ["superuser", "owner_admin", "owner_clerk", "owner_auditor", "partner_clerk", "partner_auditor",
                "private_clerk"]  # fmt: skip
NON_STAFF = [actor for actor in ADMIN_ACTORS if actor not in STAFF_ACTORS]
CLERKS = {"owner_clerk": "owner", "partner_clerk": "partner", "private_clerk": "private"}
ALL = "ALL"  # every row of the related table (a superuser's choices)
# Registered by other packages, outside the permission map on purpose: a superuser's only.
SUPERUSER_ONLY_MODELS = {"auth.group", "otp_totp.totpdevice", "otp_static.staticdevice"}


def page(default=403, **outcomes) -> dict:
    """An outcome for every admin caller: non-staff are sent to sign in; staff get `default` unless named."""
    unknown = set(outcomes) - set(STAFF_ACTORS)
    assert not unknown, f"not staff callers: {unknown}"
    return {**dict.fromkeys(NON_STAFF, "login"), **{actor: outcomes.get(actor, default) for actor in STAFF_ACTORS}}


def _clerks(outcome, *, owner="change", admin=True) -> dict:
    """The owner's records staff `owner`; the other agencies' clerks `outcome`."""
    seen = {"owner_clerk": owner, "partner_clerk": outcome, "private_clerk": outcome}
    if admin:
        seen["owner_admin"] = owner
    return seen


@dataclass
class PageRow:
    name: str
    model: str  # label_lower of the registered model
    add: dict
    target: Callable[[World], object] | None = None  # the object the change and delete pages open
    change: dict | None = None
    delete: dict | None = None


def obj(kind: str, label: str) -> Callable[[World], object]:
    return lambda w: w.objects[kind, label]


EVERYONE_REFUSED = page(403)
SUPERUSER_ONLY = page(403, superuser="add")
# The agency's records (roles._RECORDS): a superuser, the agency admin and every agency's records clerk add them.
RECORDS_ADD = page(403, superuser="add", owner_admin="add", owner_clerk="add", partner_clerk="add",
                   private_clerk="add")  # fmt: skip

PAGE_ROWS = [
    PageRow(
        "agency", "agencies.agency", SUPERUSER_ONLY, lambda w: w.agencies["owner"],
        # The directory is listed to every staff member (MOU partners are picked from it); each changes its own.
        change=page("view", superuser="change", owner_admin="change", owner_clerk="change"),
        delete=page(403, superuser="delete"),
    ),
    PageRow("group", "auth.group", SUPERUSER_ONLY),
    PageRow("totp device", "otp_totp.totpdevice", SUPERUSER_ONLY),
    PageRow("static device", "otp_static.staticdevice", SUPERUSER_ONLY),
    PageRow(
        "user", "agencies.user", page(403, superuser="add", owner_admin="add"), obj("user", "owner_investigator"),
        change=page("gone", superuser="change", owner_admin="change", owner_clerk="view", owner_auditor="view"),
        delete=page(403, superuser="delete"),
    ),
    PageRow(
        "user: one's own", "agencies.user", page(403, superuser="add", owner_admin="add"), obj("user", "owner_admin"),
        # Nobody changes their own account here (their role and training are on it): another admin does.
        change=page("gone", superuser="change", owner_admin="view", owner_clerk="view", owner_auditor="view"),
        delete=page(403, superuser="delete"),
    ),
    PageRow(
        "user: a superuser", "agencies.user", page(403, superuser="add", owner_admin="add"), obj("user", "superuser"),
        change=page("gone", superuser="change"),
        delete=page(403, superuser="delete"),
    ),
    PageRow(
        "training record", "agencies.trainingrecord", page(403, superuser="add", owner_admin="add"),
        obj("training", "owner_investigator"),
        change=page("gone", superuser="change", owner_admin="change", owner_clerk="view", owner_auditor="view"),
        delete=page(403, superuser="delete"),
    ),
    PageRow(
        "training record: one's own", "agencies.trainingrecord", page(403, superuser="add", owner_admin="add"),
        obj("training", "owner_admin"),
        change=page("gone", superuser="change", owner_admin="view", owner_clerk="view", owner_auditor="view"),
        delete=page(403, superuser="delete"),
    ),
    PageRow(
        "membership", "agencies.membership", page(403, superuser="add", owner_admin="add"),
        obj("membership", "owner_investigator"),
        change=page("gone", superuser="change", owner_admin="change", owner_clerk="view", owner_auditor="view"),
        delete=page(403, superuser="delete"),
    ),
    PageRow(
        "membership: one's own", "agencies.membership", page(403, superuser="add", owner_admin="add"),
        obj("membership", "owner_admin"),
        change=page("gone", superuser="change", owner_admin="view", owner_clerk="view", owner_auditor="view"),
        delete=page(403, superuser="delete"),
    ),
    PageRow(
        "API token", "agencies.apitoken", page(403, superuser="add", owner_admin="add"),
        obj("token", "owner_investigator"),
        # Tokens are an agency admin's to issue and see; a clerk or auditor has no page for them.
        change=page(403, superuser="change", owner_admin="change"),
        delete=page(403, superuser="delete"),
    ),
    PageRow(
        "sign-in event", "agencies.signinevent", EVERYONE_REFUSED, obj("signin", "owner"),
        change=page(403, superuser="view", owner_admin="view", owner_auditor="view", partner_auditor="gone"),
        delete=EVERYONE_REFUSED,
    ),
    PageRow(
        "change history", "auditlog.logentry", EVERYONE_REFUSED, obj("logentry", "owner"),
        change=page(403, superuser="view", owner_admin="view", owner_auditor="view", partner_auditor="gone"),
        delete=EVERYONE_REFUSED,
    ),
    PageRow(
        "search audit", "reads.searchaudit",
        page(403, superuser="add", owner_admin="add", owner_auditor="add", partner_auditor="add"),
        obj("audit", "owner"),
        change=page(403, superuser="change", owner_admin="change", owner_auditor="change", partner_auditor="gone"),
        delete=EVERYONE_REFUSED,
    ),
    PageRow(
        "camera", "reads.camera",
        page(403, superuser="add", owner_admin="add", owner_clerk="add", partner_clerk="add", private_clerk="add"),
        lambda w: w.cameras["owner"],
        change=page("gone", superuser="change", owner_admin="change", owner_clerk="change", owner_auditor="view"),
        delete=EVERYONE_REFUSED,  # a camera is deactivated, never deleted: reads refer to it
    ),
    PageRow(
        "access log", "reads.accesslogentry", EVERYONE_REFUSED, obj("log", "owner"),
        change=page(403, superuser="view", owner_admin="view", owner_auditor="view", partner_auditor="gone"),
        delete=EVERYONE_REFUSED,
    ),
    PageRow(
        "evidence hold", "reads.evidencehold", EVERYONE_REFUSED, obj("hold", "owner"),
        change=page(403, superuser="view", owner_admin="view", owner_auditor="view", partner_auditor="gone"),
        delete=EVERYONE_REFUSED,
    ),
    PageRow(
        "purge run", "reads.purgerun", EVERYONE_REFUSED, obj("run", "run"),
        change=page(403, superuser="view", owner_admin="view", owner_auditor="view", partner_auditor="view"),
        delete=EVERYONE_REFUSED,
    ),
    PageRow(
        "hotlist", "hotlists.hotlist",
        page(403, superuser="add", owner_admin="add", owner_clerk="add", partner_clerk="add", private_clerk="add"),
        obj("hotlist", "owner"),
        change=page(403, superuser="change", **_clerks("gone")),
        delete=page(403, superuser="delete"),
    ),
    PageRow(
        "hotlist entry", "hotlists.hotlistentry",
        page(403, superuser="add", owner_admin="add", owner_clerk="add", partner_clerk="add", private_clerk="add"),
        obj("entry", "owner"),
        change=page(403, superuser="change", **_clerks("gone")),
        delete=page(403, superuser="delete", **_clerks("gone", owner="delete")),
    ),
    PageRow(
        "hotlist import", "hotlists.hotlistimport", EVERYONE_REFUSED, obj("import", "owner"),
        change=page("gone", superuser="view", owner_admin="view", owner_clerk="view", owner_auditor="view"),
        delete=page(403, superuser="delete"),
    ),
    PageRow(
        "alert", "hotlists.alert", EVERYONE_REFUSED, obj("alert", "owner/owner"),
        # a superuser sees only their own agency's alerts (none here): operators reach ALPR data through the
        # logged operator look-up only (common.admin.RestrictedAdmin.holds_alpr_data)
        change=page(403, superuser="gone", owner_admin="view"),
        delete=page(403, superuser="gone"),
    ),
    PageRow(
        "notification subscription", "hotlists.notificationsubscription", SUPERUSER_ONLY,
        obj("subscription", "owner"),
        change=page(403, superuser="change"),
        delete=page(403, superuser="delete"),
    ),
    PageRow("notification outbox", "hotlists.notificationoutbox", EVERYONE_REFUSED),
    PageRow(
        "MOU, draft", "sharing.mou",
        page(403, superuser="add", owner_admin="add", owner_clerk="add", partner_clerk="add", private_clerk="add"),
        lambda w: w.mous["owner>unrelated"],
        change=page("gone", superuser="change", owner_admin="change", owner_clerk="change", owner_auditor="view"),
        delete=EVERYONE_REFUSED,
    ),
    PageRow(
        "MOU, active", "sharing.mou",
        page(403, superuser="add", owner_admin="add", owner_clerk="add", partner_clerk="add", private_clerk="add"),
        lambda w: w.mous["owner>partner"],
        # In force: a record, acted on through the actions only; both parties see it.
        change=page("view", private_clerk="gone"),
        delete=EVERYONE_REFUSED,
    ),
    PageRow(
        "sharing refusal", "sharing.sharingrefusal", EVERYONE_REFUSED, obj("refusal", "owner"),
        change=page("gone", superuser="view", owner_admin="view", owner_clerk="view", owner_auditor="view"),
        delete=EVERYONE_REFUSED,
    ),
    PageRow(
        "usage policy", "transparency.usagepolicy",
        page(403, superuser="add", owner_admin="add", owner_clerk="add", partner_clerk="add", private_clerk="add"),
        obj("policy", "owner"),
        change=page("gone", superuser="change", owner_admin="change", owner_clerk="change", owner_auditor="view"),
        delete=EVERYONE_REFUSED,
    ),
    PageRow(
        "published report", "transparency.publishedreport",
        page(403, superuser="add", owner_admin="add", owner_clerk="add", partner_clerk="add", private_clerk="add"),
        obj("report", "owner"),
        change=page("gone", superuser="view", owner_admin="view", owner_clerk="view", owner_auditor="view"),
        delete=EVERYONE_REFUSED,
    ),
    PageRow(
        "prohibited purpose term", "agencies.prohibitedterm", RECORDS_ADD, obj("term", "owner"),
        change=page("gone", superuser="change", owner_admin="change", owner_clerk="change", owner_auditor="view"),
        delete=page(403, superuser="delete", **_clerks("gone", owner="delete")),
    ),
    PageRow(
        "Frigate broker", "reads.frigatebroker", RECORDS_ADD, obj("broker", "owner"),
        change=page(403, superuser="change", **_clerks("gone")),  # its password is the records staff's only
        delete=page(403, superuser="delete"),
    ),
    PageRow(
        "camera placement reminder", "reads.cameraplacementnotice", EVERYONE_REFUSED, obj("notice", "owner"),
        # written by the daily task; the owner's records staff mark it done (every field is read-only)
        change=page(403, superuser="change", **_clerks("gone")),
        delete=EVERYONE_REFUSED,
    ),
    PageRow(
        "partner search of our data", "reads.partnersearch", EVERYONE_REFUSED, obj("log", "partner>owner"),
        # the owner's auditors and admin see the partner's search that reached its data; the partner's auditor
        # sees it in its own access log, not here; a superuser, of no agency, is owner of no data
        change=page(403, superuser="gone", owner_admin="view", owner_auditor="view", partner_auditor="gone"),
        delete=EVERYONE_REFUSED,
    ),
    PageRow(
        "sharing event", "sharing.sharingevent", EVERYONE_REFUSED, obj("event", "owner>partner activated"),
        change=page("view", private_clerk="gone"),  # both parties' records staff and auditors
        delete=EVERYONE_REFUSED,
    ),
    PageRow(
        "question from the public", "transparency.publicquestion", EVERYONE_REFUSED, obj("question", "owner"),
        # asked on the portal only; answered (or removed, as abuse) by the owner's records staff
        change=page("gone", superuser="change", owner_admin="change", owner_clerk="change", owner_auditor="view"),
        delete=page(403, superuser="delete", **_clerks("gone", owner="delete")),
    ),
    PageRow(
        "FAQ entry", "transparency.faqentry", RECORDS_ADD, obj("faq", "owner"),
        change=page(403, superuser="change", **_clerks("gone")),
        delete=page(403, superuser="delete", **_clerks("gone", owner="delete")),
    ),
    PageRow(
        "program facts", "transparency.programfacts", RECORDS_ADD, obj("facts", "owner"),
        change=page(403, superuser="change", **_clerks("gone")),
        delete=page(403, superuser="delete"),
    ),
    PageRow(
        "program cost", "transparency.programcost", RECORDS_ADD, obj("cost", "owner"),
        change=page(403, superuser="change", **_clerks("gone")),
        delete=page(403, superuser="delete"),
    ),
    PageRow(
        "council authorization", "transparency.councilauthorization", RECORDS_ADD, obj("council", "owner"),
        change=page(403, superuser="change", **_clerks("gone")),
        delete=page(403, superuser="delete"),
    ),
    PageRow(
        "community presentation", "transparency.communitypresentation", RECORDS_ADD, obj("presentation", "owner"),
        change=page(403, superuser="change", **_clerks("gone")),
        delete=page(403, superuser="delete"),
    ),
    PageRow(
        "surveillance evaluation, draft", "transparency.surveillanceevaluation", RECORDS_ADD,
        obj("evaluation", "owner"),
        change=page(403, superuser="change", **_clerks("gone")),
        delete=EVERYONE_REFUSED,
    ),
    PageRow(
        "surveillance evaluation, published", "transparency.surveillanceevaluation", RECORDS_ADD,
        obj("evaluation", "owner-published"),
        change=page(403, superuser="view", **_clerks("gone", owner="view")),  # frozen: a new version instead
        delete=EVERYONE_REFUSED,
    ),
    PageRow(
        "compliance report", "transparency.compliancereport", RECORDS_ADD, obj("compliance", "owner"),
        change=page("gone", superuser="view", owner_admin="view", owner_clerk="view", owner_auditor="view"),
        delete=EVERYONE_REFUSED,  # published: a record
    ),
    PageRow(
        "recognition job", "recognition.recognitionjob", EVERYONE_REFUSED, obj("job", "owner"),
        # as alerts: a superuser sees only their own agency's jobs (none here)
        change=page(403, superuser="gone", owner_admin="view"),
        delete=page(403, superuser="gone"),
    ),
]  # fmt: skip


# -- form field choices ------------------------------------------------------------------------------------------


OWNER_PEOPLE = {"owner_clerk", "owner_investigator", "owner_auditor", "owner_camera", "untrained", "owner_admin",
                "owner_officer"}  # fmt: skip
LAWFUL = {"owner", "partner", "expired", "revoked", "lapsed", "unrelated"}  # California public agencies


def choices(**seen) -> dict:
    """What each staff caller who may open the add page is offered (an actor not named may not open it)."""
    return seen


def own_agency(*actors) -> dict:
    return {actor: {CLERKS.get(actor, "owner")} for actor in actors}


ADD_FIELD_CHOICES = {
    # "model:field", or "model:inline model.field" for a field of an inline on the model's add page
    "agencies.user:membership.agency": choices(superuser=ALL, owner_admin={"owner"}),
    "agencies.trainingrecord:user": choices(superuser=ALL, owner_admin=OWNER_PEOPLE - {"owner_admin"}),
    "agencies.membership:user": choices(superuser=ALL, owner_admin=OWNER_PEOPLE - {"owner_admin"}),
    "agencies.membership:agency": choices(superuser=ALL, owner_admin={"owner"}),
    "agencies.apitoken:user": choices(superuser=ALL, owner_admin=OWNER_PEOPLE),
    "auth.group:permissions": choices(superuser=ALL),
    "otp_totp.totpdevice:user": choices(superuser=ALL),
    "otp_static.staticdevice:user": choices(superuser=ALL),
    "reads.searchaudit:agency": choices(
        superuser=ALL, owner_admin={"owner"}, owner_auditor={"owner"}, partner_auditor={"partner"}
    ),  # fmt: skip
    "reads.camera:agency": choices(superuser=ALL, **own_agency("owner_admin", *CLERKS)),
    "hotlists.hotlist:agency": choices(superuser=ALL, **own_agency("owner_admin", *CLERKS)),
    "hotlists.hotlistentry:hotlist": choices(superuser=ALL, **own_agency("owner_admin", *CLERKS)),
    "hotlists.notificationsubscription:agency": choices(superuser=ALL),
    "sharing.mou:owner": choices(superuser=ALL, **own_agency("owner_admin", *CLERKS)),
    # Only California public agencies may be partners (never federal, out-of-state or private), never oneself.
    "sharing.mou:partner": choices(
        superuser=LAWFUL,
        owner_admin=LAWFUL - {"owner"},
        owner_clerk=LAWFUL - {"owner"},
        partner_clerk=LAWFUL - {"partner"},
        private_clerk=LAWFUL,
    ),
    "transparency.usagepolicy:agency": choices(superuser=ALL, **own_agency("owner_admin", *CLERKS)),
    "transparency.publishedreport:agency": choices(superuser=ALL, **own_agency("owner_admin", *CLERKS)),
    "agencies.prohibitedterm:agency": choices(superuser=ALL, **own_agency("owner_admin", *CLERKS)),
    "reads.frigatebroker:agency": choices(superuser=ALL, **own_agency("owner_admin", *CLERKS)),
    "transparency.faqentry:agency": choices(superuser=ALL, **own_agency("owner_admin", *CLERKS)),
    "transparency.programfacts:agency": choices(superuser=ALL, **own_agency("owner_admin", *CLERKS)),
    "transparency.programcost:agency": choices(superuser=ALL, **own_agency("owner_admin", *CLERKS)),
    "transparency.councilauthorization:agency": choices(superuser=ALL, **own_agency("owner_admin", *CLERKS)),
    "transparency.communitypresentation:agency": choices(superuser=ALL, **own_agency("owner_admin", *CLERKS)),
    "transparency.surveillanceevaluation:agency": choices(superuser=ALL, **own_agency("owner_admin", *CLERKS)),
    "transparency.compliancereport:agency": choices(superuser=ALL, **own_agency("owner_admin", *CLERKS)),
    "transparency.publishedreport:supersedes": choices(
        superuser={"owner", "partner"},
        owner_admin={"owner"},
        owner_clerk={"owner"},
        partner_clerk={"partner"},
        private_clerk=set(),
    ),  # fmt: skip
}

# Fields of a change page that its add page does not have, on the first PageRow target of the model, for each staff
# caller who may change it (None: the field is not on their page at all).
CHANGE_FIELD_CHOICES = {
    # Only a superuser sees or sets groups and raw permissions; roles are given through memberships.
    "agencies.user:groups": choices(superuser=ALL, owner_admin=None),
    "agencies.user:user_permissions": choices(superuser=ALL, owner_admin=None),
}

# Related list filters' options, for each staff caller who may open the changelist (others are not listed).
_AGENCY_FILTER_STAFF = {"superuser": ALL, "owner_admin": {"owner"}, "owner_clerk": {"owner"},
                        "owner_auditor": {"owner"}, "partner_clerk": {"partner"}, "partner_auditor": {"partner"},
                        "private_clerk": {"private"}}  # fmt: skip
LIST_FILTER_CHOICES = {
    # Related-only filters: the partners of the MOUs (refusals) the caller sees, among what it could choose.
    "sharing.mou:partner": {
        "superuser": {"partner", "expired", "revoked", "lapsed", "unrelated", "owner"},
        "owner_admin": {"partner", "expired", "revoked", "lapsed", "unrelated", "owner"},
        "owner_clerk": {"partner", "expired", "revoked", "lapsed", "unrelated", "owner"},
        "owner_auditor": {"partner", "expired", "revoked", "lapsed", "unrelated", "owner"},
        "partner_clerk": {"partner"},
        "partner_auditor": {"partner"},
        "private_clerk": {"owner"},
    },  # fmt: skip
    "sharing.sharingrefusal:partner": {
        "superuser": {"federal"},
        "owner_admin": {"federal"},
        "owner_clerk": {"federal"},
        "owner_auditor": {"federal"},
        "partner_clerk": set(),
        "partner_auditor": set(),
        "private_clerk": set(),
    },  # fmt: skip
    "agencies.user:membership__agency": {
        "superuser": ALL,
        "owner_admin": {"owner"},
        "owner_clerk": {"owner"},
        "owner_auditor": {"owner"},
        "partner_clerk": {"partner"},
        "partner_auditor": {"partner"},
        "private_clerk": {"private"},
    },  # fmt: skip
    "agencies.membership:agency": {
        "superuser": ALL,
        "owner_admin": {"owner"},
        "owner_clerk": {"owner"},
        "owner_auditor": {"owner"},
        "partner_clerk": {"partner"},
        "partner_auditor": {"partner"},
        "private_clerk": {"private"},
    },  # fmt: skip
    "reads.camera:agency": _AGENCY_FILTER_STAFF,
    "hotlists.hotlistentry:hotlist": {
        "superuser": ALL,
        "owner_admin": {"owner"},
        "owner_clerk": {"owner"},
        "partner_clerk": {"partner"},
        "private_clerk": {"private"},
    },  # fmt: skip
    "transparency.usagepolicy:agency": {
        "superuser": {"owner", "partner"},
        "owner_admin": {"owner"},
        "owner_clerk": {"owner"},
        "owner_auditor": {"owner"},
        "partner_clerk": {"partner"},
        "partner_auditor": {"partner"},
        "private_clerk": set(),
    },  # fmt: skip
    # The access log's person and agency filters: among the rows the auditor sees (its own agency's), only what
    # it could choose: its agency and its agency's people.
    "reads.accesslogentry:user": {
        "superuser": {"owner_investigator", "partner_investigator"},
        "owner_admin": {"owner_investigator"},
        "owner_auditor": {"owner_investigator"},
        "partner_auditor": {"partner_investigator"},
    },  # fmt: skip
    "reads.accesslogentry:agency": {
        "superuser": {"owner", "partner"},
        "owner_admin": {"owner"},
        "owner_auditor": {"owner"},
        "partner_auditor": {"partner"},
    },  # fmt: skip
    # The partners whose searches reached the caller's data (a superuser owns none).
    "reads.partnersearch:agency": {
        "superuser": set(),
        "owner_admin": {"partner"},
        "owner_auditor": {"partner"},
        "partner_auditor": set(),
    },  # fmt: skip
    "reads.frigatebroker:agency": {
        actor: agencies
        for actor, agencies in _AGENCY_FILTER_STAFF.items()
        if actor not in ("owner_auditor", "partner_auditor")  # a broker's settings are not an auditor's to read
    },
    # The partners of the sharing changes the caller sees (its agency's MOUs, as owner or partner).
    "sharing.sharingevent:partner": {
        "superuser": {"partner", "expired", "revoked", "lapsed", "owner"},
        "owner_admin": {"partner", "expired", "revoked", "lapsed", "owner"},
        "owner_clerk": {"partner", "expired", "revoked", "lapsed", "owner"},
        "owner_auditor": {"partner", "expired", "revoked", "lapsed", "owner"},
        "partner_clerk": {"partner"},
        "partner_auditor": {"partner"},
        "private_clerk": {"owner"},
    },  # fmt: skip
    "transparency.faqentry:agency": {
        "superuser": {"owner", "partner"},
        "owner_admin": {"owner"},
        "owner_clerk": {"owner"},
        "partner_clerk": {"partner"},
        "private_clerk": set(),
    },  # fmt: skip
    "transparency.publishedreport:agency": {
        "superuser": {"owner", "partner"},
        "owner_admin": {"owner"},
        "owner_clerk": {"owner"},
        "owner_auditor": {"owner"},
        "partner_clerk": {"partner"},
        "partner_auditor": {"partner"},
        "private_clerk": set(),
    },  # fmt: skip
}


# -- pages of a ModelAdmin's own (its get_urls beyond list, add, change, delete and history) -----------------------


@dataclass
class ViewRow:
    """A page a ModelAdmin adds (by URL name), called one way (method, URL arguments, query or body) as every caller.
    Outcomes: "login" (sent to sign in); 403 (no permission for this page, or not for this object); 404 (an object the
    caller may not see, answered as a missing one); 400 (bad input); "redirect" (done, and sent on); 200, or (200, what
    the page shows, by label; ALL for every row of the table). A row with `writes` names what an accepted call changes:
    a 200 or a redirect must change it, any other answer must leave it as it was."""

    url_name: str
    expect: dict
    shows: Callable[[object], object] | None = None  # the queryset of what a 200 shows, read off the response
    args: Callable[[World], list] = lambda w: []
    tries: str = ""  # what this row tries, where a page has several (one's own object, another agency's...)
    method: str = "get"
    query: Callable[[World], dict] | None = None
    body: Callable[[World, str], dict] | None = None  # the POST body, for a caller (a preview token is the caller's)
    writes: Callable[[World], object] | None = None


def _cameras_on_the_map(response):
    """Every camera the map page names: its table's rows and its map's points."""
    shown = {row["camera"].pk for row in response.context["rows"]}
    return Camera.objects.filter(pk__in=shown | {point["id"] for point in response.context["map_cameras"]})


def _csv_rows(response):
    """The access-log rows a CSV download lists (their id is its first column)."""
    lines = list(csv.reader(io.StringIO(response.content.decode())))[1:]
    return AccessLogEntry.objects.filter(pk__in=[int(line[0]) for line in lines])


def _mous_in_overview(response):
    overview = response.context["overview"]
    lines = [*overview.we_share_with, *overview.shares_with_us] if overview else []
    return MOU.objects.filter(pk__in=[line.mou.pk for line in lines])


def _upload_cameras(response):
    return response.context["form"].fields["camera"].queryset


def _reads_found(response):
    return Read.objects.filter(pk__in=[read.pk for read in response.context["reads"] or []])


def _password_of(label: str) -> Callable[[World], str]:
    return lambda w: type(w.users[label]).objects.get(pk=w.users[label].pk).password


NEW_PASSWORD = "Another-long-passphrase-17"


def _password_body(w: World, actor: str) -> dict:
    return {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}


IMPORT_CONTENT = b"plate,state\n6MTX001,CA\n"


def _import_file():
    return SimpleUploadedFile("matrix.csv", IMPORT_CONTENT, content_type="text/csv")


def _import_confirm_body(key: str) -> Callable[[World, str], dict]:
    """The import's second step: a preview token the caller was given for this very list, so that only the
    permission check stands between the caller and the import."""

    def body(w: World, actor: str) -> dict:
        if actor not in w.users:
            return {"token": "none"}
        token = preview_store(user=w.users[actor], hotlist=w.objects["hotlist", key], content=IMPORT_CONTENT,
                              file_name="matrix.csv", file_format=ImportFormat.CSV, replace=False)  # fmt: skip
        return {"token": token}

    return body


def _imports_of(key: str) -> Callable[[World], int]:
    return lambda w: HotlistImport.objects.filter(hotlist=w.objects["hotlist", key]).count()


def _upload_body(key: str) -> Callable[[World, str], dict]:
    return lambda w, actor: {
        "camera": w.cameras[key].pk,
        "captured_at": "",
        "images": SimpleUploadedFile("matrix.png", PNG + b"matrix upload", content_type="image/png"),
    }


def _access_log_rows(w: World) -> int:
    return AccessLogEntry.objects.count()


def _lookup_body(purpose: str) -> Callable[[World, str], dict]:
    return lambda w, actor: {"agency": w.agencies["owner"].pk, "plate": PLATE, "purpose": purpose,
                             "purpose_detail": "", "case_number": "OPS-1" if purpose else ""}  # fmt: skip


def _this_month() -> str:
    return f"{timezone.localdate():%Y-%m}"


def _document(mou: str) -> Callable[[World], list]:
    return lambda w: [w.mous[mou].pk]


OWNER_IN_EFFECT = {"owner>partner", "private>owner"}  # the owner's MOUs in effect today, as owner or as partner
OWNER_MOU_STAFF = {"superuser": 200, "owner_admin": 200, "owner_clerk": 200, "owner_auditor": 200}
AUDIT_READERS = ("owner_admin", "owner_auditor", "partner_auditor")  # roles with view_accesslogentry (and partners)
IMPORTERS_OF = {"owner": ("owner_admin", "owner_clerk"), "partner": ("partner_clerk",)}
OTHER_CLERKS_OF = {"owner": ("partner_clerk", "private_clerk"), "partner": ("owner_admin", "owner_clerk",
                                                                            "private_clerk")}  # fmt: skip


def _import_page(key: str, accepted) -> dict:
    """A hotlist's import page: the superuser and the list's agency's records staff; another agency's records staff
    are answered as for a missing list (404); auditors hold no permission to import at all (403)."""
    return page(403, superuser=accepted, **dict.fromkeys(IMPORTERS_OF[key], accepted),
                **dict.fromkeys(OTHER_CLERKS_OF[key], 404))  # fmt: skip


VIEW_ROWS = [
    # Camera positions are confidential: the map shows each agency's staff their own agency's cameras, as the camera
    # list does; a superuser every camera.
    ViewRow(
        "admin:reads_camera_map",
        page(
            superuser=(200, ALL), owner_admin=(200, {"owner"}), owner_clerk=(200, {"owner"}),
            owner_auditor=(200, {"owner"}), partner_clerk=(200, {"partner"}), partner_auditor=(200, {"partner"}),
            private_clerk=(200, {"private"}),
        ),
        _cameras_on_the_map,
    ),
    # A password is changed here by a superuser (anyone's) and by an agency admin (its own agency's people, never
    # its own account nor a superuser's: agencies.access.HOLDINGS); records clerks and auditors manage no people.
    *[
        row
        for target, expect in [
            ("owner_investigator", page(403, superuser=200, owner_admin=200)),
            ("partner_investigator", page(403, superuser=200, owner_admin=404)),
            ("owner_admin", page(403, superuser=200)),
            ("superuser", page(403, superuser=200, owner_admin=404)),
        ]
        for row in (
            ViewRow("admin:auth_user_password_change", expect, args=lambda w, t=target: [w.users[t].pk],
                    tries=f"{target}'s password"),
            ViewRow("admin:auth_user_password_change",
                    {actor: "redirect" if got == 200 else got for actor, got in expect.items()},
                    args=lambda w, t=target: [w.users[t].pk], tries=f"{target}'s password", method="post",
                    body=_password_body, writes=_password_of(target)),
        )
    ],
    # A second factor's secret (its QR code and key) is shown to its own user only, superusers included; second
    # factors are a superuser's only in admin (people enrol theirs at sign-in).
    *[
        ViewRow(f"admin:otp_totp_totpdevice_{view}", expect, args=lambda w, t=target: [w.pk("totp", t)],
                tries=f"{target}'s device")
        for view in ("config", "qrcode")
        for target, expect in [("superuser", page(403, superuser=200)), ("owner_clerk", page(403))]
    ],
    # The access log as CSV, with the list's filters: the rows filed under the caller's agency, to those who read
    # the log (an agency's auditors and admin); the export is itself an access, written to the log. A superuser is
    # of no agency, so has no log to export (the operator look-up is its way in, logged under the agency).
    ViewRow(
        "admin:reads_accesslogentry_export",
        page(403, owner_admin=(200, {"owner"}), owner_auditor=(200, {"owner"}),
             partner_auditor=(200, {"partner", "partner>owner"})),
        _csv_rows, writes=_access_log_rows,
    ),
    # A filter naming another agency widens nothing: the owner's staff get their own rows (the filter offers them
    # no other agency, so the list ignores it), never the partner's.
    ViewRow(
        "admin:reads_accesslogentry_export",
        page(403, owner_admin=(200, {"owner"}), owner_auditor=(200, {"owner"}),
             partner_auditor=(200, {"partner", "partner>owner"})),
        _csv_rows, tries="filtered to the partner agency",
        query=lambda w: {"agency__id__exact": w.agencies["partner"].pk}, writes=_access_log_rows,
    ),
    ViewRow(
        "admin:reads_accesslogentry_export", page(403, **dict.fromkeys(AUDIT_READERS, 400)), tries="a bad filter",
        query=lambda w: {"at__gte": "not a date"}, writes=_access_log_rows,
    ),
    # The operator look-up: a superuser's only, logged under the agency whose reads it reaches.
    ViewRow("admin:reads_accesslogentry_operator_lookup", page(403, superuser=200)),
    ViewRow(
        "admin:reads_accesslogentry_operator_lookup", page(403, superuser=(200, {"owner"})), _reads_found,
        tries="the owner's reads", method="post", body=_lookup_body(Purpose.CRIMINAL_INVESTIGATION),
        writes=_access_log_rows,
    ),
    ViewRow(
        "admin:reads_accesslogentry_operator_lookup", page(403, superuser=400), tries="without a purpose",
        method="post", body=_lookup_body(""), writes=_access_log_rows,
    ),
    # The monthly report of partner searches of the caller's own agency's data (never another owner's: the owner is
    # the caller's agency, whatever the query names), to those who read partner searches; each download is logged.
    ViewRow(
        "admin:reads_partnersearch_report",
        page(403, owner_admin=(200, {"partner>owner"}), owner_auditor=(200, {"partner>owner"}),
             partner_auditor=(200, set())),
        _csv_rows, query=lambda w: {"month": _this_month()}, writes=_access_log_rows,
    ),
    ViewRow(
        "admin:reads_partnersearch_report",
        page(403, owner_admin=(200, {"partner>owner"}), owner_auditor=(200, {"partner>owner"}),
             partner_auditor=(200, set())),
        _csv_rows, tries="one partner, another owner named",
        query=lambda w: {"month": _this_month(), "partner": w.agencies["partner"].pk, "owner": w.agencies["owner"].pk},
        writes=_access_log_rows,
    ),
    ViewRow(
        "admin:reads_partnersearch_report", page(403, **dict.fromkeys(AUDIT_READERS, 200)), tries="as PDF",
        query=lambda w: {"month": _this_month(), "kind": "pdf"}, writes=_access_log_rows,
    ),
    ViewRow(
        "admin:reads_partnersearch_report", page(403, **dict.fromkeys(AUDIT_READERS, 400)), tries="a bad month",
        query=lambda w: {"month": "13/2024"}, writes=_access_log_rows,
    ),
    # Import into a hotlist: the page, the upload (which previews), and the confirmation (which queues the import).
    *[
        row
        for key in ("owner", "partner")
        for row in (
            ViewRow("admin:hotlists_hotlist_import", _import_page(key, 200), args=lambda w, k=key: [w.pk("hotlist", k)],
                    tries=f"the {key}'s list"),
            ViewRow("admin:hotlists_hotlist_import", _import_page(key, 200), args=lambda w, k=key: [w.pk("hotlist", k)],
                    tries=f"the {key}'s list, upload", method="post",
                    body=lambda w, actor: {"file": _import_file(), "format": ImportFormat.CSV}),
            ViewRow("admin:hotlists_hotlist_import", _import_page(key, "redirect"),
                    args=lambda w, k=key: [w.pk("hotlist", k)], tries=f"the {key}'s list, confirmed", method="post",
                    body=_import_confirm_body(key), writes=_imports_of(key)),
        )
    ],
    # The signed MOU, to either party's staff who read MOUs; to no one else, and a bad id is a missing MOU.
    ViewRow("admin:sharing_mou_document", page(404, **OWNER_MOU_STAFF, partner_clerk=200, partner_auditor=200),
            args=_document("owner>partner"), tries="an active MOU"),
    ViewRow("admin:sharing_mou_document", page(404, **OWNER_MOU_STAFF), args=_document("owner>unrelated"),
            tries="the owner's draft"),
    ViewRow("admin:sharing_mou_document", page(404, **OWNER_MOU_STAFF, private_clerk=200),
            args=_document("private>owner"), tries="the private entity's MOU into the owner"),
    ViewRow("admin:sharing_mou_document", page(404), args=lambda w: ["not-an-id"], tries="a bad id"),
    # Who the caller's agency shares with and who shares with it (MOUs in effect); a superuser picks the agency.
    *[
        ViewRow(
            "admin:sharing_mou_overview",
            page(
                superuser=(200, superuser), owner_admin=(200, OWNER_IN_EFFECT), owner_clerk=(200, OWNER_IN_EFFECT),
                owner_auditor=(200, OWNER_IN_EFFECT), partner_clerk=(200, {"owner>partner"}),
                partner_auditor=(200, {"owner>partner"}), private_clerk=(200, {"private>owner"}),
            ),
            _mous_in_overview, tries=tries, query=query,
        )
        for tries, query, superuser in [
            ("", None, set()),
            ("the partner agency named", lambda w: {"agency": w.agencies["partner"].pk}, {"owner>partner"}),
        ]
    ],
    ViewRow("admin:sharing_mou_overview", page(200, superuser=400), tries="a bad agency",
            query=lambda w: {"agency": "not-an-id"}),
    # Images uploaded for recognition become the agency's reads: as through the API, only by someone who may reach
    # ALPR data (trained, of an agency) with the role's permission, and only for their own agency's cameras.
    ViewRow("admin:recognition_job_upload", page(403, owner_admin=(200, {"owner"})), _upload_cameras),
    ViewRow("admin:recognition_job_upload", page(403, owner_admin="redirect"), tries="one's own camera",
            method="post", body=_upload_body("owner"), writes=lambda w: RecognitionJob.objects.count()),
    ViewRow("admin:recognition_job_upload", page(403, owner_admin=400), tries="another agency's camera",
            method="post", body=_upload_body("partner"), writes=lambda w: RecognitionJob.objects.count()),
]  # fmt: skip


# -- actions -----------------------------------------------------------------------------------------------------


@dataclass
class ActionRow:
    """An admin action: who is offered it on the changelist, and on whom a POST (forged by anyone) takes effect."""

    model: str
    action: str
    offered: set
    target: Callable[[World], object] | None = None
    acts: set = field(default_factory=set)  # callers for whom the POST on `target` took effect
    body: Callable[[World], dict] = lambda w: {}
    effect: Callable[[World, object], bool] | None = None  # whether the target changed


def _gone(w, target) -> bool:
    return not type(target).objects.filter(pk=target.pk).exists()


def _deleted(model, target_fn, offered, acts=frozenset()) -> ActionRow:
    return ActionRow(model, "delete_selected", set(offered), target_fn, set(acts), lambda w: {"post": "yes"}, _gone)


OWNER_RECORDS = {"superuser", "owner_admin", "owner_clerk"}
RECORDS_OFFERED = {"superuser", "owner_admin", "owner_clerk", "partner_clerk", "private_clerk"}

ACTION_ROWS = [
    ActionRow(
        "agencies.user", "deactivate_accounts", {"superuser", "owner_admin"}, obj("user", "owner_investigator"),
        {"superuser", "owner_admin"},
        effect=lambda w, user: not type(user).objects.get(pk=user.pk).is_active,
    ),
    ActionRow(
        "agencies.apitoken", "revoke", {"superuser", "owner_admin"}, obj("token", "owner_investigator"),
        {"superuser", "owner_admin"},
        effect=lambda w, token: type(token).objects.get(pk=token.pk).revoked_at is not None,
    ),
    ActionRow(
        "sharing.mou", "activate_selected", RECORDS_OFFERED, lambda w: w.mous["owner>unrelated"], OWNER_RECORDS,
        lambda w: {"post": "yes"}, lambda w, mou: MOU.objects.get(pk=mou.pk).status == MOU.Status.ACTIVE,
    ),
    ActionRow(
        "sharing.mou", "revoke_selected", RECORDS_OFFERED, lambda w: w.mous["owner>partner"], OWNER_RECORDS,
        lambda w: {"post": "yes", "reason": "Matrix."},
        lambda w, mou: MOU.objects.get(pk=mou.pk).status == MOU.Status.REVOKED,
    ),
    ActionRow(
        "sharing.mou", "renew_selected", RECORDS_OFFERED, lambda w: w.mous["owner>partner"], OWNER_RECORDS,
        lambda w: {"post": "yes", "expires_on": (timezone.localdate().replace(year=timezone.localdate().year + 3))
                   .isoformat(), "document": signed_pdf()},
        lambda w, mou: MOU.objects.get(pk=mou.pk).expires_on != mou.expires_on,
    ),  # fmt: skip
    ActionRow(
        "transparency.usagepolicy", "publish_selected", RECORDS_OFFERED, obj("policy", "owner"), OWNER_RECORDS,
        effect=lambda w, policy: type(policy).objects.get(pk=policy.pk).is_published,
    ),
    ActionRow(
        "transparency.usagepolicy", "new_version_from_selected", RECORDS_OFFERED, obj("policy", "owner"),
        OWNER_RECORDS, effect=lambda w, policy: type(policy).objects.filter(agency=policy.agency).count() > 1,
    ),
    ActionRow(
        "reads.cameraplacementnotice", "resolve_selected", RECORDS_OFFERED, obj("notice", "owner"), OWNER_RECORDS,
        effect=lambda w, notice: type(notice).objects.get(pk=notice.pk).resolved_at is not None,
    ),
    ActionRow(
        "transparency.programfacts", "add_starter_faq", RECORDS_OFFERED, obj("facts", "owner"), OWNER_RECORDS,
        effect=lambda w, facts: FaqEntry.objects.filter(agency=facts.agency).count() > 1,
    ),
    ActionRow(
        "transparency.surveillanceevaluation", "publish_selected", RECORDS_OFFERED, obj("evaluation", "owner"),
        OWNER_RECORDS, effect=lambda w, evaluation: type(evaluation).objects.get(pk=evaluation.pk).is_published,
    ),
    ActionRow(
        "transparency.surveillanceevaluation", "new_version_from_selected", RECORDS_OFFERED, obj("evaluation", "owner"),
        OWNER_RECORDS,
        effect=lambda w, evaluation: type(evaluation).objects.filter(agency=evaluation.agency,
                                                                     version__gt=evaluation.version).exists(),
    ),
    _deleted("agencies.agency", None, {SU}),
    _deleted("agencies.prohibitedterm", obj("term", "owner"), RECORDS_OFFERED, OWNER_RECORDS),
    _deleted("reads.frigatebroker", obj("broker", "owner"), {SU}, {SU}),
    _deleted("transparency.publicquestion", obj("question", "owner"), RECORDS_OFFERED, OWNER_RECORDS),
    _deleted("transparency.faqentry", obj("faq", "owner"), RECORDS_OFFERED, OWNER_RECORDS),
    _deleted("transparency.programfacts", obj("facts", "owner"), {SU}, {SU}),
    _deleted("transparency.programcost", obj("cost", "owner"), {SU}, {SU}),
    _deleted("transparency.councilauthorization", obj("council", "owner"), {SU}, {SU}),
    _deleted("transparency.communitypresentation", obj("presentation", "owner"), {SU}, {SU}),
    _deleted("auth.group", None, {SU}),
    _deleted("otp_totp.totpdevice", None, {SU}),
    _deleted("otp_static.staticdevice", None, {SU}),
    _deleted("agencies.user", obj("user", "owner_officer"), {SU}, {SU}),
    _deleted("agencies.trainingrecord", obj("training", "owner_investigator"), {SU}, {SU}),
    _deleted("agencies.membership", obj("membership", "owner_officer"), {SU}, {SU}),
    _deleted("agencies.apitoken", obj("token", "owner_investigator"), {SU}, {SU}),
    _deleted("hotlists.hotlist", None, {SU}),
    _deleted("hotlists.hotlistentry", obj("entry", "owner"), RECORDS_OFFERED, OWNER_RECORDS),
    _deleted("hotlists.hotlistimport", None, {SU}),
    _deleted("hotlists.alert", None, {SU}),
    _deleted("hotlists.notificationsubscription", obj("subscription", "owner"), {SU}, {SU}),
    _deleted("hotlists.notificationoutbox", None, {SU}),
    _deleted("recognition.recognitionjob", None, {SU}),
]  # fmt: skip


# -- forged adds: another agency's object posted into the field that says whose a record is ------------------------


def _today(days: int = 0) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def _quarter_before_last() -> dt.date:
    """A quarter that is over and has no compliance report in the world (which published the last one)."""
    return last_quarter_start(last_quarter_start())


def _user_add(w: World) -> dict:
    return {
        "username": "forged-person", "usable_password": "true",
        "password1": "A-long-enough-passphrase-42", "password2": "A-long-enough-passphrase-42",
        "membership-TOTAL_FORMS": "1", "membership-INITIAL_FORMS": "0", "membership-MIN_NUM_FORMS": "1",
        "membership-MAX_NUM_FORMS": "1", "membership-0-agency": w.agencies["partner"].pk,
        "membership-0-role": "investigator", "membership-0-job_title": "",
        "training_records-TOTAL_FORMS": "0", "training_records-INITIAL_FORMS": "0",
        "training_records-MIN_NUM_FORMS": "0", "training_records-MAX_NUM_FORMS": "1000",
    }  # fmt: skip


@dataclass
class ForgedAdd:
    """A valid add form but for one field naming another agency's object (`field`, on the form or an inline's)."""

    model: str
    actor: str
    field: str
    body: Callable[[World], dict]
    count: Callable[[World], int]


def _count(model_label: str, **filters) -> Callable[[World], int]:
    from django.apps import apps

    return lambda w: apps.get_model(model_label)._default_manager.filter(**filters).count()


FORGED_ADDS = [
    ForgedAdd("reads.camera", "owner_clerk", "agency", lambda w: {
        "agency": w.agencies["partner"].pk, "name": "Forged camera", "kind": "fixed",
        "location_latitude": "33.8", "location_longitude": "-116.5", "heading": "90", "expected_interval_s": "300",
        "agent_uid": "", "agent_camera_id": "", "peer": "native", "external_id": "", "time_zone": "",
        "date_order": "", "moves-TOTAL_FORMS": "0", "moves-INITIAL_FORMS": "0",
    }, _count("reads.camera", name="Forged camera")),
    ForgedAdd("hotlists.hotlist", "owner_clerk", "agency", lambda w: {
        "agency": w.agencies["partner"].pk, "name": "Forged list", "source": "custom", "category": "stolen_vehicle",
        "priority": "2", "alert_level": "standard", "match_strategy": "exact", "is_active": "on",
        "default_entry_lifetime": "", "drop_file_name": "",
    }, _count("hotlists.hotlist", name="Forged list")),
    ForgedAdd("hotlists.hotlistentry", "owner_clerk", "hotlist", lambda w: {
        "hotlist": w.pk("hotlist", "partner"), "plate": "9FRG123", "plate_state": "CA", "reason": "stolen_vehicle",
        "case_number": "", "description": "", "expires_at_0": "", "expires_at_1": "", "vehicle_year": "",
        "vehicle_make": "", "vehicle_model": "", "vehicle_color": "",
    }, _count("hotlists.hotlistentry", plate="9FRG123")),
    ForgedAdd("sharing.mou", "owner_clerk", "owner", lambda w: {
        "owner": w.agencies["partner"].pk, "partner": w.agencies["unrelated"].pk, "scope_search": "on",
        "effective_on": _today(), "expires_on": _today(365), "owner_signatory": "A", "partner_signatory": "B",
        "partner_certified_purposes": "on", "justification": "Forged.",
    }, _count("sharing.mou", justification="Forged.")),
    ForgedAdd("transparency.usagepolicy", "owner_clerk", "agency", lambda w: {
        "agency": w.agencies["partner"].pk, "effective_on": "", "authorized_purposes": "Forged.",
    }, _count("transparency.usagepolicy", authorized_purposes="Forged.")),
    ForgedAdd("transparency.publishedreport", "owner_clerk", "agency", lambda w: {
        "agency": w.agencies["partner"].pk, "period_kind": "year",
        "period_start": timezone.localdate().replace(year=timezone.localdate().year - 1, month=1, day=1).isoformat(),
        "period_end": "", "note": "Forged.", "_confirm_publish": "1",
    }, _count("transparency.publishedreport", note="Forged.")),
    ForgedAdd("reads.searchaudit", "owner_auditor", "agency", lambda w: {
        "agency": w.agencies["partner"].pk, "period_start": _today(-3), "period_end": _today(-2), "sample_size": "1",
    }, _count("reads.searchaudit", period_start=timezone.localdate() - dt.timedelta(days=3))),
    ForgedAdd("agencies.apitoken", "owner_admin", "user", lambda w: {
        "user": w.users["partner_investigator"].pk, "name": "Forged", "purpose": "api",
        "expires_at_0": _today(30), "expires_at_1": "12:00:00",
    }, _count("agencies.apitoken", name="Forged")),
    ForgedAdd("agencies.trainingrecord", "owner_admin", "user", lambda w: {
        "user": w.users["partner_investigator"].pk, "course": "Forged", "completed_on": _today(),
        "expires_on": _today(365),
    }, _count("agencies.trainingrecord", course="Forged")),
    ForgedAdd("agencies.user", "owner_admin", "membership.agency", _user_add,
              _count("agencies.user", username="forged-person")),
    ForgedAdd("agencies.prohibitedterm", "owner_clerk", "agency", lambda w: {
        "agency": w.agencies["partner"].pk, "term": "forgedterm", "note": "",
    }, _count("agencies.prohibitedterm", term="forgedterm")),
    ForgedAdd("reads.frigatebroker", "private_clerk", "agency", lambda w: {
        "agency": w.agencies["owner"].pk, "name": "Forged broker", "is_active": "on",
        "url": "mqtt://forged.example:1883", "mqtt_version": "3.1.1", "username": "", "password": "",
        "ca_certificate": "", "client_id": "", "topic_prefix": "frigate", "camera_map": "{}",
    }, _count("reads.frigatebroker", name="Forged broker")),
    ForgedAdd("transparency.faqentry", "owner_clerk", "agency", lambda w: {
        "agency": w.agencies["partner"].pk, "question": "Forged?", "answer": "Forged.", "position": "100",
        "is_published": "on",
    }, _count("transparency.faqentry", question="Forged?")),
    ForgedAdd("transparency.programfacts", "owner_clerk", "agency", lambda w: {
        "agency": w.agencies["unrelated"].pk, "cameras_planned": "7", "cameras_planned_by": "",  # it has none yet
    }, _count("transparency.programfacts", cameras_planned=7)),
    ForgedAdd("transparency.programcost", "owner_clerk", "agency", lambda w: {
        "agency": w.agencies["partner"].pk, "fiscal_year": "2019", "acquisition": "0", "installation": "0",
        "annual_service": "0", "maintenance": "0",
    }, _count("transparency.programcost", fiscal_year=2019)),
    ForgedAdd("transparency.councilauthorization", "owner_clerk", "agency", lambda w: {
        "agency": w.agencies["partner"].pk, "date": _today(), "title": "Forged vote",
        "link": "https://city.example.gov/forged", "ayes": "5", "noes": "0", "abstentions": "0",
    }, _count("transparency.councilauthorization", title="Forged vote")),
    ForgedAdd("transparency.communitypresentation", "owner_clerk", "agency", lambda w: {
        "agency": w.agencies["partner"].pk, "date": _today(), "title": "Forged presentation",
        "document": signed_pdf("forged.pdf"),
    }, _count("transparency.communitypresentation", title="Forged presentation")),
    ForgedAdd("transparency.surveillanceevaluation", "owner_clerk", "agency", lambda w: {
        "agency": w.agencies["partner"].pk, **dict.fromkeys(EVALUATION_ELEMENTS, "Forged."),
    }, _count("transparency.surveillanceevaluation", technology_description="Forged.")),
    ForgedAdd("transparency.compliancereport", "owner_clerk", "agency", lambda w: {
        "agency": w.agencies["partner"].pk, "period_start": _quarter_before_last().isoformat(),
    }, _count("transparency.compliancereport", period_start=_quarter_before_last())),
]  # fmt: skip

"""The one permission choke point.

Two questions, each answered here and nowhere else:
- May this user reach ALPR data now, and whose? `alpr_access_refusal` and `agencies_visible_to` (every API view
  through common.api.AlprDataPermission, every console view through console.access, every model's
  `visible_to(user)` queryset).
- Which of these records may this user view, add, change or delete? `restrict(queryset, user, action)`, the
  NetBox-style entry point that Django admin uses for its changelists, change, add and delete views, the choices
  of every form field (`field_choices`), list filters, actions, autocomplete, and the check after each save
  (common.admin.RestrictedAdmin).

What a request needs to know about its user (membership, role, training, the agencies visible per scope) is
computed once per request by `access_of` and passed down; it is never kept beyond the request
(agencies.request_scope), so a lapse of training takes effect on the next request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Q
from django.utils import timezone

from .models import Agency, Membership, TrainingRecord
from .request_scope import request_cache
from .roles import roles_grantable_by

NOT_SIGNED_IN = "Sign in to reach ALPR data."
ACCOUNT_INACTIVE = "This account is deactivated."
NO_AGENCY = "This account belongs to no agency, so it reaches no ALPR data."
AGENCY_INACTIVE = "Your agency is deactivated in this system."
TRAINING_REQUIRED = (
    "ALPR data is open only to users with current ALPR training. "
    "Your training record is missing or has lapsed; ask your agency's ALPR administrator."
)


class Scope:
    """What a user may do with another agency's data. Own-agency data is always in every scope."""

    SEARCH = "search"  # search the owner's reads, view their images
    ALERTS = "alerts"  # receive alerts when the owner's cameras read a plate on the partner's hotlists
    HOTLISTS = "hotlists"  # see the owner's hotlists


class UserAccess:
    """What one request knows about its user, each fact computed at most once (and only when first asked)."""

    def __init__(self, user):
        self.user = user
        self.is_authenticated = bool(getattr(user, "is_authenticated", False))
        self.is_superuser = self.is_authenticated and bool(user.is_superuser)
        self._visible: dict[str, list[int]] = {}

    @cached_property
    def membership(self) -> Membership | None:
        if not self.is_authenticated:
            return None
        user = getattr(self.user, "_wrapped", self.user)  # request.user is a lazy object around the user
        related = Membership._meta.get_field("user").remote_field
        if related.is_cached(user):  # loaded with the user (token authentication does)
            membership = related.get_cached_value(user)
            if membership is None or Membership.agency.field.is_cached(membership):
                return membership
        return Membership.objects.select_related("agency").filter(user_id=self.user.pk).first()

    @property
    def agency_id(self) -> int | None:
        return self.membership.agency_id if self.membership else None

    @property
    def agency(self) -> Agency | None:
        return self.membership.agency if self.membership else None

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @cached_property
    def trained(self) -> bool:
        if not self.is_authenticated:
            return False
        return TrainingRecord.objects.filter(user_id=self.user.pk).current(timezone.localdate()).exists()

    @cached_property
    def refusal(self) -> str | None:
        """Why the user may not reach ALPR data right now, or None if they may."""
        if not self.is_authenticated:
            return NOT_SIGNED_IN
        if not self.user.is_active:
            return ACCOUNT_INACTIVE
        if self.membership is None:
            return NO_AGENCY
        if not self.membership.agency.is_active:
            return AGENCY_INACTIVE
        if not self.trained:
            return TRAINING_REQUIRED
        return None

    def agencies(self, scope: str = Scope.SEARCH) -> list[int]:
        """Ids of agencies whose data the user may reach in `scope`: their own, plus owners whose MOU grants it."""
        if scope not in self._visible:
            if self.refusal is not None:
                self._visible[scope] = []
            else:
                self._visible[scope] = [self.agency_id, *_shared_agency_ids(self.membership.agency, scope)]
        return list(self._visible[scope])

    @property
    def manages_records(self) -> bool:
        """Signed in, active, in an active agency: the least anyone needs to keep records in admin."""
        return self.is_authenticated and self.user.is_active and self.membership is not None and self.agency.is_active


def access_of(user) -> UserAccess:
    """The user's access, computed once per request (a fresh one for every call outside a request)."""
    cache = request_cache()
    if cache is None:
        return UserAccess(user)
    key = ("access", user.pk if getattr(user, "is_authenticated", False) else None)
    access = cache.get(key)
    if access is None:
        access = cache[key] = UserAccess(user)
    return access


def membership_of(user) -> Membership | None:
    return access_of(user).membership


def alpr_access_refusal(user) -> str | None:
    """Why `user` may not reach ALPR data right now, or None if they may. Checked on every request."""
    return access_of(user).refusal


def agencies_visible_to(user, scope: str = Scope.SEARCH) -> list[int]:
    """Ids of agencies whose data `user` may reach in `scope`: their own, plus owners whose MOU grants it."""
    return access_of(user).agencies(scope)


# Who shares with whom is the sharing app's to say, and sharing builds on agencies, not the reverse: it hands its
# selector in here when it starts (SharingConfig.ready). Until it has, nobody reaches another agency's data.
_sharing_lookup: Callable[..., list[int]] | None = None


def register_sharing_lookup(lookup: Callable[..., list[int]]) -> None:
    """Called once by the sharing app: `lookup(partner=Agency, scope=str)` -> ids of owners sharing with it now."""
    global _sharing_lookup
    _sharing_lookup = lookup


def _shared_agency_ids(partner: Agency, scope: str) -> list[int]:
    """Owner agencies sharing with `partner` in `scope`, as the sharing app says (none if it has not said)."""
    return [] if _sharing_lookup is None else _sharing_lookup(partner=partner, scope=scope)


# -- records: who may view, add, change and delete which ---------------------------------------------------------

VIEW, ADD, CHANGE, DELETE = "view", "add", "change", "delete"
ACTIONS = (VIEW, ADD, CHANGE, DELETE)
UNKNOWN_ACTION = "Unknown action {action!r}: restrict() knows view, add, change and delete."


@dataclass(frozen=True)
class Holding:
    """Which agency holds a model's rows, as a lookup path from the model to the Agency (`pk` for Agency itself).

    `viewers`: further paths to agencies that may view a row (the partner of an MOU), never change it.
    `everyone_views`: every row is listed to whoever holds the view permission (the agency directory, the
    system's purge runs); changes still follow `path`.
    `not_self`: the path to a user that nobody may add, change or delete rows for themselves (role, training).
    `perms_of`: the model whose permissions apply (the parent of an inline's rows).
    `always`/`writes`: a further condition on every row / on rows that are added, changed or deleted.
    """

    path: str | None
    viewers: tuple[str, ...] = ()
    everyone_views: bool = False
    not_self: str | None = None
    perms_of: str | None = None
    always: Callable[[UserAccess], Q] | None = None
    writes: Callable[[UserAccess], Q] | None = None


def _not_superuser(prefix: str = "") -> Callable[[UserAccess], Q]:
    return lambda access: ~Q(**{f"{prefix}is_superuser": True})


def _grantable_roles(access: UserAccess) -> Q:
    return Q(role__in=sorted(roles_grantable_by(access.role)))


# The permission map. A model missing here is refused to everyone but a superuser (fail closed); the test
# tests/sharing/test_authorization_matrix.py fails on a registered ModelAdmin whose model has no entry.
HOLDINGS: dict[str, Holding] = {
    "agencies.agency": Holding("pk", everyone_views=True),
    "agencies.user": Holding("membership__agency", not_self="pk", always=_not_superuser()),
    "agencies.membership": Holding("agency", not_self="user", always=_not_superuser("user__"), writes=_grantable_roles),
    "agencies.trainingrecord": Holding("user__membership__agency", not_self="user", always=_not_superuser("user__")),
    "agencies.apitoken": Holding("user__membership__agency", always=_not_superuser("user__")),
    "agencies.signinevent": Holding("user__membership__agency"),
    "auditlog.logentry": Holding("actor__membership__agency"),
    "agencies.prohibitedterm": Holding("agency"),
    "reads.camera": Holding("agency"),
    "reads.cameramove": Holding("camera__agency", perms_of="reads.camera"),
    "reads.frigatebroker": Holding("agency"),
    "reads.cameraplacementnotice": Holding("agency"),
    # The owner's view of partner searches of its data: PartnerSearchAdmin narrows the rows to the searches that
    # reached the user's agency (reads.querysets.partner_searches_visible_to); the permission is the auditor's.
    "reads.partnersearch": Holding(None, everyone_views=True),
    "reads.accesslogentry": Holding("agency"),
    "reads.evidencehold": Holding("agency"),
    "reads.evidenceholditem": Holding("hold__agency", perms_of="reads.evidencehold"),
    "reads.purgerun": Holding(None, everyone_views=True),
    "reads.searchaudit": Holding("agency"),
    "reads.searchauditsample": Holding("audit__agency", perms_of="reads.searchaudit"),
    "hotlists.hotlist": Holding("agency"),
    "hotlists.hotlistentry": Holding("hotlist__agency"),
    "hotlists.hotlistimport": Holding("hotlist__agency"),
    "hotlists.alert": Holding("agency"),
    "hotlists.alertevent": Holding("alert__agency", perms_of="hotlists.alert"),
    "hotlists.notificationsubscription": Holding("agency"),
    "hotlists.notificationoutbox": Holding("subscription__agency"),
    "sharing.mou": Holding("owner", viewers=("partner",)),
    "sharing.sharingrefusal": Holding("owner", viewers=("partner",)),
    "sharing.sharingevent": Holding("owner", viewers=("partner",)),
    "transparency.usagepolicy": Holding("agency"),
    "transparency.publishedreport": Holding("agency"),
    "transparency.publicquestion": Holding("agency"),
    "transparency.faqentry": Holding("agency"),
    "transparency.programfacts": Holding("agency"),
    "transparency.programcost": Holding("agency"),
    "transparency.councilauthorization": Holding("agency"),
    "transparency.communitypresentation": Holding("agency"),
    "transparency.surveillanceevaluation": Holding("agency"),
    "transparency.compliancereport": Holding("agency"),
    "recognition.recognitionjob": Holding("agency"),
}  # fmt: skip


def holding_of(model) -> Holding | None:
    return HOLDINGS.get(model._meta.label_lower)


def has_model_permission(user, model, action: str) -> bool:
    """The role's model permission for `action` on `model` (view is also given by change, as in Django admin).
    False for a model the permission map does not name."""
    if action not in ACTIONS:
        raise ValueError(UNKNOWN_ACTION.format(action=action))
    access = access_of(user)
    if access.is_superuser:
        return bool(user.is_active)
    holding = holding_of(model)
    if holding is None or not access.manages_records:
        return False
    app_label, model_name = (holding.perms_of or model._meta.label_lower).split(".")
    if action == VIEW:
        return user.has_perm(f"{app_label}.view_{model_name}") or user.has_perm(f"{app_label}.change_{model_name}")
    return user.has_perm(f"{app_label}.{action}_{model_name}")


def restrict(queryset, user, action: str):
    """The rows of `queryset` that `user` may `action` (view, add, change, delete): a superuser all; anyone else
    the rows their own agency holds, if their role holds the model permission; none of a model the permission
    map (HOLDINGS) does not name. For `add`, the rows the user may hold once added (the check after a save)."""
    if not has_model_permission(user, queryset.model, action):
        return queryset.none()
    access = access_of(user)
    if access.is_superuser:
        return queryset
    holding = holding_of(queryset.model)
    if holding.always is not None:
        queryset = queryset.filter(holding.always(access))
    if action == VIEW and holding.everyone_views:
        return queryset
    if holding.path is None:
        return queryset.none()
    held = Q(**{holding.path: access.agency_id})
    if action == VIEW:
        for path in holding.viewers:
            held |= Q(**{path: access.agency_id})
        return queryset.filter(held)
    if holding.not_self is not None:
        queryset = queryset.exclude(**{holding.not_self: user.pk})
    if holding.writes is not None:
        queryset = queryset.filter(holding.writes(access))
    return queryset.filter(held)


def field_choices(model, field_name: str, user):
    """The objects `user` may choose for `model.field_name` (a foreign key or many-to-many) when adding or
    changing a `model` row: for the field that leads to the holding agency, only what their own agency holds
    (never themselves where `not_self` says so); for any other relation, what they may view of it."""
    field = model._meta.get_field(field_name)
    related = field.related_model
    choices = related._default_manager.all()
    access = access_of(user)
    if access.is_superuser and user.is_active:
        return choices
    holding = holding_of(model)
    if holding is None:
        return choices.none()
    choices = restrict(choices, user, VIEW)
    if holding.path is not None and (holding.path == field_name or holding.path.startswith(f"{field_name}__")):
        rest = holding.path[len(field_name) + 2 :] or "pk"
        choices = choices.filter(**{rest: access.agency_id})
    if holding.not_self == field_name:
        choices = choices.exclude(pk=user.pk)
    return choices

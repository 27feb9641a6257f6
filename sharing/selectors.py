"""Reads about sharing agreements. The only place that decides who shares what with whom.

A partner reaches an owner's data in a scope only when all of these hold, checked on every call in one query:
- the partner agency's group holds the scope's django-guardian object permission on the owner Agency
  (granted by services.mou_activate, removed by revocation and expiry);
- an MOU between them names the scope, is active, and today lies within its effective and expiry dates
  (so an MOU past its expiry gives nothing even before the nightly expiry job has run);
- the partner is, as its row reads now, a California public agency (Civil Code §1798.90.55(b)), so an agency
  whose state or kind is changed loses access on its next request.

Use these selectors (through agencies.access.agencies_visible_to), never `user.has_perm(perm, agency)`: guardian
alone does not know about dates or the partner rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from guardian.models import GroupObjectPermission

from agencies.choices import NON_PUBLIC_KINDS
from agencies.models import Agency

from .models import MOU, SCOPE_FIELDS
from .rules import AGENCY_GROUP_PREFIX, CALIFORNIA, agency_group_name, eligible_partner_q, partner_refusal

# A refusal found at request time is recorded once per MOU per day, not once per request.
_REQUEST_REFUSAL_KEY = "sharing:request-refusal:{mou_id}:{day}"


def _scope_fields(scope: str) -> tuple[str, str]:
    try:
        return SCOPE_FIELDS[scope]
    except KeyError:
        raise ValueError(f"Unknown sharing scope {scope!r}; use agencies.access.Scope.") from None


def _group_holds_permission(*, codename: str, group_name, owner_pk) -> Exists:
    """EXISTS (a guardian group object permission `codename` on Agency `owner_pk` for group `group_name`)."""
    return Exists(
        GroupObjectPermission.objects.filter(
            group__name=group_name,
            permission__codename=codename,
            permission__content_type__app_label="agencies",
            content_type__app_label="agencies",
            content_type__model="agency",
            object_pk=owner_pk,
        )
    )


def _is_eligible(kind: str, state: str) -> bool:
    return state == CALIFORNIA and kind not in NON_PUBLIC_KINDS


def _record_request_refusal(*, mou_id: int, owner_id: int, partner_id: int) -> None:
    if not cache.add(_REQUEST_REFUSAL_KEY.format(mou_id=mou_id, day=timezone.localdate()), 1, timeout=86_400):
        return
    from .services import sharing_refusal_record  # a write, kept in services; only on this rare path

    partner = Agency.objects.get(pk=partner_id)
    sharing_refusal_record(
        where="request",
        owner_id=owner_id,
        partner=partner,
        mou_id=mou_id,
        reason=partner_refusal(partner) or "Partner no longer eligible.",
    )


def owner_ids_sharing_with(*, partner, scope: str) -> list[int]:
    """Ids of owner agencies whose active MOU grants `partner` the `scope` (agencies.access.Scope) right now.

    One query. If the partner has stopped being a California public agency, returns nothing and records the
    refusal (once a day per MOU)."""
    scope_field, codename = _scope_fields(scope)
    rows = list(
        MOU.objects.in_effect()
        .filter(partner_id=partner.pk, **{scope_field: True})
        .filter(
            _group_holds_permission(
                codename=codename,
                group_name=agency_group_name(partner.pk),
                owner_pk=Cast(OuterRef("owner_id"), CharField()),
            )
        )
        .values_list("id", "owner_id", "partner__kind", "partner__state")
    )
    if rows and not _is_eligible(rows[0][2], rows[0][3]):
        for mou_id, owner_id, _, _ in rows:
            _record_request_refusal(mou_id=mou_id, owner_id=owner_id, partner_id=partner.pk)
        return []
    return sorted({owner_id for _, owner_id, _, _ in rows})


def partner_ids_with_scope(*, owner_id: int, scope: str) -> list[int]:
    """Ids of partner agencies to which owner `owner_id`'s active MOU grants `scope` right now. One query."""
    scope_field, codename = _scope_fields(scope)
    rows = list(
        MOU.objects.in_effect()
        .filter(owner_id=owner_id, **{scope_field: True})
        .filter(
            _group_holds_permission(
                codename=codename,
                group_name=Concat(Value(AGENCY_GROUP_PREFIX), Cast(OuterRef("partner_id"), CharField())),
                owner_pk=str(owner_id),
            )
        )
        .values_list("id", "partner_id", "partner__kind", "partner__state")
    )
    partner_ids = set()
    for mou_id, partner_id, kind, state in rows:
        if _is_eligible(kind, state):
            partner_ids.add(partner_id)
        else:
            _record_request_refusal(mou_id=mou_id, owner_id=owner_id, partner_id=partner_id)
    return sorted(partner_ids)


@dataclass
class SharingLine:
    """One live agreement as the overview shows it: the other agency and what flows."""

    agency: Agency
    scopes: list[str]
    mou: MOU


@dataclass
class SharingOverview:
    agency: Agency
    on: dt.date
    we_share_with: list[SharingLine] = field(default_factory=list)
    shares_with_us: list[SharingLine] = field(default_factory=list)

    def by_scope(self, lines: list[SharingLine]) -> dict[str, list[Agency]]:
        grouped: dict[str, list[Agency]] = {scope: [] for scope in SCOPE_FIELDS}
        for line in lines:
            for scope in line.scopes:
                grouped[scope].append(line.agency)
        return grouped


def sharing_overview(*, agency: Agency, on: dt.date | None = None) -> SharingOverview:
    """Who `agency` shares with and who shares with it, from the MOUs in effect today (one query)."""
    on = on or timezone.localdate()
    overview = SharingOverview(agency=agency, on=on)
    mous = (
        MOU.objects.in_effect(on)
        .filter(Q(owner=agency) | Q(partner=agency))
        .filter(eligible_partner_q())
        .select_related("owner", "partner")
        .order_by("owner__name", "partner__name")
    )
    for mou in mous:
        if mou.owner_id == agency.pk:
            overview.we_share_with.append(SharingLine(agency=mou.partner, scopes=mou.scopes, mou=mou))
        else:
            overview.shares_with_us.append(SharingLine(agency=mou.owner, scopes=mou.scopes, mou=mou))
    return overview

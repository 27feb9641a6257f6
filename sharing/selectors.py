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
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from agencies.choices import NON_PUBLIC_KINDS
from agencies.models import Agency

from .models import MOU, SCOPE_FIELDS, SCOPE_LABELS, SharingEvent
from .rules import AGENCY_GROUP_PREFIX, CALIFORNIA, eligible_partner_q, partner_refusal

# A refusal found at request time is recorded once per MOU per day, not once per request.
_REQUEST_REFUSAL_KEY = "sharing:request-refusal:{mou_id}:{day}"


def _scope_fields(scope: str) -> tuple[str, str]:
    try:
        return SCOPE_FIELDS[scope]
    except KeyError:
        raise ValueError(f"Unknown sharing scope {scope!r}; use agencies.access.Scope.") from None


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


# The two selectors below run on every request that reaches ALPR data (through agencies_visible_to) and at
# every ingest (alert routing), so they are one hand-written statement each: the ORM's version of this query cost
# about 5 ms of Python to compile per call, several times the query itself. Same rules as the module docstring.
# {scope_field} comes from SCOPE_FIELDS, never from a caller. The Agency content type and its permission are
# subqueries of their own (each names one row) rather than joins: PostgreSQL then plans a join of four tables
# instead of seven, which halved the statement's cost (planning was most of it: 0.65 ms of 0.7 ms).
_SHARING_SQL = """
SELECT m.id, m.owner_id, m.partner_id, p.kind, p.state
FROM sharing_mou m
JOIN agencies_agency p ON p.id = m.partner_id
WHERE m.{side} = %(agency)s AND m.{scope_field} AND m.status = 'active'
  AND m.effective_on <= %(today)s AND m.expires_on >= %(today)s
  AND EXISTS (
      SELECT 1 FROM guardian_groupobjectpermission g
      JOIN auth_group gr ON gr.id = g.group_id
      WHERE gr.name = %(group_prefix)s || m.partner_id::text
        AND g.content_type_id = (SELECT id FROM django_content_type WHERE app_label = 'agencies' AND model = 'agency')
        AND g.permission_id = (
            SELECT id FROM auth_permission WHERE codename = %(codename)s AND content_type_id = (
                SELECT id FROM django_content_type WHERE app_label = 'agencies' AND model = 'agency'
            )
        )
        AND g.object_pk = m.owner_id::text
  )
"""


def _sharing_rows(*, side: str, agency_id: int, scope: str) -> list[tuple[int, int, int, str, str]]:
    scope_field, codename = _scope_fields(scope)
    sql = _SHARING_SQL.format(side=side, scope_field=scope_field)
    params = {
        "agency": agency_id,
        "today": timezone.localdate(),
        "group_prefix": AGENCY_GROUP_PREFIX,
        "codename": codename,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def owner_ids_sharing_with(*, partner, scope: str) -> list[int]:
    """Ids of owner agencies whose active MOU grants `partner` the `scope` (agencies.access.Scope) right now.

    One query. If the partner has stopped being a California public agency, returns nothing and records the
    refusal (once a day per MOU)."""
    rows = _sharing_rows(side="partner_id", agency_id=partner.pk, scope=scope)
    if rows and not _is_eligible(rows[0][3], rows[0][4]):
        for mou_id, owner_id, _, _, _ in rows:
            _record_request_refusal(mou_id=mou_id, owner_id=owner_id, partner_id=partner.pk)
        return []
    return sorted({owner_id for _, owner_id, _, _, _ in rows})


def partner_ids_with_scope(*, owner_id: int, scope: str) -> list[int]:
    """Ids of partner agencies to which owner `owner_id`'s active MOU grants `scope` right now. One query."""
    partner_ids = set()
    for mou_id, _, partner_id, kind, state in _sharing_rows(side="owner_id", agency_id=owner_id, scope=scope):
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


SHARING_HISTORY_SHOWN = 100


def sharing_history(
    *, owner_id: int, until: dt.datetime | None = None, limit: int = SHARING_HISTORY_SHOWN
) -> list[dict]:
    """The owner's latest changes to sharing (SharingEvent), newest first, as plain JSON for the public portal and
    published reports: when, what, with whom, the scopes and expiry after the change. No usernames. One query."""
    events = SharingEvent.objects.of_owner(owner_id).select_related("partner")
    if until is not None:
        events = events.filter(at__lt=until)
    return [
        {
            "at": event.at.isoformat(),
            "kind": event.kind,
            "label": event.get_kind_display(),
            "partner": event.partner.name,
            "scopes": [SCOPE_LABELS.get(scope, scope) for scope in event.scopes],
            "previous_scopes": [SCOPE_LABELS.get(scope, scope) for scope in event.previous_scopes],
            "expires_on": event.expires_on.isoformat() if event.expires_on else None,
        }
        for event in events.order_by("-at", "-id")[:limit]
    ]

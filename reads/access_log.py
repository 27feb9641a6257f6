"""The one access-log writer (Civil Code §1798.90.52) and the hash chain that makes the log tamper-evident.

Every search, image view, export and timeline goes through `access_log_write`, in the same transaction as the
access it records. Rows are chained: row_hash = SHA-256(prev_hash + canonical JSON of the row's content).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from agencies.models import Agency

from .models import AccessLogEntry

GENESIS_HASH = "0" * 64
# Any constant works; it only has to be the same for every writer. Serializes writers so the chain is linear.
_CHAIN_LOCK_KEY = 7_981_798_905


def _content(entry: AccessLogEntry) -> dict:
    return {
        "at": entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "user": entry.user_id,
        "username": entry.username,
        "agency": entry.agency_id,
        "agencies_searched": sorted(entry.agencies_searched),
        "action": entry.action,
        "channel": entry.channel,
        "purpose": entry.purpose,
        "purpose_detail": entry.purpose_detail,
        "case_number": entry.case_number,
        "query": entry.query,
        "result_count": entry.result_count,
        "oldest_result_at": entry.oldest_result_at.astimezone(dt.UTC).isoformat(timespec="microseconds")
        if entry.oldest_result_at
        else None,
        "client_address": entry.client_address,
        # Added after the first rows were written: present only when set, so older rows hash as they did.
        **_added_content(entry),
    }


def _added_content(entry: AccessLogEntry) -> dict:
    content: dict = {}
    if entry.on_behalf_of_id:
        content.update(on_behalf_of=entry.on_behalf_of_id, on_behalf_of_ori=entry.on_behalf_of_ori)
    if entry.attested:
        content["attested"] = True
    return content


def entry_hash(entry: AccessLogEntry, prev_hash: str) -> str:
    payload = json.dumps(_content(entry), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


@transaction.atomic
def access_log_write(
    *,
    user,
    agency: Agency,
    action: str,
    channel: str,
    purpose: str,
    purpose_detail: str = "",
    case_number: str,
    query: dict,
    result_count: int,
    oldest_result_at: dt.datetime | None = None,
    agencies_searched: Iterable[int] = (),
    client_address: str | None = None,
    on_behalf_of_id: int | None = None,
    on_behalf_of_ori: str = "",
    attested: bool = False,
) -> AccessLogEntry:
    """Append one row to the access log, chained to the row before it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    prev_hash = AccessLogEntry.objects.order_by("-id").values_list("row_hash", flat=True).first() or GENESIS_HASH
    entry = AccessLogEntry(
        at=timezone.now(),
        user=user,
        username=user.get_username(),
        agency=agency,
        agencies_searched=sorted(set(agencies_searched)),
        action=action,
        channel=channel,
        purpose=purpose,
        purpose_detail=purpose_detail,
        case_number=case_number,
        query=query,
        result_count=result_count,
        oldest_result_at=oldest_result_at,
        client_address=client_address,
        on_behalf_of_id=on_behalf_of_id,
        on_behalf_of_ori=on_behalf_of_ori if on_behalf_of_id else "",
        attested=attested,
        prev_hash=prev_hash,
    )
    entry.row_hash = entry_hash(entry, prev_hash)
    entry.save()
    return entry


def access_log_verify(*, batch_size: int = 5000) -> tuple[int, AccessLogEntry | None]:
    """Walk the chain from the first row. Returns (rows checked, first broken row or None)."""
    prev_hash = GENESIS_HASH
    checked = 0
    for entry in AccessLogEntry.objects.order_by("id").iterator(chunk_size=batch_size):
        if entry.prev_hash != prev_hash or entry_hash(entry, prev_hash) != entry.row_hash:
            return checked, entry
        prev_hash = entry.row_hash
        checked += 1
    return checked, None

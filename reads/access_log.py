"""The one access-log writer (Civil Code §1798.90.52), the keyed chain that makes the log tamper-evident, and its
signed checkpoints.

Every search, image view, export, timeline and alert view goes through `access_log_write`, in the same transaction
as the access it records. Rows are chained with a keyed MAC:

    row_hash = HMAC-SHA-256(key[key_id], prev_hash + canonical JSON of the row's content, key_id included)

The keys come from the settings (AUDIT_LOG_KEYS, from the environment or a key file: config/audit_keys.py), never
from the database, so someone who can only rewrite the database cannot recompute a valid chain after a change.
Each row names its key id, so keys can be rotated. A chain cannot show rows cut off its end; checkpoints do:
`access_log_checkpoint_write` MACs the chain head, row count and time, and the portal and reports publish them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from agencies.models import Agency

from .choices import AccessAction, Purpose
from .models import AccessLogCheckpoint, AccessLogEntry

GENESIS_HASH = "0" * 64
# Any constant works; it only has to be the same for every writer. Serializes writers so the chain is linear.
_CHAIN_LOCK_KEY = 7_981_798_905
CHECKPOINT_DOMAIN = "alpr-access-log-checkpoint:v1"

KEY_NOT_CONFIGURED = "AUDIT_LOG_KEY_ID {key_id!r} is not among AUDIT_LOG_KEYS: the access log cannot be written."

# What audit_verify reports. The first three name the row and how many rows before it were intact.
ROW_MAC_INVALID = (
    "Access log row id={id} (at {at}, user {username}) fails its MAC: the row was changed, or inserted, outside the "
    "application (without the key). {count} rows before it verified."
)
ROW_LINK_BROKEN = (
    "Access log row id={id} (at {at}, user {username}) does not follow the row before it (id={prev_id}): rows "
    "between them were removed or inserted. {count} rows before it verified."
)
ROW_KEY_UNKNOWN = (
    "Access log row id={id} (at {at}, user {username}) names MAC key {key_id!r}, which this installation does not "
    "hold: it cannot be verified. {count} rows before it verified."
)
CHECKPOINT_NOT_GENUINE = (
    "Checkpoint of {at} ({source}) fails its MAC: it was not written by this system, or it was changed."
)
CHECKPOINT_KEY_UNKNOWN = (
    "Checkpoint of {at} ({source}) names MAC key {key_id!r}, which this installation does not hold."
)
CHECKPOINT_TRUNCATED = (
    "Rows cut off the end of the access log: the checkpoint of {at} ({source}) recorded {row_count} rows ending at "
    "row id={last_id}, but the log now ends at row id={log_last_id} with {log_rows} rows."
)
CHECKPOINT_ROW_MISSING = (
    "The row the checkpoint of {at} ({source}) ends at, id={last_id}, is missing from the access log: it was removed."
)
CHECKPOINT_HEAD_DIFFERS = (
    "The access log up to row id={last_id} differs from the checkpoint of {at} ({source}): that row's MAC is not "
    "the head it recorded, so rows up to it were changed."
)
CHECKPOINT_COUNT_DIFFERS = (
    "The checkpoint of {at} ({source}) recorded {row_count} rows up to row id={last_id}; the log holds {log_rows}: "
    "rows were removed or inserted."
)


def _keys() -> dict[str, bytes]:
    return getattr(settings, "AUDIT_LOG_KEYS", {}) or {}


def _current_key() -> tuple[str, bytes]:
    key_id = getattr(settings, "AUDIT_LOG_KEY_ID", "")
    key = _keys().get(key_id)
    if key is None:
        raise ImproperlyConfigured(KEY_NOT_CONFIGURED.format(key_id=key_id))
    return key_id, key


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds") if moment else None


def _content(entry: AccessLogEntry) -> dict:
    return {
        "at": _iso(entry.at),
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
        "oldest_result_at": _iso(entry.oldest_result_at),
        "client_address": entry.client_address,
        "key_id": entry.key_id,
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


def entry_mac(entry: AccessLogEntry, prev_hash: str, key: bytes) -> str:
    """The row's link: HMAC-SHA-256 over the previous row's MAC and the row's canonical content."""
    payload = json.dumps(_content(entry), sort_keys=True, separators=(",", ":"), default=str)
    return hmac.new(key, (prev_hash + payload).encode(), hashlib.sha256).hexdigest()


def entry_hash(entry: AccessLogEntry, prev_hash: str) -> str:
    """Plain SHA-256 over the previous row's hash and the row's content, with no key: how rows were linked before
    the chain was keyed (migration reads/0007), and all that someone without the key can compute. Not a valid link
    any more: audit_verify reports a row linked this way."""
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
    """Append one row to the access log, chained to the row before it under the current MAC key."""
    key_id, key = _current_key()
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
        key_id=key_id,
    )
    entry.row_hash = entry_mac(entry, prev_hash, key)
    entry.save()
    return entry


def access_log_export_write(
    *, user, agency: Agency, channel: str, detail: str, query: dict, entries: list, client_address: str | None
) -> AccessLogEntry:
    """An export of access-log rows (the log's CSV, the monthly partner-search report) is itself an access: who,
    when, what was asked for and how many rows, filed under the exporter's agency as an audit. The rows are the
    exporter's agency's own audit trail (a partner's searches of its data included), so that agency is the one
    reached: the export never counts as a search of a partner's data."""
    return access_log_write(
        user=user,
        agency=agency,
        action=AccessAction.EXPORT,
        channel=channel,
        purpose=Purpose.OTHER,
        purpose_detail=detail,
        case_number=f"AUDIT-{timezone.localdate():%Y%m%d}",
        query=query,
        result_count=len(entries),
        oldest_result_at=min((entry.at for entry in entries), default=None),
        agencies_searched=[agency.pk],
        client_address=client_address,
    )


# --- Checkpoints --------------------------------------------------------------------------------------------------


def checkpoint_mac(checkpoint: AccessLogCheckpoint, key: bytes) -> str:
    message = "|".join(
        [
            CHECKPOINT_DOMAIN,
            _iso(checkpoint.at) or "",
            str(checkpoint.row_count),
            str(checkpoint.last_entry_id),
            checkpoint.head_hash,
            checkpoint.key_id,
        ]
    )
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def access_log_checkpoint_write(*, now: dt.datetime | None = None) -> AccessLogCheckpoint:
    """Record the log's head, row count and last row id now, MACed under the current key. Holds the writers' lock
    for the moment it reads the head, so that the count and the head describe the same chain."""
    key_id, key = _current_key()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
    last = AccessLogEntry.objects.order_by("-id").values_list("id", "row_hash").first()
    last_id, head = last or (0, GENESIS_HASH)
    checkpoint = AccessLogCheckpoint(
        at=now or timezone.now(),
        row_count=AccessLogEntry.objects.filter(id__lte=last_id).count(),
        last_entry_id=last_id,
        head_hash=head,
        key_id=key_id,
    )
    checkpoint.mac = checkpoint_mac(checkpoint, key)
    checkpoint.save()
    return checkpoint


def checkpoint_public(checkpoint: AccessLogCheckpoint) -> dict:
    """A checkpoint as the portal, its JSON and reports publish it; `checkpoints_from_json` reads it back."""
    return {
        "at": _iso(checkpoint.at),
        "row_count": checkpoint.row_count,
        "last_entry_id": checkpoint.last_entry_id,
        "head_hash": checkpoint.head_hash,
        "key_id": checkpoint.key_id,
        "mac": checkpoint.mac,
    }


def checkpoints_published(limit: int = 30) -> list[dict]:
    """The newest checkpoints, newest first, as published."""
    return [checkpoint_public(cp) for cp in AccessLogCheckpoint.objects.order_by("-at", "-id")[:limit]]


CHECKPOINT_FILE_INVALID = (
    "The checkpoint file holds no checkpoint: expected a checkpoint object ({fields}), a list of them, or the portal's "
    "JSON (its access_log_checkpoints)."
)
_CHECKPOINT_FIELDS = ("at", "row_count", "last_entry_id", "head_hash", "key_id", "mac")


def checkpoints_from_json(document) -> list[AccessLogCheckpoint]:
    """Checkpoints from a document saved from the portal (its whole JSON, a published report's figures, a list,
    or one checkpoint). Raises ValueError(CHECKPOINT_FILE_INVALID) when it holds none or one is malformed."""
    if isinstance(document, dict) and "access_log_checkpoints" in document:
        document = document["access_log_checkpoints"]
    items = document if isinstance(document, list) else [document]
    checkpoints = []
    for item in items:
        try:
            at = parse_datetime(item["at"])
            checkpoint = AccessLogCheckpoint(
                at=at,
                row_count=int(item["row_count"]),
                last_entry_id=int(item["last_entry_id"]),
                head_hash=str(item["head_hash"]),
                key_id=str(item["key_id"]),
                mac=str(item["mac"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(CHECKPOINT_FILE_INVALID.format(fields=", ".join(_CHECKPOINT_FIELDS))) from exc
        if at is None:
            raise ValueError(CHECKPOINT_FILE_INVALID.format(fields=", ".join(_CHECKPOINT_FIELDS)))
        checkpoints.append(checkpoint)
    if not checkpoints:
        raise ValueError(CHECKPOINT_FILE_INVALID.format(fields=", ".join(_CHECKPOINT_FIELDS)))
    return checkpoints


# --- Verification -------------------------------------------------------------------------------------------------


@dataclass
class VerifyResult:
    rows: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)
    first_broken: AccessLogEntry | None = None
    rows_before_break: int = 0

    @property
    def intact(self) -> bool:
        return not self.problems


def access_log_verify(*, batch_size: int = 5000) -> tuple[int, AccessLogEntry | None]:
    """The chain alone: (rows verified before the first broken row, that row or None). `access_log_check` also
    checks the checkpoints and lists every problem; this is kept for callers that only ask "where does it break"."""
    result = access_log_check(batch_size=batch_size)
    if result.first_broken is None:
        return result.rows, None
    return result.rows_before_break, result.first_broken


def access_log_check(
    *, extra_checkpoints: Iterable[AccessLogCheckpoint] = (), source: str = "file", batch_size: int = 5000
) -> VerifyResult:
    """Walk the chain from the first row, checking each row's MAC and link, then check every checkpoint (those in
    the database and `extra_checkpoints`, e.g. saved from the portal) against the chain: genuine, its row present
    with the head it recorded, and the same number of rows up to it. Every problem is reported, not only the first.

    A row changed or inserted without the key fails its own MAC; a row removed (or one inserted with a valid MAC
    copied from elsewhere) breaks the next row's link; rows cut off the end show against a later checkpoint."""
    keys = _keys()
    checkpoints = [(cp, "database") for cp in AccessLogCheckpoint.objects.order_by("at", "id")]
    checkpoints += [(cp, source) for cp in extra_checkpoints]
    watched = {cp.last_entry_id for cp, _ in checkpoints}
    seen: dict[int, tuple[int, str]] = {}  # checkpoint row id -> (rows up to it, its MAC)
    result = VerifyResult()
    prev_hash, prev_id, last_id, walked = GENESIS_HASH, None, 0, 0
    for entry in AccessLogEntry.objects.order_by("id").iterator(chunk_size=batch_size):
        where = {"id": entry.pk, "at": entry.at.isoformat(), "username": entry.username, "count": result.rows}
        key = keys.get(entry.key_id)
        if key is None:
            problem = ROW_KEY_UNKNOWN.format(key_id=entry.key_id, **where)
        elif not hmac.compare_digest(entry_mac(entry, entry.prev_hash, key), entry.row_hash):
            problem = ROW_MAC_INVALID.format(**where)
        elif entry.prev_hash != prev_hash:
            problem = ROW_LINK_BROKEN.format(prev_id=prev_id, **where)
        else:
            problem = None
        if problem:
            result.problems.append(problem)
            if result.first_broken is None:
                result.first_broken, result.rows_before_break = entry, result.rows
        else:
            result.rows += 1
        prev_hash, prev_id, last_id, walked = entry.row_hash, entry.pk, entry.pk, walked + 1
        if entry.pk in watched:
            seen[entry.pk] = (walked, entry.row_hash)  # every row the log holds up to it, broken ones included
    log_rows = walked
    for checkpoint, where in checkpoints:
        result.problems.extend(_checkpoint_problems(checkpoint, where, keys, seen, last_id, log_rows))
        result.checkpoints += 1
    return result


def _checkpoint_problems(checkpoint, source, keys, seen, log_last_id, log_rows) -> list[str]:
    at = _iso(checkpoint.at)
    key = keys.get(checkpoint.key_id)
    if key is None:
        return [CHECKPOINT_KEY_UNKNOWN.format(at=at, source=source, key_id=checkpoint.key_id)]
    if not hmac.compare_digest(checkpoint_mac(checkpoint, key), checkpoint.mac):
        return [CHECKPOINT_NOT_GENUINE.format(at=at, source=source)]
    if checkpoint.last_entry_id == 0:
        return []  # the log was empty then
    facts = {"at": at, "source": source, "row_count": checkpoint.row_count, "last_id": checkpoint.last_entry_id}
    if checkpoint.last_entry_id not in seen:
        if checkpoint.last_entry_id > log_last_id:
            return [CHECKPOINT_TRUNCATED.format(log_last_id=log_last_id, log_rows=log_rows, **facts)]
        return [CHECKPOINT_ROW_MISSING.format(**facts)]
    rows, head = seen[checkpoint.last_entry_id]
    if head != checkpoint.head_hash:
        return [CHECKPOINT_HEAD_DIFFERS.format(**facts)]
    if rows != checkpoint.row_count:
        return [CHECKPOINT_COUNT_DIFFERS.format(log_rows=rows, **facts)]
    return []

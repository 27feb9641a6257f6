"""What an import would do to a list, shown to the clerk before it is queued: entries to add, to remove (only when
the list is replaced) and already on the list. The file is parsed here, in the request, with the same parsers the
worker uses; the upload waits in the cache under a one-time token until the clerk confirms (or for PREVIEW_TTL_S).
Keyed by plate and state, as the import's own diff is (services._REMOVE_SQL)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from django.core.cache import cache

from common.prohibited import agency_terms

from .choices import ImportFormat
from .models import Hotlist
from .parsers import ParsedFile, parse_clew, parse_csv, parse_ncic

PREVIEW_TTL_S = 30 * 60
PREVIEW_SAMPLE = 20
PREVIEW_EXPIRED = "This preview has expired or was already used: upload the file again."
PREVIEW_REMOVAL_NOT_CONFIRMED = (
    "This import removes {count} entries from the list. Tick the box to confirm the removal, or go back and choose "
    "to add to the list instead."
)
_KEY = "hotlists:import-preview:{token}"


@dataclass
class ImportPreview:
    """Counts (and the first few plates) of what the import would change."""

    replace: bool
    records: int
    to_add: int = 0
    to_remove: int = 0
    unchanged: int = 0
    add_sample: list[str] = field(default_factory=list)
    remove_sample: list[str] = field(default_factory=list)


def import_replaces(file_format: str, replace: bool | None) -> bool:
    """A state or NCIC extract replaces the list unless told otherwise; a CSV adds unless told to replace."""
    return replace if replace is not None else file_format in (ImportFormat.CLEW, ImportFormat.NCIC)


def import_lines(content: bytes) -> list[str]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("latin-1")  # fixed-width extracts from older systems
    return text.splitlines()


def parse_import_lines(hotlist: Hotlist, lines, file_format: str) -> ParsedFile | None:
    """Parse an upload's lines as the worker does (raises parsers.ImportFileError listing its bad lines); None for
    a format this system does not know."""
    if file_format == ImportFormat.CLEW:
        return parse_clew(lines, reason=hotlist.category)
    if file_format == ImportFormat.NCIC:
        return parse_ncic(lines)
    if file_format == ImportFormat.CSV:
        # free text is screened like every stated reason, with the agency's own prohibited terms too
        return parse_csv(lines, default_reason=hotlist.category, extra_terms=agency_terms([hotlist.agency_id]))
    return None


def hotlist_import_preview(*, hotlist: Hotlist, parsed: ParsedFile, replace: bool) -> ImportPreview:
    """Compare the file's (plate, state) keys with the list's entries now."""
    in_file = {(entry.plate, entry.plate_state): None for entry in parsed.entries}
    on_list = set(hotlist.entries.values_list("plate", "plate_state"))
    added = [key for key in in_file if key not in on_list]
    removed = sorted(on_list - in_file.keys()) if replace else []
    return ImportPreview(
        replace=replace,
        records=len(parsed.entries),
        to_add=len(added),
        to_remove=len(removed),
        unchanged=len(in_file) - len(added),
        add_sample=[_label(key) for key in added[:PREVIEW_SAMPLE]],
        remove_sample=[_label(key) for key in removed[:PREVIEW_SAMPLE]],
    )


def _label(key: tuple[str, str]) -> str:
    plate, state = key
    return f"{plate} {state}".strip()


def preview_store(*, user, hotlist: Hotlist, content: bytes, file_name: str, file_format: str, replace: bool) -> str:
    """Keep the upload until the clerk confirms; returns the token the confirmation carries."""
    token = secrets.token_urlsafe(24)
    value = {
        "user": user.pk,
        "hotlist": hotlist.pk,
        "content": content,
        "file_name": file_name,
        "file_format": file_format,
        "replace": replace,
    }
    cache.set(_KEY.format(token=token), value, PREVIEW_TTL_S)
    return token


def preview_take(*, user, hotlist: Hotlist, token: str) -> dict | None:
    """The stored upload for this user and list, removed from the cache (a token confirms once); None if absent."""
    if not token or len(token) > 64:
        return None
    key = _KEY.format(token=token)
    value = cache.get(key)
    if not value or value["user"] != user.pk or value["hotlist"] != hotlist.pk:
        return None
    cache.delete(key)
    return value


def preview_peek(*, user, hotlist: Hotlist, token: str) -> dict | None:
    """As preview_take, without using the token up (to show the preview again after a refused confirmation)."""
    if not token or len(token) > 64:
        return None
    value = cache.get(_KEY.format(token=token))
    if not value or value["user"] != user.pk or value["hotlist"] != hotlist.pk:
        return None
    return value

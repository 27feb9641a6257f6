"""Where read images live, and how the retention purge and the orphan sweep remove them.

Files are laid out by owner agency and UTC day, the day of the read's partition:
`reads/<agency id>/<YYYY>/<MM>/<DD>/<hash>-<rear|plate>.jpg`. A day the purge removes whole, with nothing in it held,
goes as one folder (one `rmtree`, or in object storage one prefix, which a lifecycle rule can expire instead);
otherwise its files go one by one, less those still needed. Paths come from a hash, never from caller text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from collections.abc import Iterable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from .partitions import utc_day

READS_ROOT = "reads"


def day_folder(agency_id: int, day: dt.date) -> str:
    return f"{READS_ROOT}/{agency_id}/{day:%Y/%m/%d}"


def read_file_store(*, agency_id: int, captured_at: dt.datetime, source_id: str, suffix: str, data: bytes) -> str:
    """Store one image of a read in its agency/day folder; returns the storage path."""
    digest = hashlib.sha256(f"{agency_id}:{source_id}".encode()).hexdigest()[:32]
    path = f"{day_folder(agency_id, utc_day(captured_at))}/{digest}-{suffix}.jpg"
    if default_storage.exists(path):
        default_storage.delete(path)
    return default_storage.save(path, ContentFile(data))


def files_delete(paths: Iterable[str], *, keep: set[str] = frozenset()) -> int:
    """Delete each stored file named (blank names and those in `keep` skipped); returns how many existed."""
    removed = 0
    for path in set(paths) - set(keep) - {""}:
        if default_storage.exists(path):
            default_storage.delete(path)
            removed += 1
    return removed


def _local_dir(folder: str) -> str | None:
    try:
        return default_storage.path(folder)
    except NotImplementedError:  # object storage: no local path
        return None


def folder_clear(folder: str, *, keep: set[str] = frozenset()) -> int:
    """Remove every file of `folder` but those in `keep`; returns how many were removed. With nothing to keep, the
    folder goes whole (rmtree on a local disk)."""
    local = _local_dir(folder)
    if local is not None:
        if not os.path.isdir(local):
            return 0
        names = [entry.name for entry in os.scandir(local) if entry.is_file()]
        if not keep:
            shutil.rmtree(local, ignore_errors=True)
            return len(names)
        return files_delete([f"{folder}/{name}" for name in names], keep=keep)
    try:
        _, names = default_storage.listdir(folder)
    except FileNotFoundError:
        return 0
    return files_delete([f"{folder}/{name}" for name in names], keep=keep)


def stored_files_older_than(prefix: str, cutoff: dt.datetime) -> list[str]:
    """Storage paths under `prefix` last modified before `cutoff` (local disk: a walk of the tree)."""
    local = _local_dir(prefix)
    if local is None or not os.path.isdir(local):
        return []
    root = _local_dir("")
    found = []
    limit = cutoff.timestamp()
    for directory, _, names in os.walk(local):
        for name in names:
            full = os.path.join(directory, name)
            if os.stat(full).st_mtime < limit:
                found.append(os.path.relpath(full, root).replace(os.sep, "/"))
    return found

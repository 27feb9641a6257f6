"""What the retention purge removes beyond read rows, through hooks other apps register in `AppConfig.ready()`.

The reads app sits below hotlists and recognition, yet a read's retention must take their traces with it in the
same run: alerts and their images (hotlists), the uploaded photo a read came from (recognition). Each registers:

- `before_reads(ctx)`: runs first (alerts go before the reads, so their images are no longer needed when the reads'
  folders are cleared);
- `after_reads(ctx)`: runs once the reads are gone (uploads with no read left);
- `files_needed(folder)`: the files of a reads folder something of theirs still shows (a held alert's image);
- `orphan_references(prefix, fn)`: for the orphan sweep, which of some stored paths their rows still name.

Hooks add what they removed to `ctx.counts` ("alerts", "files", "uploads"), which the purge record keeps.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class PurgeContext:
    now: dt.datetime
    retention: dict[int, int]  # agency id -> retention days of its reads
    counts: Counter = field(default_factory=Counter)
    timings: Counter = field(default_factory=Counter)  # phase -> milliseconds, kept in the purge record

    @contextmanager
    def timed(self, phase: str):
        started = time.perf_counter()
        try:
            yield
        finally:
            self.timings[phase] += (time.perf_counter() - started) * 1000


_before: list[Callable[[PurgeContext], None]] = []
_after: list[Callable[[PurgeContext], None]] = []
_files_needed: list[Callable[[str], set[str]]] = []
_references: dict[str, list[Callable[[list[str]], set[str]]]] = {}


def purge_hooks_register(
    *,
    before_reads: Callable[[PurgeContext], None] | None = None,
    after_reads: Callable[[PurgeContext], None] | None = None,
    files_needed: Callable[[str], set[str]] | None = None,
) -> None:
    for hooks, hook in ((_before, before_reads), (_after, after_reads), (_files_needed, files_needed)):
        if hook is not None and hook not in hooks:
            hooks.append(hook)


def orphan_references_register(prefix: str, referenced: Callable[[list[str]], set[str]]) -> None:
    """`referenced(paths)` returns those of `paths` (all under `prefix`) that a row still names."""
    hooks = _references.setdefault(prefix, [])
    if referenced not in hooks:
        hooks.append(referenced)


def run_before(ctx: PurgeContext) -> None:
    for hook in _before:
        with ctx.timed(hook.__module__.split(".")[0]):
            hook(ctx)


def run_after(ctx: PurgeContext) -> None:
    for hook in _after:
        with ctx.timed(hook.__module__.split(".")[0]):
            hook(ctx)


def files_needed(folder: str) -> set[str]:
    needed: set[str] = set()
    for hook in _files_needed:
        needed |= hook(folder)
    return needed


def referenced(prefix: str, paths: list[str]) -> set[str]:
    found: set[str] = set()
    for hook in _references.get(prefix, []):
        found |= hook(paths)
    return found


def sweep_prefixes() -> list[str]:
    return list(_references)


# --- The orphan sweep ---------------------------------------------------------------------------------------------

ORPHAN_GRACE = dt.timedelta(hours=24)
_SWEEP_BATCH = 1000


def files_sweep_orphans(*, grace: dt.timedelta = ORPHAN_GRACE, now: dt.datetime | None = None) -> int:
    """Delete stored files that no row names and that are older than `grace`; returns how many went.

    Files are written before their rows commit (an ingest stores its images, then its transaction may roll back), so
    a file without a row is normal for a moment; one still without a row after the grace period never will have one.
    Each prefix (reads/, recognition/) is answered by the apps that registered it (orphan_references_register).
    """
    from django.utils import timezone

    from .files import files_delete, stored_files_older_than

    cutoff = (now or timezone.now()) - grace
    removed = 0
    for prefix in sweep_prefixes():
        paths = stored_files_older_than(prefix, cutoff)
        for start in range(0, len(paths), _SWEEP_BATCH):
            batch = paths[start : start + _SWEEP_BATCH]
            removed += files_delete(batch, keep=referenced(prefix, batch))
    return removed


def reads_referencing(paths: list[str]) -> set[str]:
    """Which of `paths` (under reads/) a read still names: looked up in the day partition the folder names, so that
    the cost does not grow with the table; a path outside the layout is looked up everywhere."""
    from django.db.models import Q

    from .models import Read

    by_folder: dict[tuple[int, dt.date] | None, list[str]] = {}
    for path in paths:
        parts = path.split("/")
        try:
            key = (int(parts[1]), dt.date(int(parts[2]), int(parts[3]), int(parts[4])))
        except (IndexError, ValueError):
            key = None
        by_folder.setdefault(key, []).append(path)
    found: set[str] = set()
    for key, group in by_folder.items():
        reads = Read.objects.filter(Q(image__in=group) | Q(plate_crop__in=group))
        if key is not None:
            start = dt.datetime.combine(key[1], dt.time.min, tzinfo=dt.UTC)
            reads = reads.filter(
                owner_agency_id=key[0], captured_at__gte=start, captured_at__lt=start + dt.timedelta(1)
            )
        for image, crop in reads.values_list("image", "plate_crop"):
            found.update({image, crop})
    return found & set(paths)

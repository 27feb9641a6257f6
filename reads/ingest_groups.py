"""Group commit for peer ingest: the messages that one web process's threads are storing at the same moment are
stored by one of those threads, in one transaction and one set of statements, and each request still gets its own
answer (its reads' ids, its alerts) or its own error.

A camera peer sends one message per request, and storing one read costs a transaction and a handful of statements
whatever the read; ten reads stored together cost a quarter as much each (docs/benchmarks.md). gunicorn runs each
web process with threads (gthread, docs/deploy.md): while one thread stores, the messages that arrive meanwhile
wait here, and the next thread to store takes them all. Nothing waits on purpose: with one message at a time, each
is stored at once, as before.

- Each request validates its own reads in its own thread first (reads.services.ingest_validate): a bad message is
  refused alone, with its own 4xx, and never reaches a group.
- Messages that may describe the same vehicle pass (one pass id, or alias, or camera for passes found by plate:
  IngestBatch.pass_keys) are never in one group: the later one waits for the next group and then finds the read
  the earlier one stored, exactly as when they came one after the other.
- If storing a group fails, each of its messages is stored again alone (its own transaction, its own error): a
  message that the database refuses takes no other message down with it.
- A caller already inside a transaction stores alone, in that transaction, so that its reads commit with it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from django.db import connection

from .services import MAX_BATCH, IngestBatch, IngestResult, ingest_store

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class _Waiting:
    batch: IngestBatch
    keys: set[str]
    ready: threading.Event = field(default_factory=threading.Event)
    lead: bool = False  # woken to store the next group, not with its answer
    result: IngestResult | None = None
    error: BaseException | None = None

    def answer(self) -> IngestResult:
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


class IngestGroups:
    """The queue of one process. `store(batch)` returns the batch's own IngestResult (or raises its own error)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: list[_Waiting] = []
        self._storing = False

    def store(self, batch: IngestBatch) -> IngestResult:
        if connection.in_atomic_block:
            return ingest_store([batch])[0]
        me = _Waiting(batch, batch.pass_keys())
        with self._lock:
            self._waiting.append(me)
            lead = not self._storing
            self._storing = True
        if not lead:
            me.ready.wait()
            if not me.lead:
                return me.answer()
        # This thread stores the next group: its own batch is the first waiting (nobody else stores meanwhile).
        try:
            _store_group(self._take())
        finally:
            self._hand_over()
        return me.answer()

    def _take(self) -> list[_Waiting]:
        """The first batch waiting and every later one that may go with it (same agency, source and window; no
        pass key in common; at most MAX_BATCH reads in all)."""
        with self._lock:
            first = self._waiting[0]
            group, keys, size = [first], set(first.keys), len(first.batch.reads)
            kind = _kind(first.batch)
            for other in self._waiting[1:]:
                if _kind(other.batch) != kind:
                    continue
                if not keys.isdisjoint(other.keys):
                    # Left for a later group; a later message sharing any of its keys waits too, so that messages
                    # of one pass are stored in the order they came.
                    keys |= other.keys
                    continue
                if size + len(other.batch.reads) > MAX_BATCH:
                    break
                group.append(other)
                keys |= other.keys
                size += len(other.batch.reads)
            taken = set(map(id, group))
            self._waiting = [waiting for waiting in self._waiting if id(waiting) not in taken]
            return group

    def _hand_over(self) -> None:
        """Wake the first batch still waiting to store the next group, or note that nobody is storing."""
        with self._lock:
            if self._waiting:
                successor = self._waiting[0]
                successor.lead = True
                successor.ready.set()
            else:
                self._storing = False


def _kind(batch: IngestBatch) -> tuple:
    return (batch.agency.pk, batch.source, batch.pass_window)


def _store_group(group: list[_Waiting]) -> None:
    """Store the group's batches together, or, if that fails, each alone; every batch gets its answer."""
    try:
        if len(group) > 1:
            try:
                results = ingest_store([waiting.batch for waiting in group])
            except Exception:
                logger.warning(
                    "Storing %d peer messages together failed; storing each alone", len(group), exc_info=True
                )
            else:
                for waiting, result in zip(group, results, strict=True):
                    waiting.result = result
                return
        for waiting in group:
            try:
                waiting.result = ingest_store([waiting.batch])[0]
            except Exception as exc:  # noqa: BLE001 - handed to the request it belongs to, raised there
                waiting.error = exc
    except BaseException as exc:  # never leave a waiting request without an answer
        for waiting in group:
            if waiting.result is None and waiting.error is None:
                waiting.error = exc
        raise
    finally:
        for waiting in group:
            if waiting.result is not None or waiting.error is not None:
                waiting.ready.set()


ingest_groups = IngestGroups()

"""Placing a hold and purging the same reads at the same time: the two are serialized, so a hold never names a read
the purge removed. Real threads on real connections (transactional_db), each side paused at its worst moment."""

from __future__ import annotations

import datetime as dt
import threading
import time
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from reads import services
from reads.models import EvidenceHold, EvidenceHoldItem, Read
from reads.services import HOLD_READS_NOT_FOUND, hold_place, read_purge_expired

pytestmark = pytest.mark.django_db(transaction=True)
WAIT_S = 10


def _in_thread(target, errors: list) -> threading.Thread:
    def run():
        try:
            target()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.fixture(autouse=True)
def _empty_reads_after():
    yield
    with connection.cursor() as cursor:  # the partitioned table is not Django's to flush after a transactional test
        cursor.execute("TRUNCATE reads_read")


@pytest.fixture
def old_read(camera, store_reads):
    """A read captured 40 days ago (stored with `now` back then, so ingest accepts it): past 30 days' retention."""
    then = timezone.now() - dt.timedelta(days=40)
    result = store_reads(camera, ["5RACE01"], at=then, now=then + dt.timedelta(minutes=5))
    return Read.objects.get(pk=result.reads[0].id)


def test_a_hold_committing_while_the_purge_runs_keeps_its_read(old_read, investigator, agency):
    """The hold has inserted its items but not committed when the purge starts: the purge must wait for it."""
    inserted, release = threading.Event(), threading.Event()
    real_bulk_create = EvidenceHoldItem.objects.bulk_create

    def pause_after_insert(*args, **kwargs):
        items = real_bulk_create(*args, **kwargs)
        inserted.set()
        assert release.wait(WAIT_S)
        return items

    errors: list = []
    with mock.patch.object(EvidenceHoldItem.objects, "bulk_create", side_effect=pause_after_insert):
        holder = _in_thread(
            lambda: hold_place(
                user=investigator, agency=agency, case_number="PV-RACE-1", reason="Suspect", read_ids=[old_read.pk]
            ),
            errors,
        )
        assert inserted.wait(WAIT_S)
        purger = _in_thread(read_purge_expired, errors)
        time.sleep(1.0)  # the purge reaches the point where it reads the held ids, and waits there
        release.set()
        holder.join(WAIT_S)
        purger.join(WAIT_S)
    assert not errors, errors
    assert EvidenceHold.objects.get().is_active
    assert Read.objects.filter(pk=old_read.pk).exists()


def test_a_hold_placed_while_the_purge_removes_its_read_is_refused(old_read, investigator, agency):
    """The purge has taken the day when the hold is asked for: the hold waits, finds the read gone, and is refused
    (no active hold naming a read that no longer exists)."""
    locked, release = threading.Event(), threading.Event()
    real_held_reads = services._held_reads

    def pause_after_lock(*args, **kwargs):
        held = real_held_reads(*args, **kwargs)
        locked.set()
        assert release.wait(WAIT_S)
        return held

    errors: list = []
    with mock.patch.object(services, "_held_reads", side_effect=pause_after_lock):
        purger = _in_thread(read_purge_expired, errors)
        assert locked.wait(WAIT_S)
        holder = _in_thread(
            lambda: hold_place(
                user=investigator, agency=agency, case_number="PV-RACE-2", reason="Suspect", read_ids=[old_read.pk]
            ),
            errors,
        )
        time.sleep(1.0)
        release.set()
        purger.join(WAIT_S)
        holder.join(WAIT_S)
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), errors
    assert HOLD_READS_NOT_FOUND.format(ids=old_read.pk) in str(errors[0])
    assert not Read.objects.filter(pk=old_read.pk).exists()
    assert not EvidenceHoldItem.objects.filter(hold__released_at__isnull=True).exists()


def test_the_plate_index_prune_never_removes_a_plate_an_ingest_is_committing(camera, store_reads):
    """A plate indexed earlier whose reads are all gone is a prune candidate; an ingest of the same plate is in
    flight (its read inserted, its plate upserted, not committed). The prune must wait for it and keep the plate."""
    from reads.models import Plate
    from reads.plates import canonical_key

    Plate.objects.create(plate="6PRUNE1", canonical=canonical_key("6PRUNE1"))
    upserted, release = threading.Event(), threading.Event()
    real_match = services._match

    def pause_before_commit(stored):
        upserted.set()
        assert release.wait(WAIT_S)
        return real_match(stored)

    errors: list = []
    pruned: list = []
    with mock.patch.object(services, "_match", side_effect=pause_before_commit):
        ingester = _in_thread(lambda: store_reads(camera, ["6PRUNE1"]), errors)
        assert upserted.wait(WAIT_S)
        pruner = _in_thread(lambda: pruned.append(services._plates_prune({"6PRUNE1"})), errors)
        time.sleep(1.0)
        release.set()
        ingester.join(WAIT_S)
        pruner.join(WAIT_S)
    assert not errors, errors
    assert pruned == [0]
    assert Read.objects.filter(plate="6PRUNE1").exists()
    assert Plate.objects.filter(plate="6PRUNE1").exists()  # wildcard search still finds the read

"""Group commit of peer messages (reads.ingest_groups): messages waiting together are stored in one transaction,
each with its own answer; messages of one pass are never stored together; a group that fails is stored message by
message; a caller inside a transaction stores alone, in it; and concurrent requests through the endpoint each get
their own answer. Threads use their own database connections, so these tests commit (transactional tests)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from types import SimpleNamespace

import pytest
from django.db import DataError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from hotlists.models import Alert
from reads.choices import CameraPeer, ReadSource
from reads.ingest_groups import IngestGroups, _Waiting
from reads.models import Read
from reads.peers import frigate
from reads.services import ingest_validate

from .conftest import document_json

pytestmark = pytest.mark.django_db(transaction=True)
WINDOW = dt.timedelta(seconds=frigate.PASS_WINDOW_S)


@pytest.fixture(autouse=True)
def _no_reads_left():
    """A transactional test's flush empties managed tables only: the partitioned reads table is emptied here."""
    yield
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reads_read")


@pytest.fixture
def driveway(peer_camera):
    return peer_camera(CameraPeer.FRIGATE, "driveway")


def _batch(agency, camera, pass_id: str, plate: str, confidence: float = 0.8, minutes_ago: int = 5):
    item = {
        "camera": camera.pk,
        "captured_at": (timezone.now() - dt.timedelta(minutes=minutes_ago)).isoformat(),
        "plate": plate,
        "source_id": pass_id,
        "confidence": confidence,
    }
    return ingest_validate(agency=agency, items=[item], source=ReadSource.FRIGATE, pass_window=WINDOW)


def _wait(condition, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def _store_waiting(groups: IngestGroups, batches: dict) -> dict:
    """Each batch stored by a thread of its own while the queue is busy (as if another thread were storing), so
    that all of them wait; then the queue is handed over and they are stored as the queue groups them."""
    answers: dict = {}
    groups._storing = True

    def store(name, batch):
        try:
            answers[name] = groups.store(batch)
        except Exception as exc:  # noqa: BLE001 - the answer under test
            answers[name] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=store, args=item, daemon=True) for item in batches.items()]
    for thread in threads:
        thread.start()
    _wait(lambda: len(groups._waiting) == len(batches), "every batch to wait")
    groups._hand_over()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    return answers


def _transactions(read_ids) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT xmin::text) FROM reads_read WHERE id = ANY(%s)", [list(read_ids)])
        return cursor.fetchone()[0]


def test_messages_waiting_together_are_stored_in_one_transaction_each_with_its_own_answer(agency, driveway, listed):
    listed("7HOT001")
    batches = {name: _batch(agency, driveway, f"frigate:driveway:{name}", plate) for name, plate in
               (("a", "7ABC001"), ("b", "7HOT001"), ("c", "7ABC003"))}  # fmt: skip
    answers = _store_waiting(IngestGroups(), batches)
    ids = {name: [read.id for read in answer.reads] for name, answer in answers.items()}
    assert all(answer.stored == 1 and answer.updated == [] for answer in answers.values())
    assert {name: answer.alerts for name, answer in answers.items()} == {"a": 0, "b": 1, "c": 0}
    by_plate = dict(Read.objects.values_list("plate", "id"))
    assert ids == {"a": [by_plate["7ABC001"]], "b": [by_plate["7HOT001"]], "c": [by_plate["7ABC003"]]}
    assert Alert.objects.get().read_id == by_plate["7HOT001"]
    assert _transactions(by_plate.values()) == 1


def test_two_messages_of_one_pass_are_never_stored_together(agency, driveway):
    first = _batch(agency, driveway, "frigate:driveway:1.5-x", "7ABC123", confidence=0.6)
    better = _batch(agency, driveway, "frigate:driveway:1.5-x", "7ABC128", confidence=0.9, minutes_ago=4)
    answers = _store_waiting(IngestGroups(), {"first": first, "better": better})
    [read] = Read.objects.all()
    assert (answers["first"].stored, [r.id for r in answers["first"].reads]) == (1, [read.id])
    assert (answers["better"].stored, answers["better"].updated) == (0, [read.id])
    assert (read.plate, read.confidence) == ("7ABC128", 0.9)


def test_a_group_that_fails_is_stored_message_by_message(agency, driveway):
    batches = {name: _batch(agency, driveway, f"frigate:driveway:{name}", f"7ABC00{n}") for n, name in
               enumerate(("a", "bad", "c"))}  # fmt: skip
    # Valid when checked, refused by the database when written (as a camera removed in between would be).
    batches["bad"].reads[0].plate = "X" * 11
    answers = _store_waiting(IngestGroups(), batches)
    assert isinstance(answers["bad"], DataError)
    assert answers["a"].stored == answers["c"].stored == 1
    assert sorted(Read.objects.values_list("plate", flat=True)) == ["7ABC000", "7ABC002"]


def test_a_caller_inside_a_transaction_stores_alone_in_it(agency, driveway):
    groups = IngestGroups()
    groups._storing = True  # another thread storing: a queued batch would wait for it
    outcome = {}

    class Undo(Exception):
        pass

    def store():
        try:
            with transaction.atomic():
                outcome["stored"] = groups.store(_batch(agency, driveway, "frigate:driveway:t", "7ABC999")).stored
                outcome["inside"] = Read.objects.count()
                raise Undo
        except Undo:
            pass
        finally:
            connection.close()

    thread = threading.Thread(target=store, daemon=True)  # a queued batch would wait for ever
    thread.start()
    thread.join(10)
    assert not thread.is_alive() and outcome == {"stored": 1, "inside": 1}
    assert not groups._waiting and Read.objects.count() == 0  # rolled back with the caller's transaction


def test_concurrent_requests_each_get_their_own_answer(agency, driveway, listed, ingest_client):
    listed("7HOT777")
    url = reverse("ingest-frigate")
    client_count, per_client = 6, 4
    start = threading.Barrier(client_count)
    answers: dict = {}

    def post(n: int) -> None:
        client = clients[n]
        start.wait()
        try:
            for k in range(per_client):
                body = document_json("frigate_event_new.json", EVENT_ID=f"{n}.{k}-c", PLATE=f"7C{n:02d}{k:03d}")
                if (n, k) == (1, 2):
                    body["after"]["recognized_license_plate"] = "7HOT777"
                if (n, k) == (2, 1):
                    body["after"]["camera"] = "back_yard"  # unknown: refused alone
                response = client.post(url, body, format="json")
                answers[(n, k)] = (response.status_code, response.json())
        finally:
            connection.close()

    clients = [ingest_client(agency) for _ in range(client_count)]
    threads = [threading.Thread(target=post, args=(n,)) for n in range(client_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    refused = answers.pop((2, 1))
    assert refused[0] == 400 and "back_yard" in refused[1]["camera"][0]
    assert {status for status, _ in answers.values()} == {201}
    ids = [body["read_ids"][0] for _, body in answers.values()]
    assert len(set(ids)) == len(ids) == client_count * per_client - 1 == Read.objects.count()
    assert {key: body["alerts"] for key, (_, body) in answers.items() if body["alerts"]} == {(1, 2): 1}
    assert Alert.objects.get().read_id == answers[(1, 2)][1]["read_ids"][0]


def test_a_message_left_for_a_later_group_keeps_later_messages_of_its_pass_behind_it():
    """Waiting: A (pass p1), B (p1, and p2 as an alias), C (p2), D (p3). B cannot go with A; C must not go ahead of B
    (they share p2), so the group is A and D, and B then C come after, in the order they came."""
    batch = SimpleNamespace(agency=SimpleNamespace(pk=1), source=ReadSource.FRIGATE, pass_window=WINDOW, reads=[1])
    groups = IngestGroups()
    groups._waiting = [_Waiting(batch, keys) for keys in ({"p1"}, {"p1", "p2"}, {"p2"}, {"p3"})]
    assert [waiting.keys for waiting in groups._take()] == [{"p1"}, {"p3"}]
    assert [waiting.keys for waiting in groups._take()] == [{"p1", "p2"}]
    assert [waiting.keys for waiting in groups._take()] == [{"p2"}]

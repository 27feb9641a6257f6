"""Garbage through the real entry points and the real database: the batch ingest API, the OpenALPR webhook and the
hotlist import service. Anything refused is a 4xx that stores nothing (or a REFUSED import), never a 500 or an
exception: PostgreSQL refuses some values Python accepts (NUL in text, a lone surrogate, '²²²²' as a smallint, years
past 9999), so these are checked end to end rather than only in the pure functions (test_bad_input.py). The garbage
includes lone surrogates, control characters, `true` for numbers and JSON nested up to 50,000 levels deep
(hostile.py); whatever is accepted must be stored clean."""

import base64
import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import example, given, settings
from hypothesis import strategies as st

from common.inputs import text_problem
from hotlists.choices import Category, HotlistSource, ImportOutcome
from hotlists.models import Hotlist
from hotlists.services import hotlist_import
from reads.models import Read

from .hostile import Deep, deep_values, hostile_text, json_bytes
from .test_bad_input import TRICKY, json_values, tricky_text

pytestmark = pytest.mark.django_db

field_values = st.one_of(
    json_values,
    tricky_text,
    hostile_text,
    deep_values,
    st.sampled_from(["HON\x00DA", "x" * 200, "²²²²", "\x00", "\ud800", "7ABC123\n", True, False]),
)
TEXT_COLUMNS = ["plate", "plate_state", "source_id", "vehicle_make", "vehicle_model", "vehicle_type", "vehicle_color",
                "direction"]  # fmt: skip
READ_FIELDS = ["plate", "plate_state", "plate_kind", "confidence", "heading", "candidates", "vehicle_make",
               "vehicle_model", "vehicle_type", "vehicle_color", "direction", "latitude", "longitude", "source_id",
               "captured_at"]  # fmt: skip


@pytest.fixture
def ingest(agency, camera, ingest_client):
    return ingest_client(agency)


@settings(settings.get_profile("reliability-db"), max_examples=60)
@given(overrides=st.dictionaries(st.sampled_from(READ_FIELDS), field_values, max_size=3), n=st.integers(1, 3))
@example(overrides={"vehicle_make": "HON\x00DA"}, n=1)
@example(overrides={"source_id": "a\x00b"}, n=1)
@example(overrides={"vehicle_model": "Civic\ud800"}, n=1)
@example(overrides={"camera": True}, n=1)
@example(overrides={"candidates": Deep(50_000)}, n=1)
def test_batch_ingest_answers_4xx_not_5xx(ingest, camera, overrides, n):
    at = timezone.now() - dt.timedelta(minutes=5)
    reads = [
        {"camera": camera.pk, "captured_at": at.isoformat(), "plate": "7ABC123", "source_id": f"fz-{i}", **overrides}
        for i in range(n)
    ]
    before = Read.objects.count()
    response = ingest.post("/api/v1/reads/batch/", data=json_bytes({"reads": reads}), content_type="application/json")
    _assert_refused_or_stored_clean(response, before)


def _assert_refused_or_stored_clean(response, before: int) -> None:
    """A 4xx names the problem and stores nothing; what is accepted holds no character the API refuses."""
    assert response.status_code in (200, 201, 400, 413), response.content[:500]
    if response.status_code >= 400:
        assert response.json(), "a refusal says why"
        assert Read.objects.count() == before
        return
    for read in Read.objects.filter(pk__in=response.json()["read_ids"]).values(*TEXT_COLUMNS):
        for name, value in read.items():
            assert text_problem(value) is None, (name, value)
        assert read["plate"].isascii() and read["plate"].isalnum(), read["plate"]


@settings(settings.get_profile("reliability-db"), max_examples=60)
@given(
    overrides=st.dictionaries(
        st.sampled_from(["epoch_start", "best_plate_number", "best_uuid", "best_region", "best_confidence",
                         "travel_direction", "gps_latitude", "gps_longitude", "vehicle", "vehicle_crop_jpeg",
                         "best_plate", "uuids"]),
        st.one_of(field_values, st.integers(-(2**64), 2**64), st.floats(allow_nan=False)),
        max_size=3,
    )
)  # fmt: skip
@example(overrides={"epoch_start": 10**20})
@example(overrides={"epoch_start": float("inf")})
@example(overrides={"best_uuid": "u\x00u"})
@example(overrides={"vehicle": {"make": [{"name": "Hon\x00da"}]}})
@example(overrides={"best_plate_number": "7ABC123\udfff"})
@example(overrides={"vehicle": Deep(2_000)})
def test_openalpr_webhook_answers_4xx_not_5xx(ingest, camera, overrides):
    camera.agent_uid, camera.agent_camera_id = "agent-1", 11
    camera.save(update_fields=["agent_uid", "agent_camera_id"])
    document = {
        "data_type": "alpr_group",
        "agent_uid": "agent-1",
        "camera_id": 11,
        "epoch_start": int((timezone.now() - dt.timedelta(minutes=5)).timestamp() * 1000),
        "best_plate_number": "7ABC123",
        "best_uuid": "uuid-1",
        "vehicle_crop_jpeg": base64.b64encode(b"\xff\xd8\xff\xe0 not really a jpeg").decode(),
        **overrides,
    }
    before = Read.objects.count()
    response = ingest.post("/api/v1/ingest/openalpr/", data=json_bytes(document), content_type="application/json")
    _assert_refused_or_stored_clean(response, before)


files = st.one_of(
    st.binary(max_size=400),
    st.lists(
        st.one_of(tricky_text, st.text(alphabet=st.sampled_from(TRICKY), min_size=39, max_size=90)), max_size=6
    ).map(lambda lines: "\n".join(lines).encode()),
)


@settings(settings.get_profile("reliability-db"), max_examples=40)
@given(file_format=st.sampled_from(["clew", "ncic", "csv"]), content=files)
@example(file_format="ncic", content=("V" + " " * 18 + "20190515" + "7ABC123   CA" + " " * 6 + "²²²²").encode())
@example(file_format="csv", content=b"plate,state,make\n7ABC123,CA,HON\x00DA\n")
@example(file_format="clew", content=b"DATE07/02/2018 09:00\nHG\x00     CA1220190515\nTOTAL RECORD 1\n")
@example(file_format="csv", content=b"plate,state,year\n7ABC123,CA,\xc2\xb2\xc2\xb2\xc2\xb2\xc2\xb2\n")
@example(file_format="csv", content=("plate,state,description\n7ABC123,CA," + "x" * 200_000).encode())
def test_hotlist_import_refuses_garbage_without_an_exception(agency, file_format, content):
    hotlist, _ = Hotlist.objects.get_or_create(
        agency=agency,
        name="Fuzzed list",
        defaults={"source": HotlistSource.CA_DOJ_STOLEN_VEHICLES, "category": Category.STOLEN_VEHICLE},
    )
    record = hotlist_import(hotlist=hotlist, content=content, file_name="fuzz.txt", file_format=file_format)
    assert record.outcome in (ImportOutcome.SUCCEEDED, ImportOutcome.REFUSED), record.errors

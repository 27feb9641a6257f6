"""Garbage in: the plate rules, the hotlist file parsers and the OpenALPR webhook mapping, fed whatever hypothesis
makes up. Each may refuse its input only with its own validation error (PlateError, ImportFileError, WebhookError),
never with anything else, and whatever it accepts must be storable as it is."""

import datetime as dt
import string

from hypothesis import example, given, settings
from hypothesis import strategies as st

from hotlists.choices import NCIC_LIST_CODES
from hotlists.parsers import ImportFileError, parse_clew, parse_csv, parse_ncic
from hotlists.parsers.base import ParsedEntry, ParsedFile
from reads import openalpr
from reads.plates import PLATE_MAX_LENGTH, PlateError, canonical_key, is_wildcard, normalize_plate, wildcard_to_like
from reads.validation import CameraInfo, validate_items

PLATE_CHARS = string.ascii_uppercase + string.digits
# Text that looks like what the parsers expect, plus the characters that break naive code: Unicode digits
# (str.isdigit() is true for '²' and '٣'), NUL, separators, tabs, quotes and non-ASCII letters.
TRICKY = PLATE_CHARS + " -.·\t\x00\"',;²٣௫Ä\u200b\r"
tricky_text = st.text(alphabet=st.sampled_from(TRICKY), max_size=90)
any_text = st.text(max_size=120)
lines = st.lists(st.one_of(tricky_text, any_text), max_size=12)


# Plates and patterns -----------------------------------------------------------------------------------------------


@given(st.one_of(any_text, tricky_text))
@example("ǅ1")  # title-case letters change on upper()
@example("ß7")  # upper() makes two characters of one
@example("ﬃ12")
def test_normalize_plate_refuses_only_with_a_plate_error(text):
    try:
        plate = normalize_plate(text)
    except PlateError:
        return
    assert plate and len(plate) <= PLATE_MAX_LENGTH and set(plate) <= set(PLATE_CHARS)
    assert normalize_plate(plate) == plate  # normalizing twice changes nothing
    assert len(canonical_key(plate)) == len(plate)


@given(st.one_of(any_text, tricky_text, st.text(alphabet="*?AB12%_\\ ", max_size=20)))
@example("ß*")
def test_wildcard_refuses_only_with_a_plate_error(text):
    try:
        like = wildcard_to_like(text)
    except PlateError:
        return
    assert set(like) <= set(PLATE_CHARS + "%_")  # no backslash, no stray LIKE syntax reaches SQL
    assert sum(ch.isalnum() for ch in like) >= 2
    assert isinstance(is_wildcard(text), bool)


# Hotlist files -----------------------------------------------------------------------------------------------------


def _assert_storable(parsed: ParsedFile) -> None:
    """What the import stages with COPY into typed columns (varchar(n), smallint, date) must fit them."""
    assert isinstance(parsed, ParsedFile)
    for entry in parsed.entries:
        assert isinstance(entry, ParsedEntry)
        assert entry.plate and len(entry.plate) <= PLATE_MAX_LENGTH and set(entry.plate) <= set(PLATE_CHARS)
        assert entry.canonical == canonical_key(entry.plate)
        assert len(entry.plate_state) == 2 and entry.plate_state.isascii() and entry.plate_state.isalpha()
        assert entry.vehicle_year == "" or (entry.vehicle_year.isascii() and entry.vehicle_year.isdigit())
        if entry.listed_on:
            dt.date.fromisoformat(entry.listed_on)
        for name, limit in (
            ("ncic_code", 1), ("case_number", 64), ("description", 500), ("vehicle_make", 40),
            ("vehicle_model", 40), ("vehicle_color", 24), ("source_ref", 64),
        ):  # fmt: skip
            value = getattr(entry, name)
            assert len(value) <= limit, (name, value)
            assert "\x00" not in value, name  # PostgreSQL text holds no NUL


def clew_record():
    return st.tuples(
        st.text(alphabet=st.sampled_from(TRICKY), min_size=0, max_size=8),
        st.sampled_from(["CA", "NV", "XX", "ca", "  ", "C\x00", "٣٣"]),
        st.text(alphabet=st.sampled_from("0123456789²٣ X"), min_size=2, max_size=2),
        st.text(alphabet=st.sampled_from("0123456789²٣ X"), min_size=0, max_size=8),
        tricky_text,
    ).map(lambda r: f"{r[0]:<8}{r[1]}{r[2]}{r[3]:<8}{r[4]}")


@st.composite
def clew_files(draw):
    records = draw(st.lists(st.one_of(clew_record(), tricky_text), max_size=8))
    header = draw(st.sampled_from(["DATE07/02/2018 09:00", "DATE99/99/9999 99:99", "DATE", "", "TOTAL RECORD 1"]))
    count = draw(st.one_of(st.just(len(records)), st.integers(0, 10**30)))
    footer = draw(st.sampled_from([f"TOTAL RECORD {count}", f"TOTAL RECORD{count:07d}", "TOTAL RECORD", ""]))
    return [header, *records, footer]


@given(st.one_of(lines, clew_files()))
@example(["DATE07/02/2018 09:00", "ABC1234 CA1220190515", "TOTAL RECORD 0000001"])
@example(["DATE07/02/2018 09:00", "ABC1234 CA٣٣20190515", "TOTAL RECORD 1"])
def test_clew_parser_refuses_only_with_an_import_error(file_lines):
    try:
        parsed = parse_clew(file_lines, reason="stolen_vehicle")
    except ImportFileError as exc:
        assert exc.errors and all(isinstance(line, int) and isinstance(why, str) for line, why in exc.errors)
        return
    _assert_storable(parsed)


def ncic_record():
    return st.tuples(
        st.sampled_from([*NCIC_LIST_CODES, "Z", "\x00", " "]),
        st.text(alphabet=st.sampled_from(TRICKY), min_size=18, max_size=18),
        st.text(alphabet=st.sampled_from("0123456789²٣ "), min_size=8, max_size=8),
        st.text(alphabet=st.sampled_from(TRICKY), min_size=0, max_size=10),
        st.sampled_from(["CA", "C0", "0N", "XX", "  ", "\x00\x00"]),
        st.text(alphabet=st.sampled_from(TRICKY), min_size=0, max_size=6),
        st.text(alphabet=st.sampled_from("0123456789²٣௫ X"), min_size=0, max_size=4),
        st.text(alphabet=st.sampled_from(TRICKY), max_size=40),
    ).map(lambda r: f"{r[0]}{r[1]}{r[2]}{r[3]:<10}{r[4]}{r[5]:<6}{r[6]:<4}{r[7]}")


@given(st.one_of(lines, st.lists(st.one_of(ncic_record(), tricky_text), max_size=8)))
@example(["V" + " " * 18 + "20190515" + "7ABC123   " + "CA" + " " * 6 + "²²²²"])  # Unicode digits as a year
@example(["V" + " " * 18 + "20190515" + "7ABC123   " + "CA" + " " * 10 + "HOND\x00"])
def test_ncic_parser_refuses_only_with_an_import_error(file_lines):
    try:
        parsed = parse_ncic(file_lines)
    except ImportFileError as exc:
        assert exc.errors
        return
    _assert_storable(parsed)


csv_cells = st.one_of(tricky_text, st.sampled_from(["stolen_vehicle", "2027-01-01", "2027-13-45T25:00", "1999"]))


@given(
    st.one_of(
        lines,
        st.lists(st.lists(csv_cells, max_size=6).map(lambda cells: ",".join(cells)), max_size=6).map(
            lambda rows: ["plate,state,reason,expires,year,make,description", *rows]
        ),
    )
)
@example(["plate,state,year", "7ABC123,CA,²²²²"])
@example(["plate,state,make", "7ABC123,CA,HON\x00DA"])
@example(["plate,state,expires", "7ABC123,CA,9999-12-31T23:59:59-23:59"])
@example(["plate,state,description", "7ABC123,CA," + "x" * 200_000])  # over the csv module's field limit
@example(["plate,state", '7ABC123,"CA\rX'])
def test_csv_parser_refuses_only_with_an_import_error(file_lines):
    try:
        parsed = parse_csv(file_lines, default_reason="stolen_vehicle")
    except ImportFileError as exc:
        assert exc.errors
        return
    _assert_storable(parsed)


# The OpenALPR agent webhook ----------------------------------------------------------------------------------------

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),  # JSON has no NaN; 1e400 parses to infinity, so infinities stay in
    st.text(max_size=20),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)),
    max_leaves=12,
)
_FIELDS = {
    "epoch_start": st.one_of(st.integers(-(2**64), 2**64), st.floats(allow_nan=False), json_values),
    "best_plate_number": st.one_of(tricky_text, json_values),
    "best_plate": st.one_of(
        st.fixed_dictionaries({"candidates": st.lists(st.dictionaries(st.sampled_from(["plate", "confidence"]),
                                                                      json_values), max_size=4)}),
        json_values,
    ),
    "best_uuid": json_values,
    "uuids": json_values,
    "best_region": st.one_of(st.sampled_from(["us-ca", "ca", "us-", "eu-de", ""]), json_values),
    "best_confidence": json_values,
    "travel_direction": json_values,
    "gps_latitude": json_values,
    "gps_longitude": json_values,
    "vehicle": st.one_of(
        st.dictionaries(st.sampled_from(["make", "make_model", "body_type", "color"]),
                        st.lists(st.dictionaries(st.sampled_from(["name", "confidence"]), json_values), max_size=2)),
        json_values,
    ),
    "vehicle_crop_jpeg": st.one_of(st.sampled_from(["", "/9j/4AAQ", "@@@", "YWJj\n"]), json_values),
    "agent_uid": json_values,
    "camera_id": json_values,
}  # fmt: skip
webhook_documents = st.one_of(
    st.fixed_dictionaries({}, optional=_FIELDS),
    st.fixed_dictionaries(
        {"epoch_start": st.integers(0, 2**42), "best_plate_number": tricky_text},
        optional={k: v for k, v in _FIELDS.items() if k not in ("epoch_start", "best_plate_number")},
    ),
    st.dictionaries(st.text(max_size=20), json_values, max_size=6),
)
NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
CAMERAS = {7: CameraInfo(7, "fixed", True)}
GOOD_ITEM = {"camera": 7, "captured_at": "2026-03-01T11:00:00Z", "plate": "7ABC123", "source_id": "cam-1"}


@given(webhook_documents)
@example({"epoch_start": 10**20, "best_plate_number": "7ABC123"})  # past year 9999
@example({"epoch_start": -(10**20), "best_plate_number": "7ABC123"})
@example({"epoch_start": float("inf"), "best_plate_number": "7ABC123"})
@example({"epoch_start": 1.7e12, "best_plate_number": "7ABC123", "travel_direction": float("inf")})
@example(
    {
        "epoch_start": 1.7e12,
        "best_plate_number": "7ABC123",
        "best_plate": {"candidates": [{"plate": "X", "confidence": 1e308}]},
    }
)
def test_webhook_mapping_refuses_only_with_a_webhook_error(document):
    try:
        item, image = openalpr.group_to_item(document, camera_id=7)
    except openalpr.WebhookError:
        return
    assert isinstance(item, dict) and (image is None or isinstance(image, bytes))
    # What the mapping accepts goes to ingest validation, which may refuse it only by listing errors.
    reads, errors = validate_items([item], cameras=CAMERAS, now=NOW, oldest_allowed=NOW - dt.timedelta(days=3650))
    assert len(reads) + len(errors) == 1
    for read in reads:
        assert read.heading is None or 0 <= read.heading < 360
        assert read.confidence is None or 0 <= read.confidence <= 1
        assert all(c["confidence"] is None or 0 <= c["confidence"] <= 1 for c in read.candidates)


@given(st.one_of(webhook_documents, st.fixed_dictionaries({"video_streams": json_values})))
def test_heartbeat_mapping_never_raises(document):
    numbers = openalpr.heartbeat_streams(document)
    assert all(isinstance(n, int) for n in numbers)


ITEM_KEYS = ["camera", "captured_at", "plate", "source_id", "plate_state", "plate_kind", "confidence", "heading",
             "candidates", "vehicle_make", "direction", "latitude", "longitude"]  # fmt: skip
items_of_json = st.lists(st.one_of(json_values, st.dictionaries(st.sampled_from(ITEM_KEYS), json_values)), max_size=4)


@settings(max_examples=300)
@given(items_of_json)
@example([{**GOOD_ITEM, "vehicle_make": "HON\x00DA"}])
@example([{**GOOD_ITEM, "source_id": "cam-\x00-1"}])
def test_ingest_validation_refuses_only_by_listing_errors(items):
    reads, errors = validate_items(items, cameras=CAMERAS, now=NOW, oldest_allowed=NOW - dt.timedelta(days=30))
    assert len(reads) + len(errors) == len(items)
    for read in reads:
        for name in ("vehicle_make", "vehicle_model", "vehicle_type", "vehicle_color", "source_id", "direction"):
            assert "\x00" not in getattr(read, name), name  # PostgreSQL text holds no NUL

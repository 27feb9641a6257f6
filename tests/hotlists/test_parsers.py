"""The file parsers: pure functions; every bad line is reported with its number and reason."""

import pytest

from hotlists.choices import Category
from hotlists.parsers import ImportFileError, parse_clew, parse_csv, parse_ncic
from hotlists.parsers.base import BAD_PLATE, BAD_STATE, RECORD_TRUNCATED
from hotlists.parsers.clew import CLEW_FOOTER_MISMATCH, CLEW_FOOTER_MISSING, CLEW_HEADER_MISSING
from hotlists.parsers.csv import CSV_MISSING_COLUMN, CSV_UNKNOWN_REASON
from hotlists.parsers.ncic import NCIC_UNKNOWN_LIST_CODE
from hotlists.rules import PROHIBITED_REASON, states_immigration_purpose
from reads.plates import PLATE_ILLEGAL

from .conftest import clew_text, ncic_line


def _lines(text):
    return text.splitlines()


def test_clew_good_file():
    text = clew_text([("ABC1234", "CA", "12", "20190515"), ("7XYZ001", "NV", "01", "20240101")])
    parsed = parse_clew(_lines(text), reason=Category.STOLEN_VEHICLE)
    assert [(e.plate, e.plate_state, e.listed_on, e.source_ref) for e in parsed.entries] == [
        ("ABC1234", "CA", "2019-05-15", "county 12"),
        ("7XYZ001", "NV", "2024-01-01", "county 01"),
    ]
    assert parsed.entries[0].reason == Category.STOLEN_VEHICLE
    assert parsed.header_date.isoformat() == "2018-07-02T09:00:00"


def test_clew_example_record_from_the_format_notes():
    parsed = parse_clew(["DATE07/02/2018 09:00", "ABC1234 CA1220190515", "TOTAL RECORD 0000001"], reason="x")
    assert parsed.entries[0].plate == "ABC1234"


def test_clew_footer_count_must_match():
    text = clew_text([("ABC1234", "CA", "12", "20190515")], count=2)
    with pytest.raises(ImportFileError) as excinfo:
        parse_clew(_lines(text), reason="stolen_vehicle")
    assert excinfo.value.errors == [(3, CLEW_FOOTER_MISMATCH.format(expected=2, actual=1))]


def test_clew_missing_header_and_footer():
    with pytest.raises(ImportFileError) as excinfo:
        parse_clew(["ABC1234 CA1220190515", "XYZ9876 CA1220190515"], reason="stolen_vehicle")
    reasons = [reason for _, reason in excinfo.value.errors]
    assert CLEW_HEADER_MISSING in reasons
    assert CLEW_FOOTER_MISSING in reasons


def test_clew_lists_every_bad_line():
    text = clew_text(["AB$1234 CA1220190515", "ABC1234 XX1220190515", "SHORT", "ABC9999 CA1220191345"])
    with pytest.raises(ImportFileError) as excinfo:
        parse_clew(_lines(text), reason="stolen_vehicle")
    errors = dict(excinfo.value.errors)
    assert errors[2] == BAD_PLATE.format(plate="AB$1234", reason=PLATE_ILLEGAL)
    assert errors[3] == BAD_STATE.format(state="XX")
    assert errors[4] == RECORD_TRUNCATED.format(length=5, needed=20)
    assert "not a date" in errors[5]


def test_ncic_good_file_maps_list_codes():
    lines = [ncic_line("V"), ncic_line("P", plate="7PLATE1", state="0R"), ncic_line("W", plate="WANT1")]
    parsed = parse_ncic(lines)
    assert [(e.plate, e.plate_state, e.ncic_code, e.reason) for e in parsed.entries] == [
        ("AB123456", "CA", "V", Category.STOLEN_VEHICLE),
        ("7PLATE1", "OR", "P", Category.STOLEN_PLATE),  # a 0 in the state column is the letter O
        ("WANT1", "CA", "W", Category.WANTED_PERSON),
    ]
    first = parsed.entries[0]
    assert (first.vehicle_year, first.vehicle_make, first.vehicle_model, first.vehicle_color) == (
        "2009",
        "YAMA",
        "CYL",
        "BLK",
    )
    assert first.source_ref == "123456789 LA0570200"


def test_ncic_example_record_from_the_format_notes():
    parsed = parse_ncic(["V123456789LA057020020190509AB123456  CA2009MC2009YAMACYLMCBLK"])
    assert (parsed.entries[0].plate, parsed.entries[0].plate_state) == ("AB123456", "CA")


def test_ncic_truncated_line_and_unknown_code():
    lines = [ncic_line("V"), ncic_line("V")[:30], ncic_line("Z")]
    with pytest.raises(ImportFileError) as excinfo:
        parse_ncic(lines)
    assert excinfo.value.errors == [
        (2, RECORD_TRUNCATED.format(length=30, needed=39)),
        (3, NCIC_UNKNOWN_LIST_CODE.format(code="Z")),
    ]


def test_csv_good_file_with_aliases_and_defaults():
    text = (
        "Plate Number,State/Province,Description,reason,case_number,expires_at,make\n"
        "7abc-123,California,Blue sedan,,PV-1,2030-01-31,Honda\n"
        '8XYZ001,NV,"Red truck, dented",Wanted person / warrant,,,\n'
    )
    parsed = parse_csv(_lines(text), default_reason=Category.CRIMINAL_INVESTIGATION)
    first, second = parsed.entries
    assert (first.plate, first.plate_state, first.reason, first.case_number) == (
        "7ABC123",
        "CA",
        Category.CRIMINAL_INVESTIGATION,
        "PV-1",
    )
    assert first.expires_at.startswith("2030-02-01T00:00:00")  # through the end of the 31st
    assert first.vehicle_make == "Honda"
    assert (second.reason, second.description) == (Category.WANTED_PERSON, "Red truck, dented")


def test_csv_without_plate_column_is_refused():
    with pytest.raises(ImportFileError) as excinfo:
        parse_csv(["tag_no,state", "ABC123,CA"], default_reason="stolen_vehicle")
    assert excinfo.value.errors == [(1, CSV_MISSING_COLUMN.format(column="plate", found="tag_no, state"))]


@pytest.mark.parametrize(
    "reason,description",
    [
        ("immigration hold", ""),
        ("", "Wanted by ICE for deportation"),
        ("", "Subject of removal proceedings"),
        ("", "undocumented driver"),
    ],
)
def test_csv_prohibited_reason_is_refused(reason, description):
    with pytest.raises(ImportFileError) as excinfo:
        parse_csv(["plate,state,reason,description", f"ABC123,CA,{reason},{description}"], default_reason="x")
    assert excinfo.value.errors == [(2, PROHIBITED_REASON)]


def test_csv_unknown_reason_and_bad_plate():
    with pytest.raises(ImportFileError) as excinfo:
        parse_csv(["plate,state,reason", "ABC123,CA,parking tickets", "ÄBC!,CA,"], default_reason="stolen_vehicle")
    errors = dict(excinfo.value.errors)
    assert errors[2] == CSV_UNKNOWN_REASON.format(reason="parking tickets")
    assert errors[3].startswith("Plate 'ÄBC!'")


def test_immigration_wording_is_recognized_but_ordinary_words_are_not():
    assert states_immigration_purpose("Wanted by ICE")
    assert states_immigration_purpose("I.C.E. detainer")
    assert not states_immigration_purpose("Ice blue Honda, police tow")
    assert not states_immigration_purpose("Hero of the day", "notice")

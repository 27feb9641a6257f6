import pytest
from hypothesis import given
from hypothesis import strategies as st

from reads.plates import PlateError, canonical_key, normalize_plate, wildcard_to_like


@pytest.mark.parametrize(
    "raw,plate", [("7abc123", "7ABC123"), (" 7-ABC 123 ", "7ABC123"), ("ab.12.cd", "AB12CD"), ("8XYZ·9", "8XYZ9")]
)
def test_normalize(raw, plate):
    assert normalize_plate(raw) == plate


@pytest.mark.parametrize("raw", ["", "  ", "7ABC_123", "ÄBC123", "7ABC123456X", "<script>"])
def test_normalize_refuses(raw):
    with pytest.raises(PlateError):
        normalize_plate(raw)


def test_canonical_key_folds_ocr_confusions():
    assert canonical_key("8OB5") == canonical_key("B085") == canonical_key("BQ85")
    assert canonical_key("7ABC123") != canonical_key("7ABC124")
    assert canonical_key("GIZS") == "6125"


@pytest.mark.parametrize(
    "pattern,like", [("7AB*12", "7AB%12"), ("7AB?12", "7AB_12"), ("*ABC*", "%ABC%"), ("7a**b", "7A%B")]
)
def test_wildcards(pattern, like):
    assert wildcard_to_like(pattern) == like


@pytest.mark.parametrize("pattern", ["*", "?A*", "7AB%12", "7AB_12", ""])
def test_wildcards_refused(pattern):
    with pytest.raises(PlateError):
        wildcard_to_like(pattern)


@given(st.text(max_size=30))
def test_normalize_raises_only_plate_errors(text):
    try:
        plate = normalize_plate(text)
    except PlateError:
        return
    assert plate.isascii() and plate.isalnum() and plate.isupper() or plate.isdigit()


@given(st.text(max_size=30))
def test_wildcard_raises_only_plate_errors(text):
    try:
        like = wildcard_to_like(text)
    except PlateError:
        return
    assert set(like) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789%_")

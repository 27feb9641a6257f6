"""What every parser returns or raises, and the messages they share."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from reads.plates import PlateError, canonical_key, normalize_plate

from ..rules import normalize_state

MAX_ERRORS_KEPT = 1000

EMPTY_FILE = "The file holds no records."
RECORD_TRUNCATED = "The record is truncated: {length} characters where at least {needed} are needed."
BAD_PLATE = "Plate '{plate}': {reason}"
BAD_STATE = "'{state}' is not a two-letter state or province code."
BAD_DATE = "'{value}' is not a date (YYYYMMDD)."
BAD_YEAR = "'{value}' is not a vehicle year."
NUL_CHARACTER = "The record holds a NUL character (the file is binary or damaged)."


def is_year(value: str) -> bool:
    """Four ASCII digits (str.isdigit() alone also takes '²' or '٣', which the database refuses)."""
    return len(value) == 4 and value.isascii() and value.isdigit()


class ParsedEntry(NamedTuple):
    """One entry as read from a file, in the column order of the import's staging table. Dates are ISO text."""

    plate: str
    canonical: str
    plate_state: str
    ncic_code: str
    reason: str
    case_number: str
    description: str
    listed_on: str  # YYYY-MM-DD or ""
    expires_at: str  # ISO 8601 with offset, or ""
    vehicle_year: str  # digits or ""
    vehicle_make: str
    vehicle_model: str
    vehicle_color: str
    source_ref: str


class ParsedFile(NamedTuple):
    entries: list[ParsedEntry]
    header_date: dt.datetime | None = None


class ImportFileError(Exception):
    """A file with bad lines. `errors` lists (line number, reason), the first MAX_ERRORS_KEPT of `total`."""

    def __init__(self, errors: list[tuple[int, str]], total: int | None = None):
        self.errors = errors
        self.total = total if total is not None else len(errors)
        super().__init__(f"{self.total} bad line(s); first: line {errors[0][0]}: {errors[0][1]}" if errors else "")


class ErrorCollector:
    """Collects (line, reason) pairs, keeping the first MAX_ERRORS_KEPT: a wrong file can have a million."""

    def __init__(self) -> None:
        self.errors: list[tuple[int, str]] = []
        self.total = 0

    def add(self, line: int, reason: str) -> None:
        self.total += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            # Reasons quote the bad text, and the import record keeps them in a jsonb column, which holds no NUL.
            self.errors.append((line, reason.replace("\x00", "\ufffd")))

    def raise_if_any(self) -> None:
        if self.total:
            raise ImportFileError(self.errors, self.total)


def plate_or_error(raw: str, line: int, errors: ErrorCollector) -> tuple[str, str] | None:
    """(plate, canonical key), or None with the reason recorded."""
    try:
        plate = normalize_plate(raw)
    except PlateError as exc:
        errors.add(line, BAD_PLATE.format(plate=raw.strip(), reason=exc))
        return None
    return plate, canonical_key(plate)


class DateCache(dict):
    """YYYYMMDD -> YYYY-MM-DD, or None when not a date. Extracts repeat a few thousand dates a million times, so
    caching is faster than parsing each."""

    def __missing__(self, value: str) -> str | None:
        iso = None
        if len(value) == 8 and value.isdigit():
            try:
                iso = dt.date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()
            except ValueError:
                iso = None
        self[value] = iso
        return iso


class StateCache(dict):
    """Two letters -> the state code, or None."""

    def __missing__(self, value: str) -> str | None:
        state = normalize_state(value)
        self[value] = state
        return state

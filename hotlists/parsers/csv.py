"""Generic CSV: a header row naming the columns (plate and state required), then one entry a row."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from ..choices import Category
from ..rules import PROHIBITED_REASON, normalize_state, states_immigration_purpose
from .base import (
    BAD_STATE,
    BAD_YEAR,
    EMPTY_FILE,
    NUL_CHARACTER,
    ErrorCollector,
    ImportFileError,
    ParsedEntry,
    ParsedFile,
    is_year,
    plate_or_error,
)

CSV_MISSING_COLUMN = "The header row has no '{column}' column (it has: {found})."
CSV_STATE_REQUIRED = "The state is required."
CSV_UNKNOWN_REASON = "Unknown reason '{reason}'; authorized reasons: " + ", ".join(Category.values) + "."
CSV_BAD_EXPIRY = "'{value}' is not a date or date-time (YYYY-MM-DD or ISO 8601)."
CSV_TOO_LONG = "The {column} is longer than {limit} characters."
CSV_MALFORMED = "This line cannot be read as CSV ({reason}); the rest of the file was not read."

# Header names other systems use, folded to ours.
_ALIASES = {
    "plate": "plate", "plate number": "plate", "plate_number": "plate", "license plate": "plate", "tag": "plate",
    "state": "state", "plate state": "state", "plate_state": "state", "state/province": "state",
    "reason": "reason", "category": "reason",
    "case_number": "case_number", "case number": "case_number", "case": "case_number", "case no": "case_number",
    "expires_at": "expires_at", "expires": "expires_at", "expiry": "expires_at", "expiration": "expires_at",
    "description": "description", "notes": "description", "comment": "description",
    "year": "vehicle_year", "vehicle_year": "vehicle_year", "make": "vehicle_make", "vehicle_make": "vehicle_make",
    "model": "vehicle_model", "vehicle_model": "vehicle_model", "color": "vehicle_color",
    "vehicle_color": "vehicle_color",
}  # fmt: skip
_LIMITS = {"case_number": 64, "description": 500, "vehicle_make": 40, "vehicle_model": 40, "vehicle_color": 24}
_REASONS = {value: value for value in Category.values} | {label.lower(): value for value, label in Category.choices}


def parse_csv(lines: Iterable[str], *, default_reason: str, extra_terms: Iterable[str] = ()) -> ParsedFile:
    """Parse a CSV hotlist; a row without a reason gets `default_reason`. A row whose reason, description or case
    number states a prohibited purpose (the screen's list plus `extra_terms`, the agency's) is a bad line.
    Raises ImportFileError."""
    extra_terms = tuple(extra_terms)
    reader = csv.reader(line.rstrip("\r\n") for line in lines)
    errors = ErrorCollector()
    try:
        header = next(reader, None)
    except csv.Error as exc:  # e.g. a field over the csv module's size limit
        raise ImportFileError([(1, CSV_MALFORMED.format(reason=exc))]) from exc
    if not header or not any(cell.strip() for cell in header):
        raise ImportFileError([(1, EMPTY_FILE)])
    columns = {_ALIASES.get(name.strip().lower().lstrip("\ufeff")): i for i, name in enumerate(header)}
    for required in ("plate", "state"):
        if required not in columns:
            found = ", ".join(name.strip() for name in header)
            errors.add(1, CSV_MISSING_COLUMN.format(column=required, found=found))
    errors.raise_if_any()

    def cell(row, name):
        index = columns.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    entries: list[ParsedEntry] = []
    for row in _rows(reader, errors):
        number = reader.line_num
        if not any(value.strip() for value in row):
            continue
        if any("\x00" in value for value in row):
            errors.add(number, NUL_CHARACTER)
            continue
        ok = True
        plate = plate_or_error(cell(row, "plate"), number, errors)
        raw_state = cell(row, "state")
        state = normalize_state(raw_state)
        if not raw_state:
            errors.add(number, CSV_STATE_REQUIRED)
            ok = False
        elif state is None:
            errors.add(number, BAD_STATE.format(state=raw_state))
            ok = False
        raw_reason, description, case_number = cell(row, "reason"), cell(row, "description"), cell(row, "case_number")
        if states_immigration_purpose(raw_reason, description, case_number, extra_terms=extra_terms):
            errors.add(number, PROHIBITED_REASON)
            ok = False
        reason = _REASONS.get(raw_reason.lower()) if raw_reason else default_reason
        if reason is None and ok:
            errors.add(number, CSV_UNKNOWN_REASON.format(reason=raw_reason))
            ok = False
        expires_at = _expiry(cell(row, "expires_at"))
        if expires_at is None:
            errors.add(number, CSV_BAD_EXPIRY.format(value=cell(row, "expires_at")))
            ok = False
        year = cell(row, "vehicle_year")
        if year and not is_year(year):
            errors.add(number, BAD_YEAR.format(value=year))
            ok = False
        for column, limit in _LIMITS.items():
            if len(cell(row, column)) > limit:
                errors.add(number, CSV_TOO_LONG.format(column=column.replace("_", " "), limit=limit))
                ok = False
        if not ok or plate is None:
            continue
        entries.append(
            ParsedEntry(
                plate[0],
                plate[1],
                state,
                "",
                reason,
                case_number,
                description,
                "",
                expires_at,
                year,
                cell(row, "vehicle_make"),
                cell(row, "vehicle_model"),
                cell(row, "vehicle_color"),
                "",
            )
        )
    errors.raise_if_any()
    if not entries:
        raise ImportFileError([(1, EMPTY_FILE)])
    return ParsedFile(entries=entries)


def _rows(reader, errors: ErrorCollector):
    """The reader's rows. A line the csv module cannot read is recorded and ends the file, which is refused."""
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            errors.add(reader.line_num, CSV_MALFORMED.format(reason=exc))
            return
        yield row


def _expiry(value: str) -> str | None:
    """ "" for none, ISO text for a date-time (a bare date means through the end of that day), None if neither."""
    if not value:
        return ""
    try:
        day = parse_date(value) if len(value) == 10 else None
        if day is not None:
            moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
        else:
            moment = parse_datetime(value)
    except ValueError:
        return None
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.isoformat()

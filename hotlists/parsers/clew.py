"""California DOJ CLEW extracts (svs.tbl, sfr.tbl, slr.tbl): fixed width, a DATE header and a TOTAL RECORD footer
whose count must equal the records read (a short file is an incomplete transfer and must not replace a list)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from .base import (
    BAD_DATE,
    BAD_STATE,
    EMPTY_FILE,
    RECORD_TRUNCATED,
    DateCache,
    ErrorCollector,
    ImportFileError,
    ParsedEntry,
    ParsedFile,
    StateCache,
    plate_or_error,
)

CLEW_HEADER_MISSING = "The first line must be the header 'DATE' followed by MM/DD/YYYY HH:MM."
CLEW_FOOTER_MISSING = "The last line must be the footer 'TOTAL RECORD' followed by the record count."
CLEW_FOOTER_MISMATCH = "The footer counts {expected} records but the file holds {actual}: the file is incomplete."
CLEW_BAD_COUNTY = "'{value}' is not a two-digit county code."

RECORD_MIN_LENGTH = 20
_HEADER = re.compile(r"^DATE\s*(\d{2}/\d{2}/\d{4} \d{2}:\d{2})\s*$")
_FOOTER = re.compile(r"^TOTAL RECORD\s*(\d+)\s*$")


def parse_clew(lines: Iterable[str], *, reason: str) -> ParsedFile:
    """Parse a CLEW extract; every entry gets `reason` (the list's category). Raises ImportFileError."""
    errors = ErrorCollector()
    entries: list[ParsedEntry] = []
    append = entries.append
    dates = DateCache()
    states = StateCache()
    header_date = None
    header_seen = False
    pending: tuple[int, str] | None = None  # the last non-blank line, which is the footer if nothing follows
    records = 0

    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        if not header_seen:
            header_seen = True
            match = _HEADER.match(line)
            if match is None:
                errors.add(number, CLEW_HEADER_MISSING)
                # Not a header: treat it as a record so that its problems are listed too.
                pending = (number, line)
                continue
            try:
                header_date = dt.datetime.strptime(match.group(1), "%m/%d/%Y %H:%M")
            except ValueError:
                errors.add(number, CLEW_HEADER_MISSING)
            continue
        if pending is not None:
            records += 1
            _record(pending[0], pending[1], reason, dates, states, errors, append)
        pending = (number, line)

    if pending is None:
        if not header_seen:
            raise ImportFileError([(1, EMPTY_FILE)])
        errors.add(1, CLEW_FOOTER_MISSING)
        errors.raise_if_any()
    footer = _FOOTER.match(pending[1])
    if footer is None:
        errors.add(pending[0], CLEW_FOOTER_MISSING)
    elif int(footer.group(1)) != records:
        errors.add(pending[0], CLEW_FOOTER_MISMATCH.format(expected=int(footer.group(1)), actual=records))
    errors.raise_if_any()
    return ParsedFile(entries=entries, header_date=header_date)


def _record(number, line, reason, dates, states, errors, append) -> None:
    if len(line) < RECORD_MIN_LENGTH:
        errors.add(number, RECORD_TRUNCATED.format(length=len(line), needed=RECORD_MIN_LENGTH))
        return
    plate = plate_or_error(line[0:8], number, errors)
    state = states[line[8:10]]
    county = line[10:12]
    lost = dates[line[12:20]]
    if state is None:
        errors.add(number, BAD_STATE.format(state=line[8:10]))
    if not county.isdigit():
        errors.add(number, CLEW_BAD_COUNTY.format(value=county))
    if lost is None:
        errors.add(number, BAD_DATE.format(value=line[12:20]))
    if plate is None or state is None or lost is None or not county.isdigit():
        return
    append(ParsedEntry(plate[0], plate[1], state, "", reason, "", "", lost, "", "", "", "", "", f"county {county}"))

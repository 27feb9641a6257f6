"""NCIC vehicle extract: fixed width, one file holding several lists told apart by the code in column 0."""

from __future__ import annotations

from collections.abc import Iterable

from ..choices import NCIC_LIST_CODES
from .base import (
    BAD_DATE,
    BAD_STATE,
    BAD_YEAR,
    EMPTY_FILE,
    NUL_CHARACTER,
    RECORD_TRUNCATED,
    DateCache,
    ErrorCollector,
    ImportFileError,
    ParsedEntry,
    ParsedFile,
    StateCache,
    is_year,
    plate_or_error,
)

NCIC_UNKNOWN_LIST_CODE = "Unknown NCIC list code '{code}' (known: " + ", ".join(sorted(NCIC_LIST_CODES)) + ")."

# Through the plate state (columns 37-39): vehicle details after it are optional (a stolen plate has none).
RECORD_MIN_LENGTH = 39


def parse_ncic(lines: Iterable[str]) -> ParsedFile:
    """Parse an NCIC vehicle extract; the list code decides each entry's reason. Raises ImportFileError."""
    errors = ErrorCollector()
    entries: list[ParsedEntry] = []
    dates = DateCache()
    states = StateCache()
    seen = False
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        seen = True
        if len(line) < RECORD_MIN_LENGTH:
            errors.add(number, RECORD_TRUNCATED.format(length=len(line), needed=RECORD_MIN_LENGTH))
            continue
        if "\x00" in line:
            errors.add(number, NUL_CHARACTER)
            continue
        ok = True
        code = line[0]
        reason = NCIC_LIST_CODES.get(code)
        if reason is None:
            errors.add(number, NCIC_UNKNOWN_LIST_CODE.format(code=code))
            ok = False
        incident = line[19:27]
        listed_on = ""
        if incident.strip():
            listed_on = dates[incident]
            if listed_on is None:
                errors.add(number, BAD_DATE.format(value=incident))
                ok = False
        plate = plate_or_error(line[27:37], number, errors)
        raw_state = line[37:39].replace("0", "O")  # NCIC writes the letter O as a zero here
        state = states[raw_state]
        if state is None:
            errors.add(number, BAD_STATE.format(state=line[37:39]))
            ok = False
        year = line[45:49].strip()
        if year and not is_year(year):
            errors.add(number, BAD_YEAR.format(value=year))
            ok = False
        if not ok or plate is None:
            continue
        source_ref = f"{line[1:10].strip()} {line[10:19].strip()}".strip()
        entries.append(
            ParsedEntry(
                plate[0],
                plate[1],
                state,
                code,
                reason,
                "",
                "",
                listed_on,
                "",
                year,
                line[49:53].strip(),
                line[53:56].strip(),
                line[58:82].strip(),
                source_ref,
            )
        )
    if not seen:
        raise ImportFileError([(1, EMPTY_FILE)])
    errors.raise_if_any()
    return ParsedFile(entries=entries)

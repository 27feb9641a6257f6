"""Plate text rules: normalization, the OCR-confusion canonical key, and wildcard patterns.

Pure functions with no Django imports; the ingest service, search and hotlist matching all use these, so a
plate means the same thing everywhere.
"""

from __future__ import annotations

import re

PLATE_MAX_LENGTH = 10
# Separators a plate is written or read with: dropped wherever they are. Line breaks too: a reader that ends its
# line with one ("7ABC123\n") means the plate 7ABC123, and exact search and hotlist matching must find it as such.
_STRIP = str.maketrans("", "", " -.·\t\r\n")
# fullmatch, not `$`: `$` also matches before a final line break, which let "7ABC123\n" through as a plate.
_VALID = re.compile(r"[A-Z0-9]+")
_PATTERN_VALID = re.compile(r"[A-Z0-9*?]+")

PLATE_EMPTY = "A plate needs at least one letter or digit."
PLATE_ILLEGAL = "A plate may hold only letters A-Z and digits 0-9 (spaces, dashes, dots and line breaks are dropped)."
PLATE_TOO_LONG = f"A plate has at most {PLATE_MAX_LENGTH} characters."
PATTERN_ILLEGAL = "A plate pattern may hold only letters, digits, '*' (any run) and '?' (one character)."
PATTERN_TOO_BROAD = "A plate pattern needs at least two known characters."

# Characters that plate OCR confuses, mapped to one representative: O/Q/D->0, I/L->1, Z->2, S->5, B->8, G->6.
_CANONICAL = str.maketrans("OQDILZSBG", "000112586")


class PlateError(ValueError):
    """A plate or pattern that cannot be used; the message says why in words a user understands."""


def normalize_plate(text: str) -> str:
    """Upper case, drop spaces, dashes, dots, tabs and line breaks; refuse anything but A-Z and 0-9."""
    plate = (text or "").upper().translate(_STRIP)
    if not plate:
        raise PlateError(PLATE_EMPTY)
    if not _VALID.fullmatch(plate):
        raise PlateError(PLATE_ILLEGAL)
    if len(plate) > PLATE_MAX_LENGTH:
        raise PlateError(PLATE_TOO_LONG)
    return plate


def canonical_key(plate: str) -> str:
    """The plate with OCR-confusable characters folded together: two plates a misread apart share a key."""
    return plate.translate(_CANONICAL)


def wildcard_to_like(pattern: str) -> str:
    """`7AB*12` -> `7AB%12`, `?` -> `_`. Refuses other characters and patterns with under two known ones."""
    text = (pattern or "").upper().translate(_STRIP)
    if not text or not _PATTERN_VALID.fullmatch(text):
        raise PlateError(PATTERN_ILLEGAL)
    if sum(ch.isalnum() for ch in text) < 2:
        raise PlateError(PATTERN_TOO_BROAD)
    like = re.sub(r"\*+", "%", text).replace("?", "_")
    return like


def is_wildcard(text: str) -> bool:
    return "*" in text or "?" in text

"""Pure rules about hotlist content, shared by the parsers, the services and the API (no Django models here)."""

from __future__ import annotations

from collections.abc import Iterable

from agencies.choices import US_STATES
from common.prohibited import prohibited_term_in

PROHIBITED_REASON = (
    "Immigration enforcement is not an authorized hotlist reason (Government Code §7284.6, SB 54); "
    "this entry is refused."
)

CANADIAN_PROVINCES = frozenset({"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"})
PLATE_STATES = frozenset(US_STATES) | CANADIAN_PROVINCES
_STATE_BY_NAME = {name.upper(): code for code, name in US_STATES.items()}


def states_immigration_purpose(*texts: str, extra_terms: Iterable[str] = ()) -> bool:
    """True when any text states an immigration-enforcement purpose: the project's one screen (common.prohibited),
    with `extra_terms` of the list's agency. No queries, so the parsers can call it per line."""
    return prohibited_term_in(*texts, extra_terms=extra_terms) is not None


def normalize_state(text: str) -> str | None:
    """Two-letter USPS (or Canadian) code from a code or a state name; None if it is neither."""
    value = (text or "").strip().upper()
    if value in PLATE_STATES:
        return value
    return _STATE_BY_NAME.get(value)

"""Pure rules about hotlist content, shared by the parsers, the services and the API (no Django models here)."""

from __future__ import annotations

import re

from agencies.choices import US_STATES
from common.prohibited import mentions_immigration_enforcement

PROHIBITED_REASON = (
    "Immigration enforcement is not an authorized hotlist reason (Government Code §7284.6, SB 54); "
    "this entry is refused."
)

# The project's one recognizer of immigration-enforcement purposes is common.prohibited. Hotlist reasons add the
# agency's acronym on its own ("wanted by ICE"): only in capitals and as a word, so "ice blue" is not caught.
_ICE_ACRONYM = re.compile(r"\b(ICE|ERO)(?![A-Za-z])")

CANADIAN_PROVINCES = frozenset({"AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"})
PLATE_STATES = frozenset(US_STATES) | CANADIAN_PROVINCES
_STATE_BY_NAME = {name.upper(): code for code, name in US_STATES.items()}


def states_immigration_purpose(*texts: str) -> bool:
    """True when any text states an immigration-enforcement purpose."""
    return mentions_immigration_enforcement(*texts) or any(text and _ICE_ACRONYM.search(text) for text in texts)


def normalize_state(text: str) -> str | None:
    """Two-letter USPS (or Canadian) code from a code or a state name; None if it is neither."""
    value = (text or "").strip().upper()
    if value in PLATE_STATES:
        return value
    return _STATE_BY_NAME.get(value)

"""Post-processing of OCR output into US plate readings.

* ``normalize``: upper-case, map look-alike glyphs, keep only A-Z0-9.
* ``rank_candidates``: turn per-position character probabilities (from the CTC decoder) into a
  ranked list of plate strings, combining the OCR probability with a soft prior over common
  US plate shapes (letter/digit layouts) so that e.g. ``8ABC1Z3`` → ``8ABC123`` is only chosen
  when the recognizer itself was unsure between ``Z`` and ``2``.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Iterable, Sequence

# The 50 states and DC: USPS code -> name as printed on plates.
US_STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "Washington DC", "FL": "Florida",
    "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa",
    "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri",
    "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio",
    "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island",
    "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah",
    "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin",
    "WY": "Wyoming",
}  # fmt: skip

_LOOKALIKES = str.maketrans(
    {
        "Ø": "0",
        "Ο": "O",
        "О": "O",
        "І": "I",
        "А": "A",
        "В": "B",
        "Е": "E",
        "К": "K",
        "М": "M",
        "Н": "H",
        "Р": "P",
        "С": "C",
        "Т": "T",
        "Х": "X",
        "У": "Y",
        "|": "I",
    }
)


def normalize(text: str | None) -> str:
    """Upper-case and keep only A-Z0-9 (look-alike glyphs mapped first)."""
    if not text:
        return ""
    return re.sub(r"[^A-Z0-9]", "", text.upper().translate(_LOOKALIKES))


# --- plate-shape prior -------------------------------------------------------------------

# Common US serial layouts (L = letter, D = digit).  Used only as a soft prior; vanity plates
# and unusual layouts stay possible because the OCR probability dominates.
COMMON_SHAPES = {
    # 7 characters
    "LLLDDDD": 1.0,
    "DLLLDDD": 1.0,
    "DDDLLLL": 0.3,
    "LLDDDDD": 0.3,
    "DLLDDDD": 0.2,
    "LLLDDDL": 0.2,
    "DDLLLDD": 0.1,
    "LDDDDDD": 0.1,
    "DDDDDDD": 0.2,
    "LDLLDDD": 0.05,
    "LLDDDLL": 0.1,
    "DDDDLLL": 0.05,
    "LLLLDDD": 0.1,
    "DDDLLLD": 0.05,
    "DLDDDDL": 0.05,
    # 6 characters
    "LLLDDD": 1.0,
    "DDDLLL": 0.8,
    "LLDDDD": 0.4,
    "DDDDLL": 0.2,
    "DLLDDD": 0.3,
    "DDLLDD": 0.1,
    "LDDDDD": 0.2,
    "DDDDDD": 0.3,
    "LLLDDL": 0.05,
    "DLLLDD": 0.1,
    "LDDLLL": 0.05,
    "DDDLLD": 0.05,
    "LDLDLD": 0.05,
    "DLDLDL": 0.05,
    "LLDLLD": 0.05,
    "LLDLDL": 0.05,
    # 5 characters
    "LLDDD": 0.3,
    "DDDLL": 0.2,
    "LDDDD": 0.2,
    "DDDDD": 0.2,
    "LLLDD": 0.2,
    "DDLLL": 0.1,
    # 8 characters
    "LLLDDDDD": 0.1,
    "DDDDDDDD": 0.05,
    "LLLLDDDD": 0.05,
}
SHAPE_FLOOR = 0.02  # prior of a layout not in the table


def shape_of(plate: str) -> str:
    return "".join("D" if c.isdigit() else "L" for c in plate)


def shape_prior(plate: str) -> float:
    return COMMON_SHAPES.get(shape_of(plate), SHAPE_FLOOR)


# Groups of glyphs that recognizers confuse on plates.
CONFUSIONS = {
    "O": "0DQ",
    "0": "OD",
    "D": "0O",
    "Q": "0O",
    "I": "1T",
    "1": "IT",
    "T": "1",
    "B": "83",
    "8": "B",
    "S": "5",
    "5": "S",
    "Z": "27",
    "2": "Z",
    "G": "6C",
    "6": "G",
    "A": "4",
    "4": "A",
    "U": "V",
    "V": "U",
    "K": "X",
    "X": "K",
    "M": "N",
    "N": "M",
    "E": "F",
    "F": "E",
    "C": "G",
    "7": "Z",
    "3": "B",
    "P": "R",
    "R": "P",
}


# Relative prior of glyphs in US serials: most states leave O, Q and I out of standard issues
# (in the us-plate-crops labels O is 20x rarer than 0).  1.0 for everything else.
CHAR_PRIOR = {"O": 0.08, "Q": 0.3, "I": 0.5}
_LOG_CHAR_PRIOR = {c: math.log(p) for c, p in CHAR_PRIOR.items()}


def rank_candidates(
    positions: Sequence[Sequence[tuple[str, float]]],
    *,
    top_k: int = 5,
    prior_weight: float = 0.15,
    beam: int = 32,
    confusion_p: float = 0.1,
) -> list[tuple[str, float]]:
    """Rank plate strings from per-position alternatives.

    ``positions`` is one list per decoded character of ``(char, prob)`` alternatives (e.g. the
    CTC top-k at the frame that emitted the character).  Scores are the product of character
    probabilities times ``shape_prior ** prior_weight``; returned confidences are normalised to
    0..1 over the beam so that they are comparable between images.
    """
    if not positions:
        return []
    # beam search over positions (independent per-position distributions)
    beams: list[tuple[float, str]] = [(0.0, "")]
    for alts in positions:
        alts = list(alts)
        # add confusion alternatives that the model did not list, with a small probability
        have = {c for c, _ in alts}
        top_c, top_p = alts[0]
        for c in CONFUSIONS.get(top_c, ""):
            if c not in have:
                alts.append((c, max(1e-4, (1.0 - top_p) * confusion_p, confusion_p * 0.05)))
        logs = [(math.log(max(p, 1e-6)), c) for c, p in alts]
        beams = heapq.nlargest(beam, [(logp + log, s + c) for logp, s in beams for log, c in logs])
    scored = []
    for logp, s in beams:
        char_prior = sum(_LOG_CHAR_PRIOR.get(c, 0.0) for c in s)
        scored.append((logp + prior_weight * math.log(shape_prior(s)) + char_prior, s))
    scored.sort(reverse=True)
    # confidences: posterior over the beam (OCR x priors), scaled by the probability mass the
    # OCR itself put on the beam, so an unsure read never gets a high confidence
    mass = min(1.0, sum(math.exp(lp) for lp, _ in beams))
    top_total = scored[0][0]
    z = sum(math.exp(t - top_total) for t, _ in scored)
    out: list[tuple[str, float]] = []
    seen = set()
    for total, s in scored:
        if s in seen:
            continue
        seen.add(s)
        out.append((s, mass * math.exp(total - top_total) / z))
        if len(out) >= top_k:
            break
    return out


def merge_candidates(lists: Iterable[Sequence[tuple[str, float]]], top_k: int = 5) -> list[tuple[str, float]]:
    """Merge candidate lists from several crop variants: a plate's score is the sum of its
    confidences over variants divided by the number of variants (agreement is rewarded)."""
    lists = [list(items) for items in lists if items]
    if not lists:
        return []
    total: dict[str, float] = {}
    for items in lists:
        for s, p in items:
            total[s] = total.get(s, 0.0) + p
    n = len(lists)
    ranked = sorted(((p / n, s) for s, p in total.items()), reverse=True)
    return [(s, min(1.0, p)) for p, s in ranked[:top_k]]

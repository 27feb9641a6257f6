"""Post-processing of OCR output into US plate readings.

* ``normalize``: upper-case, map look-alike glyphs, keep only A-Z0-9.
* ``is_noise_text``: state names, slogans and small words that are not the plate number.
* ``state_from_text``: USPS code from text such as ``'California'`` or ``'Virginia is for lovers'``.
* ``rank_candidates``: turn per-position character probabilities (from the CTC decoder) into a
  ranked list of plate strings, combining the OCR probability with a soft prior over common
  US plate shapes (letter/digit layouts) so that e.g. ``8ABC1Z3`` → ``8ABC123`` is only chosen
  when the recognizer itself was unsure between ``Z`` and ``2``.
"""

from __future__ import annotations

import difflib
import heapq
import math
import re
from collections.abc import Iterable, Sequence

US_STATES = {
    "ALABAMA": "AL",
    "ALASKA": "AK",
    "ARIZONA": "AZ",
    "ARKANSAS": "AR",
    "CALIFORNIA": "CA",
    "COLORADO": "CO",
    "CONNECTICUT": "CT",
    "DELAWARE": "DE",
    "FLORIDA": "FL",
    "GEORGIA": "GA",
    "HAWAII": "HI",
    "IDAHO": "ID",
    "ILLINOIS": "IL",
    "INDIANA": "IN",
    "IOWA": "IA",
    "KANSAS": "KS",
    "KENTUCKY": "KY",
    "LOUISIANA": "LA",
    "MAINE": "ME",
    "MARYLAND": "MD",
    "MASSACHUSETTS": "MA",
    "MICHIGAN": "MI",
    "MINNESOTA": "MN",
    "MISSISSIPPI": "MS",
    "MISSOURI": "MO",
    "MONTANA": "MT",
    "NEBRASKA": "NE",
    "NEVADA": "NV",
    "NEWHAMPSHIRE": "NH",
    "NEWJERSEY": "NJ",
    "NEWMEXICO": "NM",
    "NEWYORK": "NY",
    "NORTHCAROLINA": "NC",
    "NORTHDAKOTA": "ND",
    "OHIO": "OH",
    "OKLAHOMA": "OK",
    "OREGON": "OR",
    "PENNSYLVANIA": "PA",
    "RHODEISLAND": "RI",
    "SOUTHCAROLINA": "SC",
    "SOUTHDAKOTA": "SD",
    "TENNESSEE": "TN",
    "TEXAS": "TX",
    "UTAH": "UT",
    "VERMONT": "VT",
    "VIRGINIA": "VA",
    "WASHINGTON": "WA",
    "WESTVIRGINIA": "WV",
    "WISCONSIN": "WI",
    "WYOMING": "WY",
    "DISTRICTOFCOLUMBIA": "DC",
    "WASHINGTONDC": "DC",
}
USPS_CODES = frozenset(US_STATES.values())

# Slogans/words commonly printed on US plates (normalised, no spaces).
SLOGANS = {
    "SUNSHINESTATE": "FL",
    "EMPIRESTATE": "NY",
    "GARDENSTATE": "NJ",
    "LANDOFLINCOLN": "IL",
    "GREATLAKES": "MI",
    "PUREMICHIGAN": "MI",
    "LIVEFREEORDIE": "NH",
    "FAMOUSPOTATOES": "ID",
    "ALOHASTATE": "HI",
    "THEOCEANSTATE": "RI",
    "OCEANSTATE": "RI",
    "FIRSTINFLIGHT": "NC",
    "FIRSTINFREEDOM": "NC",
    "GRANDCANYONSTATE": "AZ",
    "THEFIRSTSTATE": "DE",
    "FIRSTSTATE": "DE",
    "SPORTSMANSPARADISE": "LA",
    "WILDWONDERFUL": "WV",
    "AMERICASDAIRYLAND": "WI",
    "DAIRYLAND": "WI",
    "10000LAKES": "MN",
    "PEACEGARDENSTATE": "ND",
    "GREATFACES": "SD",
    "GREATPLACES": "SD",
    "SHOWMESTATE": "MO",
    "THELONESTARSTATE": "TX",
    "LONESTARSTATE": "TX",
    "STARSFELLON": "AL",
    "HEARTOFDIXIE": "AL",
    "THENATURALSTATE": "AR",
    "NATURALSTATE": "AR",
    "COLORFULCOLORADO": "CO",
    "CONSTITUTIONSTATE": "CT",
    "VACATIONLAND": "ME",
    "SILVERSTATE": "NV",
    "HOMEMEANSNEVADA": "NV",
    "LANDOFENCHANTMENT": "NM",
    "GREENMOUNTAINSTATE": "VT",
    "GREENMOUNTAINS": "VT",
    "EVERGREENSTATE": "WA",
    "LIKEWYOMING": "WY",
    "VIRGINIAISFORLOVERS": "VA",
    "TAXATIONWITHOUTREPRESENTATION": "DC",
    "ENDTAXATIONWITHOUTREPRESENTATION": "DC",
    "THESPIRITOFAMERICA": "MA",
    "SPIRITOFAMERICA": "MA",
    "YOUGOTAFRIENDINPENNSYLVANIA": "PA",
    "VISITPA": "PA",
    "BIRTHPLACEOFAVIATION": "OH",
    "BIRTHPLACEOFAVIATIONPIONEERS": "OH",
    "WHEREOPPORTUNITYLIVES": "TN",
    "CROSSROADSOFAMERICA": "IN",
    "LIFEELEVATED": "UT",
    "BIRTHPLACEOFSPEED": "FL",
    "EXPLOREOKLAHOMA": "OK",
    "NATIVEAMERICA": "OK",
}

# Words that appear on plates but are never the registration number.
NOISE_WORDS = {
    "USA",
    "STATE",
    "THE",
    "OF",
    "AND",
    "PASSENGER",
    "COMMERCIAL",
    "TRUCK",
    "TRAILER",
    "APPORTIONED",
    "DEALER",
    "TAXI",
    "FARM",
    "MOTORCYCLE",
    "VETERAN",
    "DISABLED",
    "COUNTY",
    "EXPIRES",
    "JAN",
    "FEB",
    "MAR",
    "APR",
    "MAY",
    "JUN",
    "JUL",
    "AUG",
    "SEP",
    "SEPT",
    "OCT",
    "NOV",
    "DEC",
    "DMV",
    "DMVCAGOV",
    "MOTOR",
    "VEHICLE",
    "REGISTRATION",
    "LICENSE",
    "PLATE",
}

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


def state_from_text(text: str | None, *, cutoff: float = 0.8) -> str | None:
    """Guess a USPS code from free text printed on a plate (state name or slogan)."""
    t = normalize(text)
    t = re.sub(r"\d", "", t)
    if len(t) < 4:
        return None
    for table in (US_STATES, SLOGANS):
        for name, code in table.items():
            if len(name) >= 4 and name in t:
                return code
    best, best_ratio = None, 0.0
    for table in (US_STATES, SLOGANS):
        for name, code in table.items():
            r = difflib.SequenceMatcher(None, t, name).ratio()
            if r > best_ratio:
                best, best_ratio = code, r
    return best if best_ratio >= cutoff else None


def is_noise_text(text: str) -> bool:
    """True for a text line that is clearly not a registration number."""
    t = normalize(text)
    if len(t) < 2:
        return True
    if t in NOISE_WORDS or t in US_STATES or t in SLOGANS:
        return True
    # Long all-letter words are names/slogans (registrations mix digits or are short vanity words).
    if t.isalpha() and len(t) >= 8:
        return True
    return state_from_text(t, cutoff=0.85) is not None and t.isalpha()


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
        new = []
        for logp, s in beams:
            for c, p in alts:
                new.append((logp + math.log(max(p, 1e-6)), s + c))
        beams = heapq.nlargest(beam, new)
    scored = []
    for logp, s in beams:
        char_prior = sum(math.log(CHAR_PRIOR.get(c, 1.0)) for c in s)
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

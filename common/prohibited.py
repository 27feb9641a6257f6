"""The one screen for prohibited purposes (Government Code §7284.6, SB 54: no use for immigration enforcement).

Every place a person states a purpose or a reason asks it: search, timeline and export purposes, image views,
hotlist entries (API, admin, imports), MOU justifications, evidence hold reasons, alert notes. The words are
data, in `common/data/prohibited_terms.json`, extended per agency in admin (agencies.ProhibitedTerm).

Why normalise before matching: a word list matched on raw text is passed by rewording. Text and terms alike go
through `normalize`: Unicode NFKC (full-width letters become ASCII), invisible format characters dropped, letters
that look Latin but are Cyrillic or Greek folded to the Latin letter they imitate, accents stripped (Spanish
"inmigración" matches "inmigracion"), case folded, and every run of punctuation or spacing turned into one
space; a run of single letters ("I-C-E", "I.C.E.", "i c e") is joined into one word.

Why "ice" is special: it is an ordinary word (frozen water; slang for methamphetamine, which narcotics cases
name). The word is refused when written as the agency's acronym (capitals, or spelled letter by letter) unless it
is part of an ordinary phrase ("ICE CREAM TRUCK"), and in any case in the phrases of the data file that name the
agency ("assist ice", "ice detainer"). "Removal" and "detainer" likewise are refused only in immigration phrases
("removal proceedings", "ICE detainer"), never alone: "removal of an abandoned vehicle" is police work.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from django.core.exceptions import ValidationError

IMMIGRATION_ENFORCEMENT_REFUSED = (
    "ALPR data may not be used for immigration enforcement (California Government Code §7284.6, SB 54)."
)

TERMS_FILE = Path(__file__).resolve().parent / "data" / "prohibited_terms.json"

# Letters of other scripts drawn like Latin ones (Unicode's confusables, the subset that spells English and
# Spanish words). NFKC leaves them alone: they are different letters, only they look the same.
_CONFUSABLES = str.maketrans(
    {
        # Cyrillic
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
        "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d", "ӏ": "l", "ԛ": "q",
        "ԝ": "w", "ү": "y", "һ": "h", "ɡ": "g", "ո": "n", "ս": "u",
        "А": "A", "В": "B", "Е": "E", "Ё": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
        "Т": "T", "У": "Y", "Х": "X", "Ѕ": "S", "І": "I", "Ї": "I", "Ј": "J", "Ү": "Y", "Һ": "H", "Ӏ": "I",
        # Greek
        "α": "a", "β": "b", "γ": "y", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
        "τ": "t", "υ": "u", "χ": "x", "ς": "s",
        "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
        "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
        # Latin look-alikes NFKC keeps
        "ı": "i", "ɪ": "i", "ʟ": "l", "ᴄ": "c", "ᴇ": "e", "ᴏ": "o", "ʀ": "r", "ѵ": "v",
    }
)  # fmt: skip

# Acronyms that a run of single letters may hide after a stray letter ("a I.C.E. agent" joins to "AICE").
_SPELLED_ACRONYMS = ("uscis", "ice", "ero", "hsi", "cbp", "dhs")
_WORD = re.compile(r"[^\W_]+")
# A single-word term at least this long is also found inside words joined or split by punctuation
# ("imm-igration"); shorter ones would be found inside ordinary words ("deport" in "deportivo").
_COMPACT_MIN = 8


def _strip_marks(text: str) -> str:
    return "".join(char for char in unicodedata.normalize("NFD", text) if unicodedata.category(char) != "Mn")


def _fold(text: str) -> tuple[str, list[bool]]:
    """`text` with NFKC applied, format characters and accents dropped and confusables folded, case kept; and for
    each character kept, whether NFKC or the confusables changed a letter (full-width or look-alike letters are
    a sign of a screen being dodged)."""
    text = text or ""
    if text.isascii():  # the common case, and nothing in it to fold
        return text, [False] * len(text)
    out: list[str] = []
    disguised: list[bool] = []
    for char in text:
        if unicodedata.category(char) in ("Cf", "Mn"):  # zero-width characters; accents written apart
            continue
        plain = _strip_marks(char)
        folded = _strip_marks(unicodedata.normalize("NFKC", char).translate(_CONFUSABLES)).translate(_CONFUSABLES)
        changed = char.isalpha() and folded != plain
        out.append(folded)
        disguised.extend([changed] * len(folded))
    return "".join(out), disguised


def _marked_words(text: str) -> list[str]:
    """The words of `text`, case folded, except acronym forms (capitals, letters spelled one by one, or letters
    disguised as full-width or look-alike ones), which are kept in capitals so that the rules about "ICE" can
    tell them apart."""
    words: list[str] = []
    run: list[str] = []

    def flush() -> None:
        if len(run) >= 2:
            joined = "".join(run).casefold()
            hidden = next((acronym for acronym in _SPELLED_ACRONYMS if acronym in joined), joined)
            words.append(hidden.upper())
        else:
            words.extend(letter.casefold() for letter in run)
        run.clear()

    folded, disguised = _fold(text)
    for found in _WORD.finditer(folded):
        word = found.group(0)
        if len(word) == 1 and word.isalpha():
            run.append(word.upper() if disguised[found.start()] else word)
            continue
        flush()
        capitals = len(word) >= 2 and word.isupper()
        acronym = word.isalpha() and (capitals or any(disguised[found.start() : found.end()]))
        words.append(word.upper() if acronym else word.casefold())
    flush()
    return words


def normalize(text: str) -> str:
    """`text` as the screen reads it: one space between words, case folded, no accents or punctuation."""
    return " ".join(_marked_words(text)).casefold()


def _term_words(term: str) -> list[str]:
    """A term's words, normalised like text, keeping a trailing * (prefix match) on each word."""
    words = []
    for raw in term.split():
        prefix = raw.endswith("*")
        normal = normalize(raw.rstrip("*"))
        for index, word in enumerate(normal.split()):
            last = index == len(normal.split()) - 1
            words.append(word + ("*" if prefix and last else ""))
    return words


def _word_pattern(word: str) -> str:
    return re.escape(word[:-1]) + r"\w*" if word.endswith("*") else re.escape(word)


def _phrase_patterns(terms: Iterable[str]) -> list[str]:
    """Each term as a regex over the normalised text; a phrase also matches written as one word."""
    patterns = []
    for term in terms:
        words = _term_words(term)
        if not words:
            continue
        patterns.append(" ".join(_word_pattern(word) for word in words))
        if len(words) > 1:
            patterns.append(_word_pattern("".join(word.rstrip("*") for word in words[:-1]) + words[-1]))
    return patterns


def _bounded(patterns: list[str], flags: int = re.IGNORECASE) -> re.Pattern | None:
    if not patterns:
        return None
    return re.compile(r"(?<![^ ])(?:" + "|".join(patterns) + r")(?![^ ])", flags)


class _Screen:
    """The compiled rules of one term list."""

    def __init__(self, terms: list[str], ice_refused: list[str], ice_ordinary: list[str]) -> None:
        self.terms = _bounded(_phrase_patterns([*terms, *ice_refused]))
        # A cheap test first: only a text with a word that can begin a term goes to the regex.
        firsts = [words[0] for words in map(_term_words, [*terms, *ice_refused]) if words]
        firsts += ["".join(words).rstrip("*") + "*" for words in map(_term_words, terms) if len(words) > 1]
        self.first_words = frozenset(word for word in firsts if not word.endswith("*"))
        self.first_prefixes = tuple(sorted({word[:-1] for word in firsts if word.endswith("*")}))
        single = [words[0] for words in map(_term_words, terms) if len(words) == 1]
        compact = [word.rstrip("*") for word in single if len(word.rstrip("*")) >= _COMPACT_MIN]
        self.compact = re.compile("|".join(map(re.escape, compact))) if compact else None
        self.ice_ordinary = _bounded(_phrase_patterns(ice_ordinary))
        self.ice_acronym = re.compile(r"(?<![^ ])ICE(?![^ ])")  # capitals: only acronym forms are kept upper

    def match(self, text: str) -> str | None:
        words = " ".join(_marked_words(text))
        if not words:
            return None
        lowered = words.casefold().split()
        may_match = any(word in self.first_words or word.startswith(self.first_prefixes) for word in lowered)
        found = self.terms.search(words) if self.terms and may_match else None
        if found:
            return found.group(0).casefold()
        if self.compact:
            found = self.compact.search(words.replace(" ", "").casefold())
            if found:
                return found.group(0)
        if self.ice_acronym.search(words):
            ordinary_removed = self.ice_ordinary.sub(" ", words) if self.ice_ordinary else words
            if self.ice_acronym.search(ordinary_removed):
                return "ice"
        return None


@lru_cache(maxsize=1)
def _file_screen() -> _Screen:
    data = json.loads(TERMS_FILE.read_text(encoding="utf-8"))
    terms = [term for group, values in data["terms"].items() if not group.startswith("_") for term in values]
    return _Screen(terms, data["ice"]["refused_phrases"], data["ice"]["ordinary_phrases"])


@lru_cache(maxsize=256)
def _extra_screen(terms: tuple[str, ...]) -> _Screen:
    return _Screen(list(terms), [], [])


def agency_terms(agency_ids: Iterable[int | None]) -> tuple[str, ...]:
    """The terms agencies added in admin. One query; none when no agency is named."""
    ids = sorted({agency_id for agency_id in agency_ids if agency_id})
    if not ids:
        return ()
    from agencies.models import ProhibitedTerm  # common sits below the apps; the model is the agencies app's

    return tuple(sorted(set(ProhibitedTerm.objects.filter(agency_id__in=ids).values_list("term", flat=True))))


def prohibited_term_in(*texts: str | None, extra_terms: Iterable[str] = ()) -> str | None:
    """The prohibited term (normalised) that one of `texts` states, or None. No queries."""
    extra = _extra_screen(tuple(sorted(set(extra_terms)))) if extra_terms else None
    for text in texts:
        if not text:
            continue
        found = _file_screen().match(text) or (extra.match(text) if extra else None)
        if found:
            return found
    return None


def states_prohibited_purpose(*texts: str | None, agency_ids: Iterable[int | None] = ()) -> bool:
    """True when any of `texts` states immigration enforcement, by the data file or the named agencies' terms."""
    return prohibited_term_in(*texts, extra_terms=agency_terms(agency_ids)) is not None


def prohibited_purpose_check(
    fields: Mapping[str, str | None], *, agency_ids: Iterable[int | None] = (), message: str = ""
) -> None:
    """Raise ValidationError({field: [message]}) for each of `fields` (name -> text) that states a prohibited
    purpose. The agencies' own terms are loaded once for all fields."""
    extra = agency_terms(agency_ids)
    errors = {
        name: [message or IMMIGRATION_ENFORCEMENT_REFUSED]
        for name, text in fields.items()
        if prohibited_term_in(text, extra_terms=extra)
    }
    if errors:
        raise ValidationError(errors)


# The name the first version of this module used; callers elsewhere may still use it.
mentions_immigration_enforcement = states_prohibited_purpose

"""What every request's text and structure must be before any view sees it, checked in one place.

PostgreSQL cannot store some values Python accepts: text with NUL fails at the INSERT (or in a WHERE clause), a lone
UTF-16 surrogate (`"\\ud800"` is valid JSON) cannot be encoded as UTF-8 for the driver, and JSON nested thousands of
levels deep overflows Python's recursion limit in the parser. Each used to surface as a 500 from whichever query met
it first. Here they are refused on the way in, for every field of every endpoint at once: the API's parsers
(common.parsers) walk each parsed body with `body_problem`, and `RequestTextMiddleware` (common.middleware) checks
the path and the query string of every request, pages included. The refusal is `BadInput`, which the API's exception
handler turns into a 4xx naming the field and the character. (The body's size is bounded by Django's
DATA_UPLOAD_MAX_MEMORY_SIZE, also answered by the exception handler.)
"""

from __future__ import annotations

import re

# C0 controls but tab, line feed and carriage return (text such as a justification may hold line breaks), DEL, the
# C1 controls, and the UTF-16 surrogate range (only ever a lone surrogate in a Python str decoded from JSON).
_FORBIDDEN_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Paths and query-string names hold no line breaks either.
_FORBIDDEN_IN_PATH = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")

# How deep a JSON body may nest. The deepest document this API takes (an OpenALPR alpr_group:
# {"best_plate": {"candidates": [{...}]}}) nests 4 levels; 32 leaves room and stays far below the recursion limit.
JSON_MAX_DEPTH = 32

TEXT_FORBIDDEN = "Text may not hold control characters (such as NUL) or unpaired UTF-16 surrogates; found {char}."
PATH_FORBIDDEN = "The address may not hold control characters (such as NUL) or unpaired surrogates; found {char}."
QUERY_FORBIDDEN = "The query parameter {name!r} holds a control character (such as NUL) or a lone surrogate: {char}."
JSON_TOO_DEEP = f"The JSON body is nested too deeply: at most {JSON_MAX_DEPTH} levels of objects and arrays."
BODY_TOO_LARGE = "The request body is too large: at most {limit:,} bytes."
FORM_TOO_MANY_FIELDS = "The form has too many fields or files."


class BadInput(Exception):
    """A request refused before any view used it: `message` names the problem, `field` where it is (a JSON path such
    as `reads[3].vehicle_make`, or a form field's name), `status` the answer."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status

    def as_body(self) -> dict:
        return {self.field: [self.message]} if self.field else {"detail": self.message}


def _codepoint(char: str) -> str:
    return f"U+{ord(char):04X}"


def text_problem(value: str, *, pattern: re.Pattern = _FORBIDDEN_IN_TEXT) -> str | None:
    """None when `value` may be stored as text, else the code point that may not (e.g. 'U+0000')."""
    found = pattern.search(value)
    return _codepoint(found.group()) if found else None


def path_problem(value: str) -> str | None:
    return text_problem(value, pattern=_FORBIDDEN_IN_PATH)


def printable(value: str) -> str:
    """`value` with each forbidden character shown as U+FFFD: safe to quote back in an error (a lone surrogate
    cannot even be encoded into the response)."""
    return _FORBIDDEN_IN_PATH.sub("\ufffd", value)


# A forbidden character can reach a string parsed from JSON text only as an escape (\u0000, \ud800): the parser
# refuses raw C0 controls and a raw surrogate is not UTF-8. DEL and the C1 controls may also stand as themselves.
_MAYBE_FORBIDDEN_IN_JSON = re.compile(r"\\u(?:00[0-1]|007[fF]|00[89]|[dD][89a-fA-F])|[\x7f-\x9f]")


def json_text_may_hold_forbidden(text: str) -> bool:
    """False when no string parsed from this JSON text can hold a forbidden character, found at the speed of a
    substring search for the usual body (no escape, all ASCII); true may be a false alarm (an escaped tab)."""
    if "\\u" not in text and "\x7f" not in text and text.isascii():
        return False
    return _MAYBE_FORBIDDEN_IN_JSON.search(text) is not None


def nesting_depth(data) -> int:
    """How deeply objects and arrays nest in a parsed body (a bare value: 0), level by level: no recursion, and about
    a third of json.loads' time for a batch of 1,000 reads."""
    depth, level = 0, [data] if type(data) in _CONTAINERS else []
    while level:
        depth += 1
        level = [
            child
            for node in level
            for child in (node.values() if type(node) is dict else node)
            if type(child) in _CONTAINERS
        ]
    return depth


_CONTAINERS = (dict, list)


def _path(parts: tuple) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def body_problem(data, *, max_depth: int = JSON_MAX_DEPTH) -> BadInput | None:
    """The first thing wrong with a parsed body (a string with a forbidden character, as a key or a value, or
    nesting deeper than `max_depth`), or None, naming where it is. Iterative, so no depth of nesting can overflow the
    stack; about twice json.loads' time for a batch of 1,000 reads, so the parser runs it only when
    `json_text_may_hold_forbidden`."""
    if isinstance(data, str):
        char = text_problem(data)
        return BadInput(TEXT_FORBIDDEN.format(char=char)) if char else None
    stack: list[tuple[object, int, tuple]] = [(data, 1, ())]
    while stack:
        value, depth, where = stack.pop()
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, list | tuple):
            items = enumerate(value)
        else:
            continue
        if depth > max_depth:
            return BadInput(JSON_TOO_DEEP)
        for key, item in items:
            if isinstance(key, str) and (char := text_problem(key)):
                return BadInput(TEXT_FORBIDDEN.format(char=char), field=_path((*where, printable(key))))
            if isinstance(item, str):
                if char := text_problem(item):
                    return BadInput(TEXT_FORBIDDEN.format(char=char), field=_path((*where, key)))
            elif isinstance(item, dict | list | tuple):
                stack.append((item, depth + 1, (*where, key)))
    return None

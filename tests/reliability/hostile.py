"""Hostile input shared by the fuzzers: the characters PostgreSQL cannot store or that the API refuses (lone UTF-16
surrogates, NUL and other control characters), and JSON nested deeper than any parser's stack."""

import json

from hypothesis import strategies as st

SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
CONTROLS = ["\x00", "\x01", "\x1b", "\x7f", "\x85"]
DEPTHS = [33, 2_000, 50_000]

# Any text, lone surrogates and control characters included (hypothesis' own text never holds a surrogate).
hostile_text = st.one_of(
    st.text(st.characters(categories=["Cs", "Cc", "Lu", "Nd", "Zs"]), min_size=1, max_size=12),
    st.tuples(st.sampled_from(["7ABC123", "HONDA", ""]), st.sampled_from(SURROGATES + CONTROLS)).map("".join),
)


class Deep:
    """A value to be written as `depth` nested arrays: json.dumps itself cannot write thousands of levels."""

    def __init__(self, depth: int):
        self.depth = depth

    def __repr__(self):
        return f"Deep({self.depth})"


deep_values = st.sampled_from(DEPTHS).map(Deep)


def json_bytes(document) -> bytes:
    """`document` as a client could send it: lone surrogates as \\ud800 escapes (valid JSON), infinity as 1e400 (what
    Python's and DRF's parsers read as inf), Deep as nested arrays."""
    text = json.dumps(document, default=lambda deep: f"@deep:{deep.depth}@").replace("Infinity", "1e400")
    for depth in DEPTHS:
        text = text.replace(f'"@deep:{depth}@"', "[" * depth + "]" * depth)
    return text.encode()

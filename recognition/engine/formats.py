"""State serial formats: which letter/digit layouts a state issues (``data/state_formats.tsv``, with its
source), and the soft re-ranking of a plate's candidates by them when the state is known.

The re-ranking multiplies each candidate's score by ``exp(weight * fit)``, where ``fit`` is the
probability (from the state head) that the plate comes from a state whose standard layouts it
fits; it is used only when the state head's best state has probability >= ``min_probability``.
A plate that fits no format (vanity, specialty, older series, out of state) keeps its own score:
nothing is forced. The weight and the threshold were chosen by cross-validation on the plate
crops (``tools/tune_decoding.py``, docs/recognition.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np

FORMATS_PATH = Path(__file__).resolve().parent / "data" / "state_formats.tsv"


def layout(plate: str) -> str:
    """``7ABC123`` -> ``DLLLDDD``."""
    return "".join("D" if c.isdigit() else "L" for c in plate)


@cache
def state_formats() -> dict[str, frozenset[str]]:
    """USPS code -> the layouts of its standard passenger serials (states without a row: none)."""
    table: dict[str, frozenset[str]] = {}
    for n, line in enumerate(FORMATS_PATH.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        layouts = frozenset(p.strip() for p in parts[1].split(",")) if len(parts) > 1 else frozenset()
        if not layouts or any(not p or set(p) - {"L", "D"} for p in layouts):
            raise ValueError(f"{FORMATS_PATH}:{n}: expected 'STATE<TAB>LAYOUT,LAYOUT,...', got {line!r}")
        table[parts[0].strip().upper()] = layouts
    return table


def fits_state_format(plate: str, state: str) -> bool | None:
    """Whether ``plate`` has one of ``state``'s standard layouts; None when the state has none listed."""
    layouts = state_formats().get(state.upper())
    return None if layouts is None else layout(plate) in layouts


def format_fit(plate: str, state_probs: dict[str, float]) -> float:
    """The probability that ``plate`` comes from a state whose standard layouts it fits."""
    shape, table = layout(plate), state_formats()
    return sum(p for state, p in state_probs.items() if shape in table.get(state, ()))


def rerank(
    candidates: Sequence[tuple[str, float]],
    state_probs: dict[str, float],
    *,
    weight: float,
    min_probability: float,
) -> list[tuple[str, float]]:
    """``candidates`` (plate, confidence), best first, re-ranked by the state formats (module doc);
    unchanged when no state is at least ``min_probability`` likely. Confidences keep their total."""
    if not candidates or weight <= 0 or max(state_probs.values(), default=0.0) < min_probability:
        return list(candidates)
    scored = [(p * math.exp(weight * format_fit(s, state_probs)), s) for s, p in candidates]
    total_before, total_after = sum(p for _, p in candidates), sum(p for p, _ in scored)
    scale = total_before / total_after if total_after > 0 else 0.0
    scored.sort(key=lambda t: -t[0])
    return [(s, min(1.0, p * scale)) for p, s in scored]


def state_probabilities(probs: np.ndarray, classes: Sequence[str]) -> dict[str, float]:
    """The state head's mean probabilities as {USPS code: probability} (class "" = not told left out)."""
    return {code: float(p) for code, p in zip(classes, probs, strict=True) if code}

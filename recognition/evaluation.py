"""Accuracy/speed evaluation of a plate recognizer on a labelled set of photos.

Pure Python (no Django): a management command or ``tools/eval_recognition.py`` wraps it.

The labels file is a TSV, one image per line::

    image  x  y  width  height  plate

with the images in the same folder.  For every image the recognizer is run once on the decoded
BGR array (decoding is not timed) and:

* ``detect``  -- some reading's box has IoU >= 0.3 with the labelled box;
* ``exact``   -- the reading matched to the labelled box (highest IoU, >= 0.3) has a top plate
  equal to the label (both normalised to A-Z0-9);
* ``within1`` -- the same reading is at Levenshtein distance <= 1 from the label;
* ``ms``      -- wall-clock time of ``recognizer.recognize(image)`` (detection + OCR + post-processing).

A plate that is not detected counts as wrong for ``exact`` and ``within1``.

The plate crops (and the issuing state, labelled only there) are scored by ``crop_evaluation``.
"""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .engine.detector import box_iou

IOU_THRESHOLD = 0.3


def normalize_plate(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (text or "").upper())


def levenshtein(a: str, b: str) -> int:
    if a == b:
        return 0
    if not a:
        return len(b)
    if not b:
        return len(a)
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def edit_ops(label: str, read: str) -> list[tuple[str, str]]:
    """The character edits that turn ``label`` into ``read`` (one shortest alignment): (label's
    character, read character) pairs, ``""`` on the side where a character is missing."""
    n, m = len(label), len(read)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        d[i][0] = i
    for j in range(m + 1):
        d[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (label[i - 1] != read[j - 1]))
    ops, i, j = [], n, m
    while i or j:
        if i and j and d[i][j] == d[i - 1][j - 1] + (label[i - 1] != read[j - 1]):
            if label[i - 1] != read[j - 1]:
                ops.append((label[i - 1], read[j - 1]))
            i, j = i - 1, j - 1
        elif i and d[i][j] == d[i - 1][j] + 1:
            ops.append((label[i - 1], ""))
            i -= 1
        else:
            ops.append(("", read[j - 1]))
            j -= 1
    return ops[::-1]


def confusion_pairs(pairs: Iterable[tuple[str, str | None]]) -> Counter:
    """How often each edit (``edit_ops``) turns labels into readings, over (label, read) pairs;
    a plate that was not read (None) counts as one ``(label, None)`` miss."""
    counts: Counter = Counter()
    for label, read in pairs:
        if read is None:
            counts[(label, None)] += 1
        else:
            counts.update(edit_ops(label, read))
    return counts


def confusions_text(counts: Counter, top: int = 20) -> str:
    """``label>read xN`` for the most frequent edits, ``-`` for a missing character."""
    parts = [
        f"{a or '-'}>{b or '-'} x{n}" if b is not None else f"{a}>(none) x{n}" for (a, b), n in counts.most_common(top)
    ]
    return "CONFUSIONS " + (", ".join(parts) if parts else "none")


@dataclass
class LabelledImage:
    image: str
    box: tuple[int, int, int, int]  # x1, y1, x2, y2
    plate: str


@dataclass
class ImageResult:
    image: str
    label: str
    read: str | None  # top plate of the matched reading, None when not detected
    detected: bool
    exact: bool
    within1: bool
    ms: float
    iou: float
    candidates: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class EvalReport:
    results: list[ImageResult]

    @property
    def images(self) -> int:
        return len(self.results)

    def _rate(self, attr: str) -> float:
        if not self.results:
            return 0.0
        return sum(bool(getattr(r, attr)) for r in self.results) / len(self.results)

    @property
    def detect(self) -> float:
        return self._rate("detected")

    @property
    def exact(self) -> float:
        return self._rate("exact")

    @property
    def within1(self) -> float:
        return self._rate("within1")

    @property
    def median_ms(self) -> float:
        return statistics.median(r.ms for r in self.results) if self.results else 0.0

    @property
    def p95_ms(self) -> float:
        if not self.results:
            return 0.0
        times = sorted(r.ms for r in self.results)
        return times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]

    @property
    def mistakes(self) -> list[ImageResult]:
        return [r for r in self.results if not r.exact]

    def result_line(self) -> str:
        return (
            f"RESULT images={self.images} detect={self.detect:.3f} exact={self.exact:.3f} "
            f"within1={self.within1:.3f} median_ms={self.median_ms:.0f} p95_ms={self.p95_ms:.0f}"
        )

    def confusions_text(self) -> str:
        return confusions_text(confusion_pairs((r.label, r.read) for r in self.results if not r.exact))

    def mistakes_text(self) -> str:
        lines = []
        for r in self.mistakes:
            if not r.detected:
                lines.append(f"{r.image}\tlabel={r.label}\tNOT DETECTED")
            else:
                alts = ",".join(c for c, _ in r.candidates[:4])
                lines.append(f"{r.image}\tlabel={r.label}\tread={r.read}\tiou={r.iou:.2f}\tcands={alts}")
        return "\n".join(lines)


def read_labels(labels_path: str | Path) -> list[LabelledImage]:
    path = Path(labels_path)
    if not path.is_file():
        raise FileNotFoundError(f"labels file not found: {path}")
    items = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 6:
            parts = line.split()
        if len(parts) < 6:
            raise ValueError(f"{path}:{n}: expected 'image x y width height plate', got {line!r}")
        name, x, y, w, h, plate = parts[0], *(int(float(v)) for v in parts[1:5]), parts[5]
        items.append(LabelledImage(name, (x, y, x + w, y + h), normalize_plate(plate)))
    return items


def load_bgr(path: Path):
    import cv2  # local import: keeps this module importable without OpenCV
    import numpy as np

    data = np.fromfile(str(path), dtype=np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_COLOR) if data.size else None
    if img is None:
        raise ValueError(f"cannot decode image {path}")
    return img


def evaluate(
    labels_path: str | Path,
    *,
    recognizer: Any,
    limit: int | None = None,
    progress: Callable[[ImageResult], None] | None = None,
) -> EvalReport:
    """Run ``recognizer.recognize`` on every labelled image and score it (see module doc)."""
    labels_path = Path(labels_path)
    items = read_labels(labels_path)
    if limit is not None:
        items = items[:limit]
    results = []
    for item in items:
        image = load_bgr(labels_path.parent / item.image)
        t0 = time.perf_counter()
        readings = recognizer.recognize(image)
        ms = (time.perf_counter() - t0) * 1000.0
        best, best_iou = None, 0.0
        for r in readings:
            v = box_iou(r.box, item.box)
            if v > best_iou:
                best, best_iou = r, v
        detected = best is not None and best_iou >= IOU_THRESHOLD
        read = normalize_plate(best.plate) if detected else None
        res = ImageResult(
            image=item.image,
            label=item.plate,
            read=read,
            detected=detected,
            exact=detected and read == item.plate,
            within1=detected and levenshtein(read, item.plate) <= 1,
            ms=ms,
            iou=best_iou,
            candidates=list(best.candidates) if detected else [],
        )
        results.append(res)
        if progress:
            progress(res)
    return EvalReport(results)

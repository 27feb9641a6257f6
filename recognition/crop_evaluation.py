"""Cross-validation of plate reading on the labelled plate crops (no Django).

The crop set (``labels.csv``: image, state, plate) is the only labelled data that tuning may use:
the photos of the evaluation set are scored once, at the end (``evaluation.evaluate``). The
protocol:

* **Leak rule.** Crops whose plate text occurs in the evaluation labels (``exclude_labels``: a
  ``labels.tsv``) are left out before anything else: the same car must be neither trained nor
  tuned on.
* **Folds.** The remaining crops, in a fixed shuffled order, are cut into ``folds`` equal parts
  (``crop_folds``). A model is trained with one fold held out (``tools/train_ocr.py --fold``) and
  may be scored only on that fold. The committed models (``engine/models``) were all trained with
  fold ``COMMITTED_HELD_OUT_FOLD`` of ``FOLDS`` held out, so with them only that fold is a fair
  test; models trained per fold (``fold-<i>/plate_ocr*.onnx`` in a folder) give the full k-fold
  figure.
* **Conditions.** Each held-out crop is read as the box (``clean``), and once more shrunk to the
  size and quality of a plate in a street photo (``photo``: 50-150 px wide, slight blur, JPEG),
  deterministically per crop; ``photo-2``, ``photo-3``, ... are further draws (for tuning).

``evaluate_crops`` reports exact, within-one, the state (told / precision), a breakdown per state
and per plate style (length, letter/digit layout, whether the text fits its state's standard
serial layouts: ``engine/formats.py``) and the confusion pairs.
"""

from __future__ import annotations

import csv
import math
import random
import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .evaluation import confusion_pairs, confusions_text, levenshtein, load_bgr, normalize_plate, read_labels

FOLDS = 10
# tools/train_ocr.py held this fold out when it made the models in engine/models (docs/recognition.md)
COMMITTED_HELD_OUT_FOLD = 0
CONDITIONS = ("clean", "photo")


@dataclass(frozen=True)
class LabelledCrop:
    path: Path
    state: str  # USPS code, upper case
    plate: str


def crop_folds(
    crops_dir: str | Path, exclude_labels: str | Path | None = None, folds: int = FOLDS
) -> list[list[LabelledCrop]]:
    """The plate-crop set cut into ``folds`` parts, the same way every time, after leaving out the
    crops whose plate text is one of ``exclude_labels``'s (the evaluation photos' labels.tsv)."""
    crops_dir = Path(crops_dir)
    exclude = {item.plate for item in read_labels(exclude_labels)} if exclude_labels else set()
    rows = []
    with open(crops_dir / "labels.csv", newline="") as fh:
        for n, row in enumerate(csv.reader(fh), 1):
            if not row or row[0] == "image":
                continue
            if len(row) < 3:
                raise ValueError(f"{crops_dir / 'labels.csv'}:{n}: expected 'image,state,plate', got {row!r}")
            plate = normalize_plate(row[2])
            if 3 <= len(plate) <= 10 and plate not in exclude:
                rows.append(LabelledCrop(crops_dir / row[0], row[1].upper(), plate))
    rows.sort(key=lambda r: r.path.name)
    random.Random(1234).shuffle(rows)
    size = len(rows) // folds  # the last fold takes the remainder
    return [rows[i * size : (i + 1) * size if i < folds - 1 else len(rows)] for i in range(folds)]


def crop_split(
    crops_dir: str | Path,
    exclude_labels: str | Path | None = None,
    *,
    fold: int = COMMITTED_HELD_OUT_FOLD,
    folds: int = FOLDS,
) -> tuple[list[LabelledCrop], list[LabelledCrop]]:
    """(training crops, held-out crops) with fold ``fold`` of ``crop_folds`` held out."""
    parts = crop_folds(crops_dir, exclude_labels, folds)
    if not 0 <= fold < folds:
        raise ValueError(f"fold {fold} is not one of 0..{folds - 1}")
    return [c for i, part in enumerate(parts) if i != fold for c in part], parts[fold]


def photo_like(img, key: str):
    """``img`` (a tight plate crop) as a plate in a street photo looks: shrunk to 50-150 px wide,
    sometimes slightly blurred, JPEG-compressed. Deterministic for a given ``key``."""
    import cv2

    rng = random.Random(zlib.crc32(key.encode()))
    w = int(math.exp(rng.uniform(math.log(50), math.log(150))))
    h = max(8, round(w * img.shape[0] / max(img.shape[1], 1)))
    out = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.5:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.3, 0.8))
    ok, enc = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(50, 90)])
    return cv2.imdecode(enc, cv2.IMREAD_COLOR) if ok else out


def plate_style(plate: str, state: str) -> list[str]:
    """The styles a crop is counted under: its length, its letter/digit layout, and whether it fits
    one of its state's standard serial layouts (engine/data/state_formats.tsv)."""
    from .engine.formats import fits_state_format, layout

    fit = fits_state_format(plate, state)
    kind = "state format" if fit else "no state format (vanity, specialty, older)" if fit is False else "state unlisted"
    return [f"length {len(plate)}", f"layout {layout(plate)}", kind]


@dataclass
class CropResult:
    crop: LabelledCrop
    condition: str
    fold: int
    read: str
    state: str | None
    candidates: list[tuple[str, float]] = field(default_factory=list)
    texts: Any = field(default=None, repr=False)  # the raw readings (read_crops), kept for tuning

    @property
    def exact(self) -> bool:
        return self.read == self.crop.plate

    @property
    def within1(self) -> bool:
        return levenshtein(self.read, self.crop.plate) <= 1


@dataclass
class _Tally:
    n: int = 0
    exact: int = 0
    within1: int = 0
    told: int = 0
    right: int = 0

    def add(self, r: CropResult) -> None:
        self.n += 1
        self.exact += r.exact
        self.within1 += r.within1
        self.told += r.state is not None
        self.right += r.state == r.crop.state

    def text(self) -> str:
        n = max(self.n, 1)
        precision = f"{self.right / self.told:.3f}" if self.told else "-"
        return (
            f"n={self.n} exact={self.exact / n:.3f} within1={self.within1 / n:.3f} "
            f"state_told={self.told / n:.3f} state_precision={precision}"
        )


@dataclass
class CropReport:
    results: list[CropResult]
    folds: list[int]  # the folds scored
    of: int  # out of this many

    def tally(self, condition: str, key: Callable[[CropResult], list[str]] | None = None) -> dict[str, _Tally]:
        out: dict[str, _Tally] = defaultdict(_Tally)
        for r in self.results:
            if r.condition == condition:
                for k in key(r) if key else [""]:
                    out[k].add(r)
        return dict(out)

    def overall(self, condition: str) -> _Tally:
        return self.tally(condition).get("", _Tally())

    def result_lines(self) -> list[str]:
        folds = ",".join(map(str, self.folds))
        return [f"CROPS {c} folds={folds}/{self.of} {self.overall(c).text()}" for c in self._conditions()]

    def _conditions(self) -> list[str]:
        return list(dict.fromkeys(r.condition for r in self.results))

    def breakdown_text(self) -> str:
        lines = []
        for c in self._conditions():
            for title, key in (
                ("state", lambda r: [r.crop.state]),
                ("style", lambda r: plate_style(r.crop.plate, r.crop.state)),
            ):
                for k, t in sorted(self.tally(c, key).items()):
                    lines.append(f"  {c} {title} {k}: {t.text()}")
            misses = [(r.crop.plate, r.read) for r in self.results if r.condition == c and not r.exact]
            lines.append(f"  {c} {confusions_text(confusion_pairs(misses))}")
        return "\n".join(lines)

    def mistakes_text(self) -> str:
        return "\n".join(
            f"MISS {r.condition} {r.crop.path.name} ({r.crop.state}): label {r.crop.plate!r}, read {r.read!r}"
            f" state {r.state or '-'} cands={','.join(p for p, _ in r.candidates[:4])}"
            for r in self.results
            if not r.exact
        )


def evaluate_crops(
    crops: Sequence[LabelledCrop],
    *,
    recognizer: Any,
    fold: int = COMMITTED_HELD_OUT_FOLD,
    conditions: Sequence[str] = CONDITIONS,
    keep_texts: bool = False,
) -> list[CropResult]:
    """Read each crop as the detector's box in each condition with ``recognizer`` (a
    PlateRecognizer that never trained on these crops)."""
    from .engine.plates import normalize

    out = []
    for crop in crops:
        image = load_bgr(crop.path)
        for condition in conditions:
            # "photo", or "photo-2", "photo-3", ...: other draws of the same degradation
            img = image if condition == "clean" else photo_like(image, crop.path.name + condition[5:])
            texts, whole = recognizer.read_crops(img, [(0, 0, img.shape[1], img.shape[0])])
            cands, state = recognizer.decide(texts, whole)
            read = normalize(cands[0][0]) if cands else ""
            out.append(CropResult(crop, condition, fold, read, state, cands, (texts, whole) if keep_texts else None))
    return out


def cross_validate(
    crops_dir: str | Path,
    exclude_labels: str | Path | None,
    *,
    recognizer_for_fold: Callable[[int], Any | None],
    folds: int = FOLDS,
    conditions: Sequence[str] = CONDITIONS,
    keep_texts: bool = False,
) -> CropReport:
    """Score every fold that has a recognizer trained without it (``recognizer_for_fold(i)``,
    None for a fold that has none) and pool the results."""
    parts = crop_folds(crops_dir, exclude_labels, folds)
    results, scored = [], []
    for i, part in enumerate(parts):
        rec = recognizer_for_fold(i)
        if rec is None:
            continue
        scored.append(i)
        results += evaluate_crops(part, recognizer=rec, fold=i, conditions=conditions, keep_texts=keep_texts)
    if not scored:
        raise ValueError("no fold has a model trained without it")
    return CropReport(results, scored, folds)


def fold_models(folder: str | Path, fold: int) -> list[Path]:
    """The plate OCR models trained with fold ``fold`` held out: ``<folder>/fold-<fold>/*.onnx``."""
    return sorted((Path(folder) / f"fold-{fold}").glob("*.onnx"))


def state_result_line(results: Sequence[CropResult]) -> str:
    """``STATE crops=N told=... precision=...`` over the clean condition."""
    clean = [r for r in results if r.condition == "clean"]
    told = sum(r.state is not None for r in clean)
    right = sum(r.state == r.crop.state for r in clean)
    return f"STATE crops={len(clean)} told={told / max(len(clean), 1):.3f} precision={right / max(told, 1):.3f}"

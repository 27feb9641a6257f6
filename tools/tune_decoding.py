#!/usr/bin/env python
"""Choose the state-format re-ranking's weight and state threshold (recognition/engine/formats.py) by
cross-validation on the plate crops — never on the evaluation photos.

The crops of the folds that the OCR models did not train on (recognition.crop_evaluation: with the committed
models, fold 0) are read once as the box and in four photo-like draws; every setting of the grid then decides their
plates again from those readings. Nested cross-validation: the crops are cut into 5 parts; for each part the
setting that reads the other four best is chosen and scored on it, so the pooled figure is that of the
procedure, not of a setting picked after seeing the answers. The setting printed last is the one best on all.

    YOLO_OFFLINE=1 .venv/bin/python tools/tune_decoding.py --crops ../shared/datasets/us-plate-crops \\
        --exclude-labels ../shared/datasets/us-plates-dev/labels.tsv
"""

from __future__ import annotations

import argparse
import os
import sys
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("YOLO_OFFLINE", "1")

from recognition.crop_evaluation import COMMITTED_HELD_OUT_FOLD, cross_validate, fold_models, plate_style  # noqa: E402

WEIGHTS = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0)
MIN_PROBABILITIES = (0.3, 0.5, 0.7, 0.9)
PARTS = 5
# each crop as the box, and four draws of it shrunk to a street photo's plate (crop_evaluation.photo_like)
CONDITIONS = ("clean", "photo", "photo-2", "photo-3", "photo-4")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--crops", type=Path, required=True)
    ap.add_argument("--exclude-labels", type=Path, required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--weights", default=",".join(map(str, WEIGHTS)), help="the weights tried, comma-separated")
    ap.add_argument(
        "--fold-models",
        type=Path,
        help="models trained per fold (DIR/fold-<i>/plate_ocr*.onnx): every fold is scored, each by its own",
    )
    args = ap.parse_args()
    from recognition.engine.pipeline import PlateRecognizer
    from recognition.engine.plates import normalize

    rec = PlateRecognizer(threads=args.threads)  # decides every fold's plates (its OCR reads fold 0 only)

    def recognizer_for_fold(i):
        if not args.fold_models:
            return rec if i == COMMITTED_HELD_OUT_FOLD else None
        paths = fold_models(args.fold_models, i)
        return PlateRecognizer(threads=args.threads, ocr_model_paths=paths) if paths else None

    report = cross_validate(
        args.crops,
        args.exclude_labels,
        recognizer_for_fold=recognizer_for_fold,
        conditions=CONDITIONS,
        keep_texts=True,
    )
    results = report.results
    weights = sorted({0.0, *(float(w) for w in args.weights.split(","))})
    grid = [(w, m) for w in weights for m in MIN_PROBABILITIES if w > 0 or m == MIN_PROBABILITIES[0]]
    right: dict[tuple[float, float], list[bool]] = {}
    for w, m in grid:
        rec.format_weight, rec.format_min_probability = w, m
        right[(w, m)] = []
        for r in results:
            cands, _ = rec.decide(*r.texts)
            right[(w, m)].append(bool(cands) and normalize(cands[0][0]) == r.crop.plate)
    part = [zlib.crc32(r.crop.path.name.encode()) % PARTS for r in results]  # both conditions of a crop together

    def best(indices):  # most right; ties: the smaller weight, then the higher threshold
        return max(grid, key=lambda g: (sum(right[g][i] for i in indices), -g[0], g[1]))

    cv_right = baseline = 0
    for k in range(PARTS):
        inside = [i for i in range(len(results)) if part[i] != k]
        held = [i for i in range(len(results)) if part[i] == k]
        chosen = best(inside)
        cv_right += sum(right[chosen][i] for i in held)
        baseline += sum(right[grid[0]][i] for i in held)
        print(f"part {k}: chosen weight={chosen[0]} min_probability={chosen[1]}")
    n = len(results)
    print(f"NESTED-CV exact: without formats {baseline / n:.3f}, with the chosen setting {cv_right / n:.3f} (n={n})")
    for g in grid:
        by_kind: dict[str, list[bool]] = {}
        for r, ok in zip(results, right[g], strict=True):
            by_kind.setdefault(plate_style(r.crop.plate, r.crop.state)[2], []).append(ok)
            by_kind.setdefault(r.condition.split("-")[0], []).append(ok)
        kinds = " ".join(f"{k}={sum(v) / len(v):.3f}" for k, v in sorted(by_kind.items()))
        print(f"weight={g[0]} min_probability={g[1]} exact={sum(right[g]) / n:.3f} {kinds}")
    chosen = best(range(n))
    print(f"CHOSEN weight={chosen[0]} min_probability={chosen[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

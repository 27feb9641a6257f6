"""Time the recognition pipeline per image, with the detector's int8 model in the whole-photo search (as it runs)
and with the float model everywhere, in alternating rounds on the same photos (this kind of machine drifts by
20-30 % between minutes, so only figures from one run are compared).

    YOLO_OFFLINE=1 .venv/bin/python bench/recognition_speed.py [FOLDER] [--limit 60] [--rounds 2] [--threads 2]

FOLDER: photos (*.jpg, *.png; searched recursively), default ../shared/datasets/us-plates-dev. Prints, per
configuration and round, the median and p95 of ``recognize()`` and the medians of its detection, refinement and
OCR times (PlateReading.timings), then a RESULT line for the first configuration's last round.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONFIGURATIONS = {"int8 whole-photo search": {}, "float everywhere": {"quantized_detector": False}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path, nargs="?", default=ROOT.parent / "shared/datasets/us-plates-dev")
    ap.add_argument("--limit", type=int, default=0, help="at most this many photos (0: all)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    import cv2

    from recognition.engine.pipeline import PlateRecognizer

    cv2.setNumThreads(args.threads)
    paths = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    photos = [img for img in (cv2.imread(str(p)) for p in paths[: args.limit or None]) if img is not None]
    if not photos:
        print(f"no photos in {args.folder}", file=sys.stderr)
        return 2
    engines = {name: PlateRecognizer(threads=args.threads, **kw) for name, kw in CONFIGURATIONS.items()}
    for engine in engines.values():
        for img in photos[:3]:
            engine.recognize(img)  # warm-up
    line = ""
    for rnd in range(1, args.rounds + 1):
        for name, engine in engines.items():
            total, stages = [], {"detect_ms": [], "refine_ms": [], "ocr_ms": []}
            for img in photos:
                t0 = time.perf_counter()
                readings = engine.recognize(img)
                total.append((time.perf_counter() - t0) * 1000)
                if readings:
                    stages["detect_ms"].append(readings[0].timings["detect_ms"])
                    for key in ("refine_ms", "ocr_ms"):
                        stages[key].append(sum(r.timings[key] for r in readings))
            p95 = sorted(total)[int(0.95 * (len(total) - 1))]
            parts = " ".join(f"{k}={statistics.median(v):.1f}" for k, v in stages.items() if v)
            print(f"round {rnd} {name}: images={len(photos)} median_ms={statistics.median(total):.1f} "
                  f"p95_ms={p95:.1f} {parts}", flush=True)  # fmt: skip
            if name == next(iter(engines)):
                line = f"RESULT images={len(photos)} median_ms={statistics.median(total):.1f} p95_ms={p95:.1f}"
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

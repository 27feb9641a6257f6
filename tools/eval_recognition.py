#!/usr/bin/env python
"""Evaluate the plate recognizer on a labelled folder and print the RESULT line.

YOLO_OFFLINE=1 .venv/bin/python tools/eval_recognition.py ../shared/datasets/us-plates-dev/labels.tsv [--mistakes]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("YOLO_OFFLINE", "1")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("labels", type=Path)
    ap.add_argument("--threads", type=int, default=2, help="CPU threads (torch and onnxruntime)")
    ap.add_argument("--weights", default=None, help="detector weights (default: fastanpr best.pt)")
    ap.add_argument(
        "--ocr-model",
        action="append",
        help="a plate OCR ONNX model; repeat for an ensemble (default: the models in engine/models/)",
    )
    ap.add_argument("--float-detector", action="store_true", help="run the detector's float model, not its int8 one")
    ap.add_argument("--no-refine", action="store_true", help="read the plates in the detector's boxes only")
    ap.add_argument("--mistakes", action="store_true", help="list images read wrongly")
    ap.add_argument("--limit", type=int)
    args = ap.parse_args()
    if not args.labels.is_file():
        print(f"labels file not found: {args.labels}", file=sys.stderr)
        return 2
    try:
        import torch

        torch.set_num_threads(args.threads)
    except ImportError:
        pass
    import cv2

    cv2.setNumThreads(args.threads)
    from recognition.engine.pipeline import PlateRecognizer
    from recognition.evaluation import evaluate

    rec = PlateRecognizer(
        args.weights,
        ocr_model_paths=args.ocr_model,
        threads=args.threads,
        refine=not args.no_refine,
        quantized_detector=not args.float_detector,
    )
    rec.recognize(cv2.imread(str(next(args.labels.parent.glob("*.jpg")))))  # warm-up
    report = evaluate(args.labels, recognizer=rec, limit=args.limit)
    if args.mistakes:
        print(report.mistakes_text())
    print(report.result_line())
    return 0


if __name__ == "__main__":
    sys.exit(main())

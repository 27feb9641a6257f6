#!/usr/bin/env python
"""Plate recall by plate height, on generated 1920x1080 scenes (never the evaluation photos).

Each scene: a European or Brazilian photo of ``other-regions`` whose own plate is painted out and
replaced by a real US plate crop (the held-out fold of ``us-plate-crops``, so the OCR never
trained on it) at US proportions, the photo scaled so that the US plate is H px tall (10-60),
placed on another photo of the set (its plate painted out too) enlarged to 1920x1080, then saved
as JPEG. Scenes without a plate are made the same way with nothing pasted. Deterministic (seeded).

    YOLO_OFFLINE=1 .venv/bin/python tools/detector_recall.py --datasets ../shared/datasets \\
        --scenes /tmp/small-plates [--fallback-imgsz 960] [--weak-candidates 4] [--threads 2]

writes the scenes once (``labels.tsv`` like the evaluation photos', and ``negatives/``), then
prints per height bucket the share of plates found (a reading's box with IoU >= 0.3), the share
read exactly, the readings on the scenes without a plate, and the time per scene.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("YOLO_OFFLINE", "1")

from recognition.crop_evaluation import crop_split  # noqa: E402
from recognition.engine.detector import box_iou  # noqa: E402
from recognition.evaluation import IOU_THRESHOLD, levenshtein, read_labels  # noqa: E402

SCENE_W, SCENE_H = 1920, 1080
BUCKETS = ((10, 14), (14, 18), (18, 24), (24, 32), (32, 44), (44, 61))
# a US plate (305 x 152 mm) is 1.38x as tall as a European one (520 x 110 mm) at the same distance
US_HEIGHT_PER_EU_HEIGHT = 152 / 110


def load_sources(datasets: Path):
    sources = []
    for region in ("eu", "br"):
        folder = datasets / "other-regions" / region
        for item in read_labels(folder / "labels.tsv"):
            img = cv2.imread(str(folder / item.image))
            if img is None:
                continue
            x1, y1, x2, y2 = item.box
            mask = np.zeros(img.shape[:2], np.uint8)
            pad_x, pad_y = max(2, (x2 - x1) // 10), max(2, (y2 - y1) // 5)
            mask[max(0, y1 - pad_y) : y2 + pad_y, max(0, x1 - pad_x) : x2 + pad_x] = 255
            painted = cv2.inpaint(img, mask, 5, cv2.INPAINT_TELEA)  # its own plate painted out
            sources.append((f"{region}/{item.image}", painted, item.box))
    return sources


def background(sources, rng: random.Random) -> np.ndarray:
    _, img, _ = rng.choice(sources)
    h, w = img.shape[:2]
    s = max(SCENE_W / w, SCENE_H / h)
    big = cv2.resize(img, (int(np.ceil(w * s)), int(np.ceil(h * s))), interpolation=cv2.INTER_LINEAR)
    y0, x0 = rng.randint(0, big.shape[0] - SCENE_H), rng.randint(0, big.shape[1] - SCENE_W)
    return big[y0 : y0 + SCENE_H, x0 : x0 + SCENE_W].copy()


def scene(sources, crop: np.ndarray | None, height: int, rng: random.Random):
    """A 1920x1080 scene with ``crop`` pasted as a plate ``height`` px tall (None: no plate), and
    the plate's box."""
    name, img, (x1, y1, x2, y2) = rng.choice(sources)
    img = img.copy()
    hu = max(8, round((y2 - y1) * US_HEIGHT_PER_EU_HEIGHT))
    wu = round(hu * (crop.shape[1] / crop.shape[0] if crop is not None else 2.0))
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    px, py = round(cx - wu / 2), round(cy - hu / 2)
    if crop is not None:
        plate = cv2.resize(crop, (wu, hu), interpolation=cv2.INTER_AREA if wu < crop.shape[1] else cv2.INTER_CUBIC)
        a, b = max(0, px), max(0, py)
        c, d = min(img.shape[1], px + wu), min(img.shape[0], py + hu)
        img[b:d, a:c] = plate[b - py : d - py, a - px : c - px]
    f = height / hu
    size = (max(1, round(img.shape[1] * f)), max(1, round(img.shape[0] * f)))
    small = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
    box = [px * f, py * f, (px + wu) * f, (py + hu) * f]
    out = background(sources, rng)
    sh, sw = small.shape[:2]
    if sw > SCENE_W or sh > SCENE_H:  # larger than the scene: a window of it around the plate
        ox = min(max(0, round((box[0] + box[2]) / 2 - SCENE_W / 2) + rng.randint(-400, 400)), max(0, sw - SCENE_W))
        oy = min(max(0, round((box[1] + box[3]) / 2 - SCENE_H / 2) + rng.randint(-200, 200)), max(0, sh - SCENE_H))
        small = small[oy : oy + SCENE_H, ox : ox + SCENE_W]
        box = [box[0] - ox, box[1] - oy, box[2] - ox, box[3] - oy]
        sh, sw = small.shape[:2]
    x0, y0 = rng.randint(0, SCENE_W - sw), rng.randint(0, SCENE_H - sh)
    out[y0 : y0 + sh, x0 : x0 + sw] = small
    box = tuple(round(v) for v in (box[0] + x0, box[1] + y0, box[2] + x0, box[3] + y0))
    return out, box, name


def write_scenes(datasets: Path, folder: Path, per_bucket: int, negatives: int, seed: int = 22) -> None:
    rng = random.Random(seed)
    sources = load_sources(datasets)
    _, held_out = crop_split(datasets / "us-plate-crops", datasets / "us-plates-dev" / "labels.tsv")
    crops = [(c, cv2.imread(str(c.path))) for c in held_out]
    (folder / "negatives").mkdir(parents=True, exist_ok=True)
    lines = []
    for lo, hi in BUCKETS:
        for i in range(per_bucket):
            crop, img = rng.choice(crops)
            height = rng.randint(lo, hi - 1)
            out, box, source = scene(sources, img, height, rng)
            name = f"h{height:02d}_{lo}_{i:03d}.jpg"
            cv2.imwrite(str(folder / name), out, [cv2.IMWRITE_JPEG_QUALITY, 88])
            x1, y1, x2, y2 = box
            lines.append(f"{name}\t{x1}\t{y1}\t{x2 - x1}\t{y2 - y1}\t{crop.plate}\t# {crop.path.name} on {source}")
    for i in range(negatives):
        out, _, _ = scene(sources, None, rng.randint(10, 60), rng)
        cv2.imwrite(str(folder / "negatives" / f"none_{i:03d}.jpg"), out, [cv2.IMWRITE_JPEG_QUALITY, 88])
    (folder / "labels.tsv").write_text("".join(f"{line}\n" for line in lines))


def measure(folder: Path, recognizer) -> None:
    items = read_labels(folder / "labels.tsv")
    rows: dict[tuple[int, int], list[tuple[bool, bool, bool]]] = {b: [] for b in BUCKETS}
    times, cpu = [], []
    for item in items:
        img = cv2.imread(str(folder / item.image))
        t0, c0 = time.perf_counter(), time.process_time()
        readings = recognizer.recognize(img)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        best = max(readings, key=lambda r: box_iou(r.box, item.box), default=None)
        found = best is not None and box_iou(best.box, item.box) >= IOU_THRESHOLD
        h = item.box[3] - item.box[1]
        bucket = next(b for b in BUCKETS if b[0] <= h < b[1] or (b is BUCKETS[-1] and h >= b[0]))
        close = found and levenshtein(best.plate, item.plate) <= 1
        rows[bucket].append((found, found and best.plate == item.plate, close))
    for (lo, hi), r in rows.items():
        n = max(len(r), 1)
        print(
            f"HEIGHT {lo:2d}-{hi - 1:2d}px n={len(r)} found={sum(a for a, _, _ in r) / n:.3f} "
            f"exact={sum(b for _, b, _ in r) / n:.3f} within1={sum(c for _, _, c in r) / n:.3f}"
        )
    allr = [x for r in rows.values() for x in r]
    n = max(len(allr), 1)
    print(
        f"PLATES n={len(allr)} found={sum(a for a, _, _ in allr) / n:.3f} exact={sum(b for _, b, _ in allr) / n:.3f} "
        f"median_ms={statistics.median(times):.0f} p95_ms={sorted(times)[int(0.95 * (len(times) - 1))]:.0f} "
        f"cpu_ms={statistics.mean(cpu):.0f}"
    )
    neg_times, neg_cpu, false = [], [], []
    for path in sorted((folder / "negatives").glob("*.jpg")):
        img = cv2.imread(str(path))
        t0, c0 = time.perf_counter(), time.process_time()
        readings = recognizer.recognize(img)
        neg_times.append((time.perf_counter() - t0) * 1000)
        neg_cpu.append((time.process_time() - c0) * 1000)
        false += [f"{path.name}:{r.plate}@{r.box}:{r.detection_confidence:.2f}" for r in readings]
    print(
        f"NO-PLATE scenes={len(neg_times)} readings={len(false)} median_ms={statistics.median(neg_times):.0f} "
        f"cpu_ms={statistics.mean(neg_cpu):.0f} "
        f"{' '.join(false[:12])}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", type=Path, required=True, help="the shared datasets folder")
    ap.add_argument("--scenes", type=Path, required=True, help="where the scenes are written (once) and read")
    ap.add_argument("--per-bucket", type=int, default=60)
    ap.add_argument("--negatives", type=int, default=100)
    ap.add_argument("--fallback-imgsz", type=int, help="the recognizer's second-pass size (0: no second pass)")
    ap.add_argument("--weak-candidates", type=int, help="weak second-pass detections searched again (0: none)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--float-detector", action="store_true", help="run the detector's float model, not its int8 one")
    args = ap.parse_args()
    cv2.setNumThreads(args.threads)
    if not (args.scenes / "labels.tsv").is_file():
        write_scenes(args.datasets, args.scenes, args.per_bucket, args.negatives)
    from recognition.engine.pipeline import PlateRecognizer

    kwargs = {}
    if args.fallback_imgsz is not None:
        kwargs["fallback_imgsz"] = args.fallback_imgsz or None
    if args.weak_candidates is not None:
        kwargs["weak_candidates"] = args.weak_candidates
    rec = PlateRecognizer(threads=args.threads, quantized_detector=not args.float_detector, **kwargs)
    rec.recognize(np.zeros((SCENE_H, SCENE_W, 3), np.uint8))  # warm-up
    measure(args.scenes, rec)
    return 0


if __name__ == "__main__":
    sys.exit(main())

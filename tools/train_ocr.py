#!/usr/bin/env python
"""Train the plate OCR (small CRNN + CTC) used by recognition.engine.ocr.CRNNReader.

Data (never the evaluation photos):
  * synthetic US-style plates rendered with the DejaVu / Liberation fonts shipped by Debian
    (packages fonts-dejavu-core, fonts-liberation): state name on top, serial in the middle
    (random layouts, separators, colours), slogan below, stickers;
  * the labelled real plate crops of ``--crops`` (``labels.csv``: image,state,plate), minus a
    deterministic 10 % validation split and minus any plate text listed in ``--exclude-labels``
    (pass the evaluation set's labels.tsv so that a plate photographed twice cannot leak).
Both are heavily augmented to look like detector crops from 1080p street photos: box jitter,
small rotation/shear, down-scaling to 40-200 px wide, blur, JPEG, noise, lighting.

Reproducible: fixed seeds, single process.  Example (about 25 minutes on 2 CPU cores):

    YOLO_OFFLINE=1 .venv/bin/python tools/train_ocr.py \
        --crops ../shared/datasets/us-plate-crops \
        --exclude-labels ../shared/datasets/us-plates-dev/labels.tsv \
        --iters 4000 --out recognition/engine/models/plate_ocr.onnx
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import re
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recognition.engine.ocr import CHARSET, INPUT_H, INPUT_W, build_crnn, preprocess  # noqa: E402
from recognition.engine.plates import COMMON_SHAPES  # noqa: E402

FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation")]
SERIAL_FONTS = [
    "DejaVuSans-Bold.ttf",
    "DejaVuSansCondensed-Bold.ttf",
    "LiberationSans-Bold.ttf",
    "LiberationSansNarrow-Bold.ttf",
    "LiberationMono-Bold.ttf",
    "DejaVuSansMono-Bold.ttf",
    "LiberationSansNarrow-Regular.ttf",
    "DejaVuSansCondensed.ttf",
    "DejaVuSerif-Bold.ttf",
    "LiberationSans-Regular.ttf",
]
SMALL_FONTS = [
    "DejaVuSerif-BoldItalic.ttf",
    "DejaVuSans-Bold.ttf",
    "LiberationSerif-BoldItalic.ttf",
    "LiberationSans-Italic.ttf",
    "DejaVuSerif.ttf",
    "LiberationSerif-Bold.ttf",
]
STATE_WORDS = [
    "California",
    "Texas",
    "NEW YORK",
    "Florida",
    "Virginia",
    "ILLINOIS",
    "Ohio",
    "Michigan",
    "PENNSYLVANIA",
    "New Jersey",
    "Georgia",
    "Arizona",
    "Nevada",
    "Oregon",
    "WASHINGTON",
    "Maryland",
    "Idaho",
    "Alabama",
    "Hawaii",
    "MINNESOTA",
    "Wisconsin",
    "Louisiana",
    "North Carolina",
    "Colorado",
    "Utah",
    "Vermont",
    "Maine",
    "Iowa",
    "Delaware",
    "Tennessee",
]
SLOGANS = [
    "dmv.ca.gov",
    "Sunshine State",
    "Empire State",
    "Land of Lincoln",
    "Live Free or Die",
    "Famous Potatoes",
    "Aloha State",
    "Great Lakes",
    "First in Flight",
    "Garden State",
    "Virginia is for Lovers",
    "10,000 Lakes",
    "America's Dairyland",
    "Spirit of America",
    "Vacationland",
    "Grand Canyon State",
    "The Lone Star State",
    "Wild Wonderful",
    "",
]


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    for d in FONT_DIRS:
        p = d / name
        if p.is_file():
            return ImageFont.truetype(str(p), size)
    raise SystemExit(f"font {name} not found (apt-get install fonts-dejavu-core fonts-liberation)")


def random_serial(rng: random.Random) -> str:
    L = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    D = "0123456789"
    if rng.random() < 0.6:
        shapes, weights = zip(*COMMON_SHAPES.items(), strict=False)
        shape = rng.choices(shapes, weights)[0]
    else:
        shape = "".join(rng.choice("LD") for _ in range(rng.randint(3, 8)))
    return "".join(rng.choice(L if s == "L" else D) for s in shape)


def render_synthetic(rng: random.Random) -> tuple[np.ndarray, str]:
    W, H = rng.randint(300, 340), rng.randint(150, 172)
    dark = rng.random() < 0.1
    if dark:
        bg = tuple(rng.randint(0, 70) for _ in range(3))
        fg = tuple(rng.randint(200, 255) for _ in range(3))
    else:
        base = rng.randint(190, 255)
        bg = tuple(max(0, min(255, base + rng.randint(-40, 15))) for _ in range(3))
        fg = rng.choice([(20, 20, 120), (10, 10, 10), (150, 20, 20), (20, 90, 30), (40, 40, 60)])
        fg = tuple(max(0, min(255, c + rng.randint(-20, 20))) for c in fg)
    img = Image.new("RGB", (W, H), bg)
    d = ImageDraw.Draw(img)
    # background decoration: gradient band / blobs
    if rng.random() < 0.5:
        for _ in range(rng.randint(1, 4)):
            c = tuple(max(0, min(255, v + rng.randint(-60, 60))) for v in bg)
            x0, y0 = rng.randint(-50, W), rng.randint(-50, H)
            d.ellipse([x0, y0, x0 + rng.randint(40, 250), y0 + rng.randint(20, 120)], fill=c)
    # border
    if rng.random() < 0.6:
        d.rectangle([2, 2, W - 3, H - 3], outline=fg, width=rng.randint(1, 4))
    # state name on top
    top_col = rng.choice([fg, (20, 20, 120), (150, 20, 20), (0, 0, 0)])
    word = rng.choice(STATE_WORDS)
    f = font(rng.choice(SMALL_FONTS), rng.randint(18, 34))
    tw = d.textlength(word, font=f)
    d.text(((W - tw) / 2 + rng.randint(-20, 20), rng.randint(4, 16)), word, fill=top_col, font=f)
    # slogan at bottom
    slogan = rng.choice(SLOGANS)
    if slogan:
        f = font(rng.choice(SMALL_FONTS), rng.randint(12, 22))
        tw = d.textlength(slogan, font=f)
        d.text(((W - tw) / 2 + rng.randint(-20, 20), H - rng.randint(24, 34)), slogan, fill=top_col, font=f)
    # stickers
    for _ in range(rng.randint(0, 2)):
        sx = rng.choice([rng.randint(6, 40), rng.randint(W - 70, W - 30)])
        sy = rng.choice([rng.randint(6, 30), rng.randint(H - 50, H - 30)])
        d.rectangle(
            [sx, sy, sx + rng.randint(25, 50), sy + rng.randint(15, 28)],
            fill=tuple(rng.randint(0, 255) for _ in range(3)),
        )
    # serial
    text = random_serial(rng)
    sep_kind = rng.random()
    drawn = text
    if sep_kind < 0.35 and len(text) >= 5:
        cut = rng.randint(2, len(text) - 2)
        drawn = text[:cut] + rng.choice([" ", "-", " ", "\u00b7"]) + text[cut:]
    size = rng.randint(64, 96)
    f = font(rng.choice(SERIAL_FONTS), size)
    bbox = d.textbbox((0, 0), drawn, font=f)
    tw, th = bbox[2] - bbox[0], bbox[3] - bbox[1]
    layer = Image.new("L", (tw + 8, th + 8), 0)
    ImageDraw.Draw(layer).text((4 - bbox[0], 4 - bbox[1]), drawn, fill=255, font=f)
    target_w = int(W * rng.uniform(0.62, 0.92))
    target_h = int(H * rng.uniform(0.38, 0.55))
    layer = layer.resize((target_w, target_h), Image.BILINEAR)
    x = (W - target_w) // 2 + rng.randint(-12, 12)
    y = int(H * rng.uniform(0.24, 0.34))
    img.paste(Image.new("RGB", layer.size, fg), (x, y), layer)
    arr = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    return arr, text


def augment(img: np.ndarray, rng: random.Random, strength: float = 1.0) -> np.ndarray:
    h, w = img.shape[:2]
    # box jitter: expand (positive) or cut (negative) each side
    # (the fastanpr detector's boxes are loose: median 1.13x the plate width, 1.3x its height,
    # up to 1.4x / 1.7x), so margins go up to ~20 % of the width and ~35 % of the height per side
    if rng.random() < 0.5:
        wr, hr = (-0.04, 0.10), (-0.06, 0.14)
    else:
        wr, hr = (0.0, 0.22), (0.0, 0.36)
    left, r = int(rng.uniform(*wr) * strength * w), int(rng.uniform(*wr) * strength * w)
    t, b = int(rng.uniform(*hr) * strength * h), int(rng.uniform(*hr) * strength * h)
    pad = max(0, left, r, t, b) + 2
    border = cv2.BORDER_REPLICATE if rng.random() < 0.5 else cv2.BORDER_CONSTANT
    val = tuple(rng.randint(0, 255) for _ in range(3))
    big = cv2.copyMakeBorder(img, pad, pad, pad, pad, border, value=val)
    # small rotation / shear / perspective
    cx, cy = big.shape[1] / 2, big.shape[0] / 2
    ang = rng.gauss(0, 3.0) * strength
    M = cv2.getRotationMatrix2D((cx, cy), ang, 1.0)
    M[0, 1] += rng.gauss(0, 0.06) * strength
    big = cv2.warpAffine(big, M, (big.shape[1], big.shape[0]), borderMode=cv2.BORDER_REPLICATE)
    img = big[pad - t : pad + h + b, pad - left : pad + w + r]
    if img.size == 0:
        img = big
    # lighting
    a = rng.uniform(0.6, 1.3)
    beta = rng.uniform(-50, 40)
    img = np.clip(img.astype(np.float32) * a + beta, 0, 255)
    if rng.random() < 0.3:
        g = rng.uniform(0.6, 1.6)
        img = 255.0 * (img / 255.0) ** g
    if rng.random() < 0.3:  # shadow gradient
        grad = np.linspace(rng.uniform(0.5, 1), rng.uniform(0.5, 1), img.shape[1], dtype=np.float32)
        img = img * grad[None, :, None]
    img = img.astype(np.uint8)
    # resolution loss: plates in 1080p photos are ~50-150 px wide
    tw = int(math.exp(rng.uniform(math.log(40), math.log(220))))
    th = max(8, int(tw * img.shape[0] / max(img.shape[1], 1)))
    img = cv2.resize(img, (tw, th), interpolation=cv2.INTER_AREA)
    if rng.random() < 0.3:
        img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.3, 1.0))
    if rng.random() < 0.1:
        k = rng.choice([3, 5])
        kern = np.zeros((k, k), np.float32)
        kern[k // 2, :] = 1.0 / k
        img = cv2.filter2D(img, -1, kern)
    if rng.random() < 0.3:
        noise = np.random.default_rng(rng.randint(0, 2**31)).normal(0, rng.uniform(2, 10), img.shape)
        img = np.clip(img + noise, 0, 255).astype(np.uint8)
    if rng.random() < 0.5:
        ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(25, 90)])
        img = cv2.imdecode(enc, cv2.IMREAD_COLOR)
    return img


def encode(text: str) -> list[int]:
    return [CHARSET.index(c) + 1 for c in text]


def decode_greedy(logits: torch.Tensor) -> list[str]:
    best = logits.argmax(-1).cpu().numpy()
    out = []
    for row in best:
        s, prev = [], 0
        for k in row:
            if k != prev and k != 0:
                s.append(CHARSET[k - 1])
            prev = k
        out.append("".join(s))
    return out


def load_real(crops_dir: Path, exclude: set[str]):
    rows = []
    with open(crops_dir / "labels.csv", newline="") as fh:
        for row in csv.reader(fh):
            if not row or row[0] == "image":
                continue
            name, _state, plate = row[0], row[1], re.sub(r"[^A-Z0-9]", "", row[2].upper())
            if not (3 <= len(plate) <= 10) or plate in exclude:
                continue
            img = cv2.imread(str(crops_dir / name), cv2.IMREAD_COLOR)
            if img is not None:
                rows.append((name, img, plate))
    rows.sort(key=lambda r: r[0])
    rnd = random.Random(1234)
    rnd.shuffle(rows)
    n_val = len(rows) // 10
    return rows[n_val:], rows[:n_val]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--crops", type=Path, required=True)
    ap.add_argument("--exclude-labels", type=Path, help="TSV/CSV whose plate texts are excluded from training")
    ap.add_argument("--iters", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=48)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--real-frac", type=float, default=0.5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", type=Path, help="start from this state_dict (.pt) instead of random weights")
    ap.add_argument(
        "--stop-after",
        type=int,
        help="save a state_dict checkpoint (<out>.pt) after this many "
        "iterations and exit (first stage of a two-stage run on a slow machine)",
    )
    ap.add_argument("--pct-start", type=float, default=0.1, help="OneCycle warm-up fraction")
    ap.add_argument("--out", type=Path, default=ROOT / "recognition/engine/models/plate_ocr.onnx")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(1)
    rng = random.Random(args.seed)

    exclude: set[str] = set()
    if args.exclude_labels and args.exclude_labels.is_file():
        for line in args.exclude_labels.read_text().splitlines():
            parts = re.split(r"[\t,]", line.strip())
            if parts and parts[-1]:
                exclude.add(re.sub(r"[^A-Z0-9]", "", parts[-1].upper()))
    train, val = load_real(args.crops, exclude)
    print(f"real crops: train={len(train)} val={len(val)} excluded_texts={len(exclude)}", flush=True)

    # fixed validation images: clean crop, and a down-scaled degraded version
    vrng = random.Random(99)
    val_clean = [(preprocess(img), p) for _, img, p in val]
    val_deg = [(preprocess(augment(img, vrng, 0.5)), p) for _, img, p in val]

    model = build_crnn()
    if args.init:
        model.load_state_dict(torch.load(args.init))
        print(f"initialised from {args.init}", flush=True)
    print("params:", sum(p.numel() for p in model.parameters()), flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.iters, pct_start=args.pct_start)
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)

    def evaluate(items):
        model.eval()
        with torch.no_grad():
            x = torch.from_numpy(np.stack([a for a, _ in items]))
            pred = decode_greedy(model(x))
        model.train()
        return sum(p == t for p, (_, t) in zip(pred, items, strict=False)) / max(len(items), 1)

    t0 = time.time()
    running = 0.0
    for it in range(1, args.iters + 1):
        xs, ys = [], []
        for _ in range(args.batch):
            if train and rng.random() < args.real_frac:
                _, img, text = rng.choice(train)
                img = augment(img, rng)
            else:
                img, text = render_synthetic(rng)
                img = augment(img, rng)
            xs.append(preprocess(img))
            ys.append(text)
        x = torch.from_numpy(np.stack(xs))
        targets = torch.tensor([k for t in ys for k in encode(t)], dtype=torch.long)
        tlen = torch.tensor([len(t) for t in ys], dtype=torch.long)
        logits = model(x)  # N,T,K
        logp = logits.log_softmax(-1).permute(1, 0, 2)  # T,N,K
        ilen = torch.full((len(ys),), logp.shape[0], dtype=torch.long)
        loss = ctc(logp, targets, ilen, tlen)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        sched.step()
        running = 0.98 * running + 0.02 * loss.item() if it > 1 else loss.item()
        if it % 100 == 0 or it == args.iters:
            msg = f"it {it} loss {running:.3f} lr {sched.get_last_lr()[0]:.2e} {time.time() - t0:.0f}s"
            if it % 500 == 0 or it == args.iters:
                msg += f" val_clean={evaluate(val_clean):.3f} val_degraded={evaluate(val_deg):.3f}"
            print(msg, flush=True)
        if it % 1000 == 0:
            torch.save(model.state_dict(), args.out.with_suffix(".pt.tmp"))
        if args.stop_after and it >= args.stop_after:
            torch.save(model.state_dict(), args.out.with_suffix(".pt"))
            print(f"stopped after {it} iterations: {args.out.with_suffix('.pt')}", flush=True)
            return

    model.eval()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    dummy = torch.zeros(1, 1, INPUT_H, INPUT_W)
    kwargs = {
        "input_names": ["x"],
        "output_names": ["logits"],
        "dynamic_axes": {"x": {0: "n"}, "logits": {0: "n"}},
        "opset_version": 17,
    }
    try:
        torch.onnx.export(model, dummy, str(args.out), dynamo=False, **kwargs)
    except TypeError:
        torch.onnx.export(model, dummy, str(args.out), **kwargs)
    tmp = args.out.with_suffix(".pt.tmp")
    if tmp.exists():
        tmp.unlink()
    print(f"saved {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)", flush=True)


if __name__ == "__main__":
    main()

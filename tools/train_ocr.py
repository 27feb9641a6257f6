#!/usr/bin/env python
"""Train the plate OCR used by recognition.engine.ocr.CRNNReader: a small CRNN read with CTC (the registration)
and a state head (the issuing state), trained together.

Data (never the evaluation photos):
  * synthetic US-style plates rendered with the DejaVu / Liberation fonts shipped by Debian
    (packages fonts-dejavu-core, fonts-dejavu-extra, fonts-liberation): the state's name on top, a slogan of
    that state below (or none), serial in the middle (random layouts, separators, colours), stickers, and
    sometimes a licence-plate frame with dealer text;
  * the labelled real plate crops of ``--crops`` (``labels.csv``: image,state,plate), minus the held-out fold
    (``--fold``, recognition.crop_evaluation.crop_split) and minus any plate text listed in ``--exclude-labels``
    (pass the evaluation set's labels.tsv so that a plate photographed twice cannot leak).
Both are heavily augmented to look like detector crops from 1080p street photos: box jitter,
small rotation/shear, down-scaling to 40-220 px wide, blur, JPEG, noise, lighting.

Reproducible: fixed seeds, single process, 0.3-0.45 s per iteration on 2 CPU cores. The committed models (an
ensemble: the pipeline reads with each) were made in stages (docs/recognition.md, "Training the OCR"); the
second and third continue from the first, with seeds 7 and 8:

    YOLO_OFFLINE=1 .venv/bin/python tools/train_ocr.py \
        --crops ../shared/datasets/us-plate-crops \
        --exclude-labels ../shared/datasets/us-plates-dev/labels.tsv \
        --init-onnx recognition/engine/models/plate_ocr.onnx --iters 3500 --lr 1.5e-3 --seed 7 \
        --out /tmp/ocr6/plate_ocr.onnx        # -> models/plate_ocr_2.onnx (seed 8 -> plate_ocr_3.onnx)
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recognition.crop_evaluation import COMMITTED_HELD_OUT_FOLD, FOLDS, crop_split  # noqa: E402
from recognition.engine.ocr import CHARSET, INPUT_H, INPUT_W, STATE_CLASSES, build_crnn, preprocess  # noqa: E402
from recognition.engine.plates import COMMON_SHAPES, US_STATE_NAMES  # noqa: E402

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
# Slogans printed on plates, by state (a synthetic plate only carries its own state's slogan, so
# that the state head learns a true association).
STATE_SLOGANS = {
    "CA": ["dmv.ca.gov"],
    "FL": ["Sunshine State"],
    "NY": ["Empire State", "Excelsior"],
    "IL": ["Land of Lincoln"],
    "NH": ["Live Free or Die"],
    "ID": ["Famous Potatoes"],
    "HI": ["Aloha State"],
    "MI": ["Great Lakes", "Pure Michigan"],
    "NC": ["First in Flight"],
    "NJ": ["Garden State"],
    "VA": ["Virginia is for Lovers"],
    "MN": ["10,000 Lakes"],
    "WI": ["America's Dairyland"],
    "MA": ["Spirit of America"],
    "ME": ["Vacationland"],
    "AZ": ["Grand Canyon State"],
    "TX": ["The Lone Star State"],
    "WV": ["Wild, Wonderful"],
    "CT": ["Constitution State"],
    "MT": ["Big Sky"],
    "SD": ["Great Faces. Great Places."],
    "DC": ["Taxation Without Representation"],
}
# Text seen on licence plate frames (dealers, slogans): the model must learn to ignore it.
FRAME_WORDS = ["TOYOTA OF", "HONDA", "FORD", "AUTO MALL", "MOTORS", "1-800-555-0199", "CHEVROLET", "NISSAN",
               "MY OTHER CAR", "SALES & SERVICE", "DEALER", "WWW.CARS.COM", "ALUMNI", "KIA", "SUBARU"]  # fmt: skip


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
    code = rng.choice(STATE_CLASSES[1:])
    slogan = rng.choice(STATE_SLOGANS.get(code, [""]) + [""])
    if rng.random() < 0.12:  # no state name printed: the state can only be told from a slogan, if any
        word = ""
        if not slogan:
            code = ""
    else:
        word = US_STATE_NAMES[code]
        word = word.upper() if rng.random() < 0.4 else word
    if word:
        f = font(rng.choice(SMALL_FONTS), rng.randint(18, 34))
        tw = d.textlength(word, font=f)
        if tw > W - 10:
            f = font(rng.choice(SMALL_FONTS), 18)
            tw = d.textlength(word, font=f)
        d.text(((W - tw) / 2 + rng.randint(-10, 10), rng.randint(4, 16)), word, fill=top_col, font=f)
    # slogan at bottom
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
    if rng.random() < 0.35:
        img = add_frame(img, rng)
    arr = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    return arr, text, STATE_CLASSES.index(code)


def add_frame(plate: Image.Image, rng: random.Random) -> Image.Image:
    """Put the plate in a licence plate frame: a dark or chrome border, often with dealer text
    on its top or bottom bar, sitting right next to the first and last characters."""
    W, H = plate.size
    side, top, bottom = rng.randint(3, 14), rng.randint(3, 16), rng.randint(6, 30)
    colour = rng.choice([(15, 15, 15), (35, 35, 40), (190, 190, 195), (120, 120, 125), (90, 10, 10)])
    colour = tuple(max(0, min(255, c + rng.randint(-15, 15))) for c in colour)
    framed = Image.new("RGB", (W + 2 * side, H + top + bottom), colour)
    framed.paste(plate, (side, top))
    d = ImageDraw.Draw(framed)
    ink = (235, 235, 235) if sum(colour) < 300 else (20, 20, 20)
    for y0, bar in ((0, top), (H + top, bottom)):
        if bar >= 12 and rng.random() < 0.6:
            f = font(rng.choice(SMALL_FONTS), max(8, bar - 4))
            word = rng.choice(FRAME_WORDS)
            tw = d.textlength(word, font=f)
            d.text(((W + 2 * side - tw) / 2, y0 + 1), word, fill=ink, font=f)
    return framed


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


def load_real(crops_dir: Path, exclude_labels: Path | None, fold: int, folds: int):
    """The training and held-out crops (recognition.crop_evaluation.crop_split) with their images and state classes."""

    def load(crops):
        rows = []
        for crop in crops:
            img = cv2.imread(str(crop.path), cv2.IMREAD_COLOR)
            if img is None:
                raise SystemExit(f"cannot read {crop.path}")
            state = STATE_CLASSES.index(crop.state) if crop.state in STATE_CLASSES else 0
            rows.append((crop.path.name, img, crop.plate, state))
        return rows

    train, held_out = crop_split(crops_dir, exclude_labels, fold=fold, folds=folds)
    return load(train), load(held_out)


def load_onnx_weights(model: torch.nn.Module, path: Path) -> None:
    """Initialise ``model`` from an exported ``plate_ocr.onnx``, so that training can continue
    from a released model: the text part (convolutions, GRU, CTC head) always, the state head too
    when the file has one (a model exported before the state head existed has none).

    The exporter folded each BatchNorm into its convolution (weight and bias), so the
    BatchNorms become the identity plus that bias until ``recalibrate_batchnorm`` gives them
    statistics again; ONNX orders the GRU gates z, r, h where PyTorch uses r, z, n.
    """
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    convs = [n for n in graph.node if n.op_type == "Conv" and n.name.startswith("/features.")]
    torch_convs = [m for m in model.features if isinstance(m, torch.nn.Conv2d)]
    bns = [m for m in model.features if isinstance(m, torch.nn.BatchNorm2d)]
    if len(convs) != len(torch_convs):
        raise SystemExit(f"{path}: {len(convs)} convolutions, the model has {len(torch_convs)}")
    with torch.no_grad():
        for node, conv, bn in zip(convs, torch_convs, bns, strict=True):
            conv.weight.copy_(torch.from_numpy(init[node.input[1]]))
            bn.weight.fill_(1.0)
            bn.bias.copy_(torch.from_numpy(init[node.input[2]]))
            bn.running_mean.zero_()
            bn.running_var.fill_(1.0 - bn.eps)
        (gru,) = [n for n in graph.node if n.op_type == "GRU"]
        w, r, bias = (init[name] for name in gru.input[1:4])
        hidden = w.shape[1] // 3

        def rzn(m):  # ONNX z,r,h -> PyTorch r,z,n along the first axis
            z, r_, h = m[:hidden], m[hidden : 2 * hidden], m[2 * hidden :]
            return torch.from_numpy(np.concatenate([r_, z, h]).copy())

        for d, suffix in enumerate(("", "_reverse")):
            getattr(model.rnn, f"weight_ih_l0{suffix}").copy_(rzn(w[d]))
            getattr(model.rnn, f"weight_hh_l0{suffix}").copy_(rzn(r[d]))
            getattr(model.rnn, f"bias_ih_l0{suffix}").copy_(rzn(bias[d][: 3 * hidden]))
            getattr(model.rnn, f"bias_hh_l0{suffix}").copy_(rzn(bias[d][3 * hidden :]))
        (matmul,) = [n for n in graph.node if n.op_type == "MatMul"]
        model.head.weight.copy_(torch.from_numpy(init[matmul.input[1]].T.copy()))
        model.head.bias.copy_(torch.from_numpy(init["head.bias"]))
        state = {name: value for name, value in init.items() if name.startswith(("state_features.", "state_head."))}
        if state:  # not folded (no BatchNorm there): the initialisers keep the PyTorch names
            model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state.items()}, strict=False)


def recalibrate_batchnorm(model: torch.nn.Module, x: torch.Tensor) -> None:
    """Give identity BatchNorms (after ``load_onnx_weights``) the statistics of their inputs on
    the sample ``x`` and the scale/shift that cancels them: the function the model computes is
    unchanged, but training again normalises each layer (without this, Adam's first steps on
    the un-normalised folded weights wreck the model)."""
    bns = [m for m in model.features if isinstance(m, torch.nn.BatchNorm2d)]
    seen: dict[torch.nn.Module, torch.Tensor] = {}
    hooks = [bn.register_forward_pre_hook(lambda m, inp: seen.__setitem__(m, inp[0].detach())) for bn in bns]
    model.eval()
    with torch.no_grad():
        model(x)
        for bn in bns:
            mean = seen[bn].mean(dim=(0, 2, 3))
            var = seen[bn].var(dim=(0, 2, 3), unbiased=False)
            bn.bias.add_(mean)
            bn.running_mean.copy_(mean)
            bn.running_var.copy_(var)
            bn.weight.copy_((var + bn.eps).sqrt())
    for h in hooks:
        h.remove()


def sample_batch(rng: random.Random, train, n: int, real_frac: float):
    """n augmented training crops (real with probability real_frac, else synthetic)."""
    xs, ys, ss = [], [], []
    for _ in range(n):
        if train and rng.random() < real_frac:
            _, img, text, st = rng.choice(train)
        else:
            img, text, st = render_synthetic(rng)
        xs.append(preprocess(augment(img, rng)))
        ys.append(text)
        ss.append(st)
    return torch.from_numpy(np.stack(xs)), ys, ss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--crops", type=Path, required=True)
    ap.add_argument(
        "--exclude-labels",
        type=Path,
        help="a labels.tsv (image x y width height plate) whose plate texts are kept out of training",
    )
    ap.add_argument(
        "--fold",
        type=int,
        default=COMMITTED_HELD_OUT_FOLD,
        help="the fold of the crop set held out (recognition.crop_evaluation.crop_folds); a model may be scored "
        "only on its held-out fold: put the models of fold i in <dir>/fold-<i>/ for manage.py recognition_eval "
        "--crops-cv --fold-models <dir>",
    )
    ap.add_argument("--folds", type=int, default=FOLDS, help="folds of the crop set")
    ap.add_argument("--iters", type=int, default=4000)
    ap.add_argument("--batch", type=int, default=48)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--real-frac", type=float, default=0.5)
    ap.add_argument("--state-weight", type=float, default=0.3, help="weight of the state loss beside CTC")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--init", type=Path, help="start from this state_dict (.pt) instead of random weights")
    ap.add_argument(
        "--init-onnx",
        type=Path,
        help="start from this exported model (its state head too, where it has one)",
    )
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

    train, val = load_real(args.crops, args.exclude_labels, args.fold, args.folds)
    print(f"real crops: train={len(train)} val={len(val)}", flush=True)

    # fixed validation images: clean crop, and a down-scaled degraded version
    vrng = random.Random(99)
    val_clean = [(preprocess(img), p, st) for _, img, p, st in val]
    val_deg = [(preprocess(augment(img, vrng, 0.5)), p, st) for _, img, p, st in val]

    model = build_crnn()
    if args.init:
        model.load_state_dict(torch.load(args.init))
        print(f"initialised from {args.init}", flush=True)
    elif args.init_onnx:
        load_onnx_weights(model, args.init_onnx)
        recalibrate_batchnorm(model, sample_batch(random.Random(args.seed + 1), train, 512, args.real_frac)[0])
        print(f"initialised from {args.init_onnx}", flush=True)
    print("params:", sum(p.numel() for p in model.parameters()), flush=True)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.iters, pct_start=args.pct_start)
    ctc = torch.nn.CTCLoss(blank=0, zero_infinity=True)
    state_loss = torch.nn.CrossEntropyLoss()

    def evaluate(items) -> str:
        model.eval()
        with torch.no_grad():
            logits, state_logits = model(torch.from_numpy(np.stack([a for a, _, _ in items])))
        model.train()
        pred = decode_greedy(logits)
        states = state_logits.argmax(-1).tolist()
        n = max(len(items), 1)
        text = sum(p == t for p, (_, t, _) in zip(pred, items, strict=True)) / n
        state = sum(s == st for s, (_, _, st) in zip(states, items, strict=True)) / n
        return f"{text:.3f} state={state:.3f}"

    if args.init_onnx:
        print(f"start: val_clean={evaluate(val_clean)} val_degraded={evaluate(val_deg)}", flush=True)
    model.train()
    t0 = time.time()
    running = 0.0
    for it in range(1, args.iters + 1):
        x, ys, ss = sample_batch(rng, train, args.batch, args.real_frac)
        targets = torch.tensor([k for t in ys for k in encode(t)], dtype=torch.long)
        tlen = torch.tensor([len(t) for t in ys], dtype=torch.long)
        logits, state_logits = model(x)  # N,T,K and N,S
        logp = logits.log_softmax(-1).permute(1, 0, 2)  # T,N,K
        ilen = torch.full((len(ys),), logp.shape[0], dtype=torch.long)
        loss = ctc(logp, targets, ilen, tlen) + args.state_weight * state_loss(
            state_logits, torch.tensor(ss, dtype=torch.long)
        )
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        sched.step()
        running = 0.98 * running + 0.02 * loss.item() if it > 1 else loss.item()
        if it % 100 == 0 or it == args.iters:
            msg = f"it {it} loss {running:.3f} lr {sched.get_last_lr()[0]:.2e} {time.time() - t0:.0f}s"
            if it % 500 == 0 or it == args.iters:
                msg += f" val_clean={evaluate(val_clean)} val_degraded={evaluate(val_deg)}"
            print(msg, flush=True)
        if it % 1000 == 0:
            torch.save(model.state_dict(), args.out.with_suffix(".pt.tmp"))
        if args.stop_after and it >= args.stop_after:
            torch.save(model.state_dict(), args.out.with_suffix(".pt"))
            print(f"stopped after {it} iterations: {args.out.with_suffix('.pt')}", flush=True)
            return

    model.eval()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), args.out.with_suffix(".pt"))
    dummy = torch.zeros(1, 1, INPUT_H, INPUT_W)
    kwargs = {
        "input_names": ["x"],
        "output_names": ["logits", "state_logits"],
        "dynamic_axes": {"x": {0: "n"}, "logits": {0: "n"}, "state_logits": {0: "n"}},
        "opset_version": 17,
    }
    try:
        torch.onnx.export(model, dummy, str(args.out), dynamo=False, **kwargs)
    except TypeError:
        torch.onnx.export(model, dummy, str(args.out), **kwargs)
    tmp = args.out.with_suffix(".pt.tmp")
    if tmp.exists():
        tmp.unlink()
    print(f"saved {args.out} ({args.out.stat().st_size / 1e6:.1f} MB) and its state_dict", flush=True)


if __name__ == "__main__":
    main()

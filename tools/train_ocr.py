#!/usr/bin/env python
"""Train the plate OCR used by recognition.engine.ocr.CRNNReader: a small CRNN read with CTC (the registration)
and a state head (the issuing state), trained together.

Data (never the evaluation photos):
  * synthetic US plates (tools/synthetic_plates.py): each state's design, specialty and paper plates, stacked
    small characters, bolts, stickers and frames over the edges;
  * the labelled real plate crops of ``--crops`` (``labels.csv``: image,state,plate), minus the held-out fold
    (``--fold``, recognition.crop_evaluation.crop_split) and minus any plate text listed in ``--exclude-labels``
    (pass the evaluation set's labels.tsv so that a plate photographed twice cannot leak).
Both are heavily augmented to look like detector crops from 1080p street photos (synthetic_plates.augment): box
jitter, rotation, shear and perspective, lighting, night and infrared looks, occlusion, down-scaling to 40-220 px
wide, focus and motion blur, noise, JPEG.

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
import random
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recognition.crop_evaluation import COMMITTED_HELD_OUT_FOLD, FOLDS, crop_split  # noqa: E402
from recognition.engine.ocr import CHARSET, INPUT_H, INPUT_W, STATE_CLASSES, build_crnn, preprocess  # noqa: E402
from tools.synthetic_plates import augment, render_plate  # noqa: E402


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
            img, text, st = render_plate(rng)
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

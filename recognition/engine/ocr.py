"""Plate OCR: read the registration from a plate crop.

Two readers with the same interface ``read(crops) -> list[CropText]`` (per crop and model, model
after model, ``reader.models`` of them per crop: the per-character alternatives, and the issuing
state's probabilities where the reader can tell):

* ``CRNNReader``  -- the project's own small CRNN/CTC plate models (``models/plate_ocr*.onnx``,
  trained by ``tools/train_ocr.py``), each of which reads the whole plate crop, ignores state names,
  slogans and frames by itself, and classifies the issuing state with a second head.  Default.
* ``RapidRecReader`` -- RapidOCR's general English/Chinese *recognition* model applied to the
  central band of the plate (no text detection, no state).  Fallback when the CRNN weights are
  absent.

The network definition (``build_crnn``) lives here so that training and inference share it;
torch is only needed for training (inference runs through onnxruntime).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from .plates import US_STATE_NAMES, rank_candidates
from .runtime import onnx_session

CHARSET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
BLANK = 0  # CTC blank index; class i+1 is CHARSET[i]
INPUT_H, INPUT_W = 48, 128
MODELS_DIR = Path(__file__).resolve().parent / "models"
# The plate OCR is an ensemble: models of the same network trained by tools/train_ocr.py with
# different seeds (docs/recognition.md). The pipeline reads every crop with each and lets their
# readings vote: they make different mistakes.
DEFAULT_CRNN_PATHS = tuple(MODELS_DIR / name for name in ("plate_ocr.onnx", "plate_ocr_2.onnx", "plate_ocr_3.onnx"))

Alternatives = list[tuple[str, float]]


@dataclass
class CropText:
    """What a reader saw in one plate crop."""

    chars: list[Alternatives]  # per emitted character: (char, probability), best first
    state_probs: np.ndarray | None = None  # over STATE_CLASSES; None when the reader cannot tell

    @cached_property
    def candidates(self) -> list[tuple[str, float]]:
        """The plates these characters can spell, best first (``plates.rank_candidates``; ranked once)."""
        return rank_candidates(self.chars)


# Plate state classes of the state head: index 0 is "not told" (no state recognisable), then the
# USPS codes of the 50 states and DC in alphabetical order.
STATE_CLASSES = ("",) + tuple(sorted(US_STATE_NAMES))


def build_crnn(num_classes: int = len(CHARSET) + 1, num_states: int = len(STATE_CLASSES)):
    """Small CRNN with two outputs.

    * ``logits`` (N, 32, K): 6 conv layers (48x128 grey input -> 1x32 feature columns) + BiGRU +
      linear, read with CTC: the registration.
    * ``state_logits`` (N, S): a small branch on the 6x32 mid-level feature map (where the state
      name, slogan and plate design are still visible) with global average + max pooling: the
      issuing state (class 0 = not told).
    """
    import torch
    from torch import nn

    def block(cin, cout, k=3, p=1):
        return [nn.Conv2d(cin, cout, k, padding=p, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

    class PlateCRNN(nn.Module):
        STATE_TAP = 15  # self.features[:15] ends with the 6x32 map

        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(
                *block(1, 32),
                nn.MaxPool2d(2),  # 24x64
                *block(32, 64),
                nn.MaxPool2d(2),  # 12x32
                *block(64, 96),
                *block(96, 96),
                nn.MaxPool2d((2, 1)),  # 6x32  <- state branch taps here
                *block(96, 128),
                nn.MaxPool2d((2, 1)),  # 3x32
                *block(128, 192, k=(3, 1), p=0),  # 1x32
                nn.Dropout(0.1),
            )
            self.rnn = nn.GRU(192, 96, bidirectional=True, batch_first=True)
            self.head = nn.Linear(192, num_classes)
            self.state_features = nn.Sequential(
                nn.Conv2d(96, 64, 3, padding=1),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2),  # 3x16
                nn.Conv2d(64, 96, 3, padding=1),
                nn.ReLU(inplace=True),
            )
            self.state_head = nn.Sequential(nn.Dropout(0.2), nn.Linear(192, num_states))

        def forward(self, x):  # x: N,1,48,128 in [-1,1]
            mid = self.features[: self.STATE_TAP](x)
            f = self.features[self.STATE_TAP :](mid).squeeze(2).permute(0, 2, 1)  # N,T,C
            f, _ = self.rnn(f)
            s = self.state_features(mid)
            s = torch.cat([s.mean(dim=(2, 3)), s.amax(dim=(2, 3))], dim=1)  # global average + max pooling
            return self.head(f), self.state_head(s)  # N,T,K and N,S logits

    return PlateCRNN()


def preprocess(crop_bgr: np.ndarray) -> np.ndarray:
    """Plate crop (BGR or grey uint8) -> float32 1x48x128 in [-1, 1]."""
    import cv2

    g = crop_bgr if crop_bgr.ndim == 2 else cv2.cvtColor(crop_bgr, cv2.COLOR_BGR2GRAY)
    interp = cv2.INTER_AREA if g.shape[1] > INPUT_W else cv2.INTER_CUBIC
    g = cv2.resize(g, (INPUT_W, INPUT_H), interpolation=interp).astype(np.float32)
    # per-crop contrast stretch (robust to dark/over-exposed plates)
    lo, hi = np.percentile(g, 2), np.percentile(g, 98)
    g = (g - lo) / max(hi - lo, 16.0)
    g = np.clip(g, 0.0, 1.0) * 2.0 - 1.0
    return g[None]


def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    x = x - x.max(axis=axis, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


def ctc_alternatives(probs: np.ndarray, charset: str, blank: int = 0, top: int = 3) -> list[Alternatives]:
    """Greedy CTC decode of a T x K probability matrix, returning for each emitted character the
    top alternatives (char, prob) at the frame where that character was most confident;
    alternative probabilities are renormalised without the blank."""
    best = probs.argmax(axis=1)
    out: list[Alternatives] = []
    t, T = 0, len(best)
    while t < T:
        k = best[t]
        if k == blank:
            t += 1
            continue
        t2 = t
        while t2 + 1 < T and best[t2 + 1] == k:
            t2 += 1
        frame = t + int(np.argmax(probs[t : t2 + 1, k]))
        p = probs[frame].copy()
        p[blank] = 0.0
        s = p.sum()
        p = p / s if s > 0 else p
        # the emitted char's own confidence also accounts for the blank competing with it
        order = np.argsort(-p)[:top]
        alts = [(charset[i - 1], float(p[i])) for i in order if i != blank]
        conf = float(probs[frame, k])
        alts = [(c, (pp * conf / max(p[k], 1e-9)) if c == charset[k - 1] else pp * conf) for c, pp in alts]
        out.append(alts)
        t = t2 + 1
    return out


class CRNNReader:
    """The project's plate CRNN models run by onnxruntime: every crop is read by each model."""

    name = "crnn"

    def __init__(self, model_paths: Sequence[str | os.PathLike], threads: int | None = None):
        from . import EngineError

        self.sessions = []
        for path in map(Path, model_paths):
            if not path.is_file():
                raise EngineError(f"plate OCR model not found: {path} (train it with tools/train_ocr.py)")
            session = onnx_session(path, threads)
            if [o.name for o in session.get_outputs()] != ["logits", "state_logits"]:
                raise EngineError(
                    f"{path} is not a plate OCR model with a state head (retrain with tools/train_ocr.py)"
                )
            self.sessions.append(session)
        if not self.sessions:
            raise EngineError("no plate OCR model given")
        self.models = len(self.sessions)

    def read(self, crops: Sequence[np.ndarray]) -> list[CropText]:
        """One CropText per model and crop, model after model (``models * len(crops)``)."""
        if not len(crops):
            return []
        batch = np.stack([preprocess(c) for c in crops]).astype(np.float32)  # once for all models
        texts = []
        for session in self.sessions:
            logits, state_logits = session.run(None, {session.get_inputs()[0].name: batch})
            probs = _softmax(logits, axis=-1)
            states = _softmax(state_logits, axis=-1)
            texts += [CropText(ctc_alternatives(p, CHARSET, BLANK), s) for p, s in zip(probs, states, strict=True)]
        return texts


class RapidRecReader:
    """RapidOCR's recognition model only, on the central band of the plate crop."""

    name = "rapidocr-rec"
    models = 1  # one CropText per crop

    def __init__(self, threads: int | None = None):
        try:
            import rapidocr_onnxruntime
            import yaml
            from rapidocr_onnxruntime.ch_ppocr_rec import TextRecognizer  # type: ignore
        except ImportError as e:  # pragma: no cover
            from . import EngineError

            raise EngineError("rapidocr-onnxruntime is not installed") from e
        pkg = Path(rapidocr_onnxruntime.__file__).parent
        cfg = yaml.safe_load((pkg / "config.yaml").read_text())["Rec"]
        cfg["model_path"] = str(pkg / cfg["model_path"])
        cfg.setdefault("use_cuda", False)
        self.rec = TextRecognizer(cfg)
        self.rec.session.session = onnx_session(cfg["model_path"], threads)  # the engine's options (runtime.py)

    @staticmethod
    def _band(crop: np.ndarray) -> np.ndarray:
        h = crop.shape[0]
        return crop[int(h * 0.18) : int(h * 0.86)]

    def read(self, crops: Sequence[np.ndarray]) -> list[CropText]:
        from .plates import normalize

        if not len(crops):
            return []
        bands = [self._band(c) for c in crops]
        res = self.rec(bands)
        res = res[0] if isinstance(res, tuple) else res
        out = []
        for text, score in res:
            t = normalize(text)
            out.append(CropText([[(ch, float(score) ** (1.0 / max(len(t), 1)))] for ch in t]))
        return out

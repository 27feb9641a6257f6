"""Licence-plate detector: the YOLOv8 plate model shipped in the PyPI package ``fastanpr``.

The ``.pt`` weights are converted once (offline, ~1 s, via ultralytics in a child process: see
``export.py``) to ONNX in a cache folder, and then run with onnxruntime, with our own letterbox /
decode / NMS in numpy: neither ultralytics nor torch is ever imported by the web server or a worker,
and inputs are rectangular (a 16:9 photo at 640 is 640x384, not 640x640). A conversion that fails is
an EngineError naming the reason; there is no in-process fallback.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import EngineError
from .runtime import onnx_session


def default_weights_path() -> str:
    """Path of ``best.pt`` inside the installed ``fastanpr`` package (the package is not imported)."""
    spec = importlib.util.find_spec("fastanpr")
    if spec is None:
        raise EngineError(
            "plate detector weights not found: the PyPI package 'fastanpr' is not installed "
            "(pip install --no-deps fastanpr) and no weights_path was given"
        )
    folders = [Path(p) for p in (spec.submodule_search_locations or [])]
    if not folders and spec.origin:
        folders = [Path(spec.origin).parent]
    for folder in folders:
        found = sorted(folder.rglob("*.pt"))
        best = [p for p in found if p.name == "best.pt"] or found
        if best:
            return str(best[0])
    raise EngineError(f"no .pt weights file inside the fastanpr package folder(s) {[str(f) for f in folders]}")


def cache_dir() -> Path:
    d = os.environ.get("RECOGNITION_ENGINE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "recognition-engine"
    )
    return Path(d)


def cached_onnx_path(pt: Path, quantized: bool = False) -> Path:
    """Where the ONNX conversion of the weights ``pt`` is kept (named by the weights' digest): the float model, or
    its int8 quantization (``quantize.py``)."""
    digest = hashlib.sha256(pt.read_bytes()).hexdigest()[:16]
    return cache_dir() / f"plate-det-{digest}{'-int8' if quantized else ''}.onnx"


EXPORT_TIMEOUT_SECONDS = 300


def onnx_from_pt(pt: Path, quantized: bool) -> Path:
    """The ONNX file for ``pt`` (int8 or float), converted first (in a child process, see export.py) when not
    cached yet. The child writes both files."""
    target = cached_onnx_path(pt, quantized)
    if target.is_file():
        return target
    from .export import OFFLINE_ENV

    done = subprocess.run(  # noqa: S603 - our own module, with our own interpreter
        [sys.executable, "-m", "recognition.engine.export", str(pt)],
        env={**os.environ, **OFFLINE_ENV},
        capture_output=True,
        text=True,
        timeout=EXPORT_TIMEOUT_SECONDS,
        cwd=Path(__file__).resolve().parents[2],
    )
    if done.returncode != 0 or not target.is_file():
        tail = (done.stderr or done.stdout or "").strip().splitlines()[-3:]
        raise EngineError(f"the plate detector weights {pt} could not be converted to ONNX: {' / '.join(tail)}")
    return target


@dataclass
class Detection:
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 in image pixels
    confidence: float
    weak: bool = False  # kept by the pipeline's second pass only after a search around it (pipeline.py)


def box_iou(a, b) -> float:
    """Intersection over union of two (x1, y1, x2, y2) boxes."""
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _nms(boxes: np.ndarray, scores: np.ndarray, iou_thr: float) -> list[int]:
    order = scores.argsort()[::-1]
    keep = []
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    while order.size:
        i = order[0]
        keep.append(int(i))
        xx1 = np.maximum(boxes[i, 0], boxes[order[1:], 0])
        yy1 = np.maximum(boxes[i, 1], boxes[order[1:], 1])
        xx2 = np.minimum(boxes[i, 2], boxes[order[1:], 2])
        yy2 = np.minimum(boxes[i, 3], boxes[order[1:], 3])
        inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
        iou = inter / (areas[i] + areas[order[1:]] - inter + 1e-9)
        order = order[1:][iou < iou_thr]
    return keep


class PlateDetector:
    """YOLO plate detector. ``detect(bgr) -> list[Detection]`` sorted by confidence.

    From ``.pt`` weights (the default: fastanpr's) it loads their ONNX conversion and, unless ``quantized=False``,
    its int8 quantization too (``quantize.py``: half the time at 640 px, the same plates). ``detect(...,
    quantized=True)`` runs the int8 model where there is one: the pipeline's whole-photo search. Every other
    search (around a box, at 960 px, for weak small boxes) runs the float model, which keeps more of the weakest
    detections of plates 10-13 px tall (docs/recognition.md, "Speed"). An ``.onnx`` path is run as it is.
    """

    def __init__(
        self,
        weights_path: str | None = None,
        *,
        imgsz: int = 640,
        conf: float = 0.1,
        iou: float = 0.5,
        threads: int | None = None,
        max_det: int = 20,
        quantized: bool = True,
    ):
        self.weights_path = str(weights_path or default_weights_path())
        if not Path(self.weights_path).is_file():
            raise EngineError(f"plate detector weights not found: {self.weights_path}")
        self.imgsz, self.conf, self.iou, self.max_det = imgsz, conf, iou, max_det
        converted = not self.weights_path.endswith(".onnx")
        self.onnx_path = onnx_from_pt(Path(self.weights_path), False) if converted else Path(self.weights_path)
        self.session = onnx_session(self.onnx_path, threads)
        self.quantized_path = onnx_from_pt(Path(self.weights_path), True) if converted and quantized else None
        self.quantized_session = onnx_session(self.quantized_path, threads) if self.quantized_path else None
        self.input_name = self.session.get_inputs()[0].name
        self.backend = "onnxruntime"

    def letterbox(self, img: np.ndarray, imgsz: int):
        import cv2

        h, w = img.shape[:2]
        r = min(imgsz / h, imgsz / w)
        nh, nw = int(round(h * r)), int(round(w * r))
        # rectangular input: pad only up to a multiple of 32
        H, W = int(np.ceil(nh / 32) * 32), int(np.ceil(nw / 32) * 32)
        resized = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR) if (nh, nw) != (h, w) else img
        top, left = (H - nh) // 2, (W - nw) // 2
        canvas = np.full((H, W, 3), 114, dtype=np.uint8)
        canvas[top : top + nh, left : left + nw] = resized
        # BGR HWC -> RGB CHW in [0, 1]: made contiguous while still uint8 (three times faster than converting the
        # strided view), scaled in place
        x = np.ascontiguousarray(canvas[:, :, ::-1].transpose(2, 0, 1)).astype(np.float32)
        x /= 255.0
        return x[None], r, left, top

    def detect(
        self, img: np.ndarray, imgsz: int | None = None, conf: float | None = None, quantized: bool = False
    ) -> list[Detection]:
        imgsz = imgsz or self.imgsz
        session = self.quantized_session if quantized and self.quantized_session else self.session
        conf = self.conf if conf is None else conf
        h, w = img.shape[:2]
        x, r, left, top = self.letterbox(img, imgsz)
        pred = session.run(None, {self.input_name: x})[0][0]  # (4+nc, N)
        pred = pred.T
        scores = pred[:, 4:].max(axis=1)
        m = scores >= conf
        if not m.any():
            return []
        p, s = pred[m], scores[m]
        cx, cy, bw, bh = p[:, 0], p[:, 1], p[:, 2], p[:, 3]
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1)
        boxes[:, [0, 2]] = (boxes[:, [0, 2]] - left) / r
        boxes[:, [1, 3]] = (boxes[:, [1, 3]] - top) / r
        boxes[:, [0, 2]] = boxes[:, [0, 2]].clip(0, w)
        boxes[:, [1, 3]] = boxes[:, [1, 3]].clip(0, h)
        keep = _nms(boxes, s, self.iou)[: self.max_det]
        out = []
        for i in keep:
            b = tuple(int(round(v)) for v in boxes[i])
            if b[2] - b[0] >= 4 and b[3] - b[1] >= 3:
                out.append(Detection(b, float(s[i])))
        return out

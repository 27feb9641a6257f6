"""End-to-end plate recognition: image -> list[PlateReading].

    rec = PlateRecognizer()              # loads the models once (keep one per process/worker)
    readings = rec.recognize(image)      # ndarray BGR (H,W,3), PIL.Image or encoded bytes

Steps: decode -> YOLO plate detector (onnxruntime) -> crop each plate with a small margin ->
plate OCR on the crop (and a few crop variants when the first read is unsure) -> US plate
post-processing (normalisation, confusion-aware ranked candidates) -> issuing state (the plate
OCR model's state head, averaged over the crops it read) and vehicle colour.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import EngineError, ImageError
from .color import vehicle_color
from .detector import PlateDetector
from .ocr import DEFAULT_CRNN_PATH, STATE_CLASSES, CRNNReader, CropText, RapidRecReader
from .plates import merge_candidates, normalize, rank_candidates

# The state is reported only when the state head is at least this sure (on the held-out real
# crops, see docs/recognition.md); below it the reading says "not told" rather than guess.
STATE_MIN_PROBABILITY = 0.5


@dataclass
class PlateReading:
    box: tuple[int, int, int, int]
    detection_confidence: float
    plate: str
    confidence: float
    candidates: list[tuple[str, float]] = field(default_factory=list)
    state: str | None = None
    vehicle_color: str | None = None
    crop: np.ndarray | None = field(default=None, repr=False)
    timings: dict[str, float] = field(default_factory=dict)


def to_bgr(image: Any) -> np.ndarray:
    """Accept ndarray (BGR, grey or BGRA), PIL.Image, or encoded bytes; return uint8 BGR."""
    import cv2

    if image is None:
        raise ImageError("no image given (None)")
    if isinstance(image, (bytes, bytearray, memoryview)):
        data = np.frombuffer(bytes(image), dtype=np.uint8)
        if data.size == 0:
            raise ImageError("empty image data (0 bytes)")
        img = cv2.imdecode(data, cv2.IMREAD_COLOR)
        if img is None:
            raise ImageError(
                f"could not decode image data ({data.size} bytes): not a supported image format or corrupt"
            )
        return img
    if isinstance(image, np.ndarray):
        arr = image
        if arr.size == 0:
            raise ImageError(f"empty image array with shape {arr.shape}")
        if arr.dtype != np.uint8:
            if np.issubdtype(arr.dtype, np.floating) and arr.max(initial=0) <= 1.0:
                arr = arr * 255.0
            arr = np.clip(arr, 0, 255).astype(np.uint8)
        if arr.ndim == 2:
            return cv2.cvtColor(arr, cv2.COLOR_GRAY2BGR)
        if arr.ndim == 3 and arr.shape[2] == 3:
            return np.ascontiguousarray(arr)
        if arr.ndim == 3 and arr.shape[2] == 4:
            return cv2.cvtColor(arr, cv2.COLOR_BGRA2BGR)
        if arr.ndim == 3 and arr.shape[2] == 1:
            return cv2.cvtColor(arr[:, :, 0], cv2.COLOR_GRAY2BGR)
        raise ImageError(f"unsupported image array shape {arr.shape}; expected (H,W,3) BGR")
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover
        Image = None
    if Image is not None and isinstance(image, Image.Image):
        try:
            rgb = np.asarray(image.convert("RGB"))
        except OSError as e:
            raise ImageError(f"could not read PIL image: {e}") from e
        if rgb.size == 0:
            raise ImageError("empty PIL image")
        return np.ascontiguousarray(rgb[:, :, ::-1])
    raise ImageError(f"unsupported image type {type(image).__name__}; give a numpy BGR array, PIL.Image or bytes")


def _crop(img: np.ndarray, box, mx: float, my: float) -> np.ndarray:
    H, W = img.shape[:2]
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    a, b = max(0, int(x1 - mx * w)), max(0, int(y1 - my * h))
    c, d = min(W, int(round(x2 + mx * w))), min(H, int(round(y2 + my * h)))
    return img[b:d, a:c]


class PlateRecognizer:
    """Loads the detector and OCR once; ``recognize`` is thread-compatible for reading."""

    def __init__(
        self,
        weights_path: str | None = None,
        *,
        ocr_model_path: str | None = None,
        imgsz: int = 640,
        det_conf: float = 0.1,
        threads: int | None = None,
        variants: bool = True,
        fallback_imgsz: int | None = 960,
        second_opinion: bool = True,
    ):
        threads = threads or int(os.environ.get("RECOGNITION_THREADS", "0")) or None
        self.threads = threads
        self.detector = PlateDetector(weights_path, imgsz=imgsz, conf=det_conf, threads=threads)
        crnn_path = ocr_model_path or DEFAULT_CRNN_PATH
        self.reader: Any
        if os.path.isfile(crnn_path):
            self.reader = CRNNReader(crnn_path, threads=threads)
        else:
            self.reader = RapidRecReader(threads=self.threads)
        self._rapid = self.reader if isinstance(self.reader, RapidRecReader) else None
        self._rapid_failed = False
        self.second_opinion = second_opinion
        self.variants = variants
        self.variant_threshold = 0.9
        self.fallback_imgsz = fallback_imgsz

    def _rapid_reader(self) -> RapidRecReader | None:
        if self._rapid is None and not self._rapid_failed:
            try:
                self._rapid = RapidRecReader(threads=self.threads)
            except EngineError:
                self._rapid_failed = True
        return self._rapid

    # -- state -------------------------------------------------------------------------------
    @staticmethod
    def _state(texts: list[CropText]) -> str | None:
        probs = [t.state_probs for t in texts if t.state_probs is not None]
        if not probs:
            return None
        mean = np.mean(probs, axis=0)
        best = int(np.argmax(mean))
        if mean[best] < STATE_MIN_PROBABILITY:
            return None
        return STATE_CLASSES[best] or None  # class 0: the model could not tell

    # -- OCR ---------------------------------------------------------------------------------
    def read_plate(self, img: np.ndarray, box) -> tuple[list[tuple[str, float]], str | None]:
        """Ranked (plate, confidence) candidates and the issuing state of the plate in ``box``."""
        # the detector's boxes are loose (typically ~1.1x the plate width, ~1.3x its height);
        # the OCR was trained with such margins, so the raw box is the first crop
        first = _crop(img, box, 0.0, 0.0)
        texts = self.reader.read([first])
        lists = [rank_candidates(t.chars) for t in texts]
        top = lists[0][0][1] if lists and lists[0] else 0.0
        if self.variants and top < self.variant_threshold:
            more = [_crop(img, box, -0.04, -0.1), _crop(img, box, 0.05, 0.1)]
            more_texts = self.reader.read([m for m in more if m.size])
            texts += more_texts
            lists += [rank_candidates(t.chars) for t in more_texts]
            merged = merge_candidates(lists)
            if self.second_opinion and (not merged or merged[0][1] < self.variant_threshold):
                rapid = self._rapid_reader()
                if rapid is not None and rapid is not self.reader:
                    lists += [rank_candidates(t.chars) for t in rapid.read([first])]
                    merged = merge_candidates(lists)
            return merged, self._state(texts)
        return (lists[0] if lists else []), self._state(texts)

    def recognize(self, image: Any) -> list[PlateReading]:
        img = to_bgr(image)
        if img.shape[0] < 8 or img.shape[1] < 8:
            raise ImageError(f"image too small: {img.shape[1]}x{img.shape[0]}")
        t0 = time.perf_counter()
        dets = self.detector.detect(img)
        if (
            self.fallback_imgsz
            and not any(d.confidence >= 0.3 for d in dets)
            and max(img.shape[:2]) > self.detector.imgsz
        ):
            # nothing convincing at the normal size: small/distant plates show up at a larger size
            dets = self.detector.detect(img, imgsz=self.fallback_imgsz) or dets
        detect_ms = (time.perf_counter() - t0) * 1000.0
        readings = []
        for det in dets:
            t1 = time.perf_counter()
            cands, state = self.read_plate(img, det.box)
            ocr_ms = (time.perf_counter() - t1) * 1000.0
            if not cands or len(cands[0][0]) < 2:
                if det.confidence < 0.5:
                    continue  # weak detection without readable text: most likely not a plate
                cands = cands or [("", 0.0)]
            crop = _crop(img, det.box, 0.0, 0.0).copy()
            readings.append(
                PlateReading(
                    box=det.box,
                    detection_confidence=round(det.confidence, 4),
                    plate=normalize(cands[0][0]),
                    confidence=float(min(1.0, max(0.0, cands[0][1]))),
                    candidates=[(normalize(s), float(p)) for s, p in cands],
                    state=state,
                    vehicle_color=vehicle_color(img, det.box),
                    crop=crop,
                    timings={
                        "detect_ms": round(detect_ms, 2),
                        "ocr_ms": round(ocr_ms, 2),
                    },
                )
            )
        return readings

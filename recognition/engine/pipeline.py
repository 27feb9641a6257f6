"""End-to-end plate recognition: image -> list[PlateReading].

    rec = PlateRecognizer()              # loads the models once (keep one per process/worker)
    readings = rec.recognize(image)      # ndarray BGR (H,W,3), PIL.Image or encoded bytes

Steps: decode -> YOLO plate detector (onnxruntime) -> each plate's box found again in its
surroundings at a larger scale (refinement) -> plate OCR (three models) on crops of both boxes at
three margins, the readings merged by vote -> US plate post-processing (normalisation, confusion-aware
ranked candidates) -> issuing state (the plate OCR model's state head, averaged over the crops
it read) and vehicle colour.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import ImageError
from .color import vehicle_color
from .detector import Detection, PlateDetector, box_iou
from .formats import rerank, state_probabilities
from .ocr import DEFAULT_CRNN_PATHS, STATE_CLASSES, CRNNReader, CropText, RapidRecReader
from .plates import merge_candidates, normalize

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


def _area(box) -> int:
    return (box[2] - box[0]) * (box[3] - box[1])


def _crop(img: np.ndarray, box, mx: float, my: float) -> np.ndarray:
    H, W = img.shape[:2]
    x1, y1, x2, y2 = box
    w, h = x2 - x1, y2 - y1
    a, b = max(0, int(x1 - mx * w)), max(0, int(y1 - my * h))
    c, d = min(W, int(round(x2 + mx * w))), min(H, int(round(y2 + my * h)))
    return img[b:d, a:c]


# Every plate box is read at these margins (fractions of its width, height on each side): as
# boxed, tighter and looser. The OCR is cheap (~0.7 ms a crop), and the vote over crops that
# frame the plate differently removes most misreads caused by one framing: a character cut
# off or merged with the frame, a sticker taken for a character.
CROP_MARGINS = ((0.0, 0.0), (-0.04, -0.1), (0.05, 0.1))

# Box refinement: the region around a detection (this much of its width, height added on each
# side) is searched again at REFINE_IMGSZ, where the plate fills the input; the box found there
# hugs the plate better than the whole-photo search's box (which is often 1.5-2x the plate
# when the plate is small in the photo).
#
# The search around the box can also grow it: around a plate in a frame or on a plain panel it at
# times takes some of the surround. Where it does, the first box was the closer one in 137 of 139
# cases on labelled photos and scenes (other-regions and tools/detector_recall.py's scenes, never
# the evaluation photos; where it shrinks the box it was closer in 371 of 372), so the reading
# keeps the tighter box. Both boxes' crops are read either way.
REFINE_MARGINS = (0.5, 0.8)
REFINE_IMGSZ = 320
REFINE_MIN_CONFIDENCE = 0.25

# Second pass, on photos where the whole-photo search finds nothing at confidence FIRST_PASS_SURE:
# the photo is searched again at the larger fallback size. A small, distant plate often gets only
# a weak detection there; when that search too finds nothing sure, its strongest WEAK_CANDIDATES
# small boxes (at most WEAK_MAX_HEIGHT px tall) down to WEAK_CONFIDENCE are each searched again in
# their surroundings (as in refinement, where the plate fills the input) and kept where that
# search is at least CONFIRM_CONFIDENCE sure and at least WEAK_MIN_CHARS characters are read on
# them. Chosen on generated scenes (tools/detector_recall.py), never on the evaluation photos: the
# plates found rose from 0.731 to 0.806 (10-17 px tall: 0.40 -> 0.57), no false plate was added
# on the scenes without one (docs/recognition.md).
FIRST_PASS_SURE = 0.3
WEAK_CONFIDENCE = 0.02
WEAK_CANDIDATES = 2
WEAK_MAX_HEIGHT = 48
CONFIRM_CONFIDENCE = 0.5
WEAK_MIN_CHARS = 4


# A reading's candidates (best first), and how many of the vote's are re-ranked by the state's
# serial formats (engine/formats.py) before the list is cut: a plate read with a character
# dropped or added by most crops is often further down. The weight and the state probability
# from which the formats count were chosen by cross-validation on the plate crops
# (tools/tune_decoding.py), never on the evaluation photos.
CANDIDATES = 5
CANDIDATES_RERANKED = 10
FORMAT_WEIGHT = 2.0
FORMAT_MIN_STATE_PROBABILITY = 0.9


class PlateRecognizer:
    """Loads the detector and OCR once; ``recognize`` is thread-compatible for reading."""

    def __init__(
        self,
        weights_path: str | None = None,
        *,
        ocr_model_paths: Sequence[str | os.PathLike] | None = None,
        imgsz: int = 640,
        det_conf: float = 0.1,
        threads: int | None = None,
        fallback_imgsz: int | None = 960,
        refine: bool = True,
        weak_candidates: int = WEAK_CANDIDATES,
        format_weight: float = FORMAT_WEIGHT,
        format_min_probability: float = FORMAT_MIN_STATE_PROBABILITY,
        quantized_detector: bool = True,
    ):
        threads = threads or int(os.environ.get("RECOGNITION_THREADS", "0")) or None
        self.detector = PlateDetector(
            weights_path, imgsz=imgsz, conf=det_conf, threads=threads, quantized=quantized_detector
        )
        paths = ocr_model_paths or [path for path in DEFAULT_CRNN_PATHS if path.is_file()]
        # every crop is read by each plate OCR model and their readings vote (an ensemble);
        # without the project's models, RapidOCR's general text recogniser reads alone
        self.reader: CRNNReader | RapidRecReader = (
            CRNNReader(paths, threads=threads) if paths else RapidRecReader(threads=threads)
        )
        self.fallback_imgsz = fallback_imgsz
        self.refine = refine
        self.weak_candidates = weak_candidates
        self.format_weight, self.format_min_probability = format_weight, format_min_probability

    # -- state -------------------------------------------------------------------------------
    @staticmethod
    def _state_probs(texts: list[CropText]) -> np.ndarray | None:
        probs = [t.state_probs for t in texts if t.state_probs is not None]
        return np.mean(probs, axis=0) if probs else None

    @staticmethod
    def _state(mean: np.ndarray | None) -> str | None:
        if mean is None:
            return None
        best = int(np.argmax(mean))
        if mean[best] < STATE_MIN_PROBABILITY:
            return None
        return STATE_CLASSES[best] or None  # class 0: the model could not tell

    # -- boxes -------------------------------------------------------------------------------
    def refine_box(
        self, img: np.ndarray, box, min_confidence: float = REFINE_MIN_CONFIDENCE
    ) -> tuple[int, int, int, int] | None:
        """The plate's box found again in the region around ``box`` (see REFINE_MARGINS), or
        None when that search finds no plate over the box's centre."""
        found = self._search_around(img, box, min_confidence)
        return found.box if found else None

    def _search_around(self, img: np.ndarray, box, min_confidence: float) -> Detection | None:
        H, W = img.shape[:2]
        x1, y1, x2, y2 = box
        # a few pixels at least: a distant plate's box is only a dozen pixels tall
        mx, my = max(REFINE_MARGINS[0] * (x2 - x1), 8), max(REFINE_MARGINS[1] * (y2 - y1), 6)
        a, b = max(0, int(x1 - mx)), max(0, int(y1 - my))
        c, d = min(W, int(x2 + mx)), min(H, int(y2 + my))
        cx, cy = (x1 + x2) / 2 - a, (y1 + y2) / 2 - b
        for det in self.detector.detect(img[b:d, a:c], imgsz=REFINE_IMGSZ, conf=min_confidence):
            rx1, ry1, rx2, ry2 = det.box  # best first
            if rx1 <= cx <= rx2 and ry1 <= cy <= ry2:
                return Detection((rx1 + a, ry1 + b, rx2 + a, ry2 + b), det.confidence)
        return None

    def detect(self, img: np.ndarray) -> list[Detection]:
        """The plates' boxes: the whole-photo search (the detector's int8 model), and where it finds nothing sure,
        the second pass (see FIRST_PASS_SURE; the float model, as every search around a box)."""
        dets = self.detector.detect(img, quantized=True)
        if (
            not self.fallback_imgsz
            or any(d.confidence >= FIRST_PASS_SURE for d in dets)
            or max(img.shape[:2]) <= self.detector.imgsz
        ):
            return dets
        # nothing convincing at the normal size: small/distant plates show up at a larger size
        found = self.detector.detect(img, imgsz=self.fallback_imgsz, conf=min(WEAK_CONFIDENCE, self.detector.conf))
        second = [d for d in found if d.confidence >= self.detector.conf]
        if any(d.confidence >= FIRST_PASS_SURE for d in second):
            return second
        weak = [d for d in found if d.confidence < self.detector.conf and d.box[3] - d.box[1] <= WEAK_MAX_HEIGHT]
        for candidate in weak[: self.weak_candidates]:
            confirmed = self._search_around(img, candidate.box, CONFIRM_CONFIDENCE)
            if confirmed and not any(box_iou(confirmed.box, d.box) > 0.5 for d in second):
                second.append(Detection(confirmed.box, confirmed.confidence, weak=True))
        return second or dets

    # -- OCR ---------------------------------------------------------------------------------
    def read_crops(self, img: np.ndarray, boxes) -> tuple[list[CropText], list[bool]]:
        """What every OCR model saw in every box of ``boxes`` (boxes of the same plate) at every
        CROP_MARGINS, and for each reading whether its crop keeps the whole plate."""
        crops = [(_crop(img, box, mx, my), mx >= 0 and my >= 0) for box in boxes for mx, my in CROP_MARGINS]
        crops = [(crop, whole) for crop, whole in crops if crop.size]
        texts = self.reader.read([crop for crop, _ in crops])
        return texts, [whole for _, whole in crops] * self.reader.models

    def decide(self, texts: list[CropText], whole: list[bool]) -> tuple[list[tuple[str, float]], str | None]:
        """Ranked (plate, confidence) candidates and the issuing state from the readings of one
        plate (``read_crops``): the crops' and models' candidates merged by vote, then re-ranked
        by the state's serial formats where the state head is sure enough (``formats.rerank``)."""
        # the state's name and the plate's design are at its edges, which the tighter crop cuts off
        probs = self._state_probs([text for text, keep in zip(texts, whole, strict=True) if keep])
        merged = merge_candidates((t.candidates for t in texts), top_k=CANDIDATES_RERANKED)
        if probs is not None:
            merged = rerank(
                merged,
                state_probabilities(probs, STATE_CLASSES),
                weight=self.format_weight,
                min_probability=self.format_min_probability,
            )
        return merged[:CANDIDATES], self._state(probs)

    def read_plate(self, img: np.ndarray, boxes) -> tuple[list[tuple[str, float]], str | None]:
        """Ranked (plate, confidence) candidates and the issuing state of one plate, read in
        every box of ``boxes`` (boxes of the same plate) at every CROP_MARGINS by every OCR model."""
        return self.decide(*self.read_crops(img, boxes))

    def recognize(self, image: Any) -> list[PlateReading]:
        img = to_bgr(image)
        if img.shape[0] < 8 or img.shape[1] < 8:
            raise ImageError(f"image too small: {img.shape[1]}x{img.shape[0]}")
        t0 = time.perf_counter()
        dets = self.detect(img)
        detect_ms = (time.perf_counter() - t0) * 1000.0
        readings = []
        for det in dets:
            t1 = time.perf_counter()
            box, boxes = det.box, [det.box]
            refined = self.refine_box(img, det.box) if self.refine else None
            if refined is not None:
                if _area(refined) < _area(det.box):
                    box = refined  # the reading's box: the tighter of the two (see REFINE_MARGINS)
                if box_iou(refined, det.box) < 0.95:
                    boxes.append(refined)  # both framings vote
            if any(box_iou(box, r.box) > 0.5 for r in readings):
                continue  # two detections that refine to one plate: it is read once (best first)
            t2 = time.perf_counter()
            cands, state = self.read_plate(img, boxes)
            ocr_ms = (time.perf_counter() - t2) * 1000.0
            refine_ms = (t2 - t1) * 1000.0
            if det.weak and (not cands or len(cands[0][0]) < WEAK_MIN_CHARS):
                continue  # found only by the weak second pass: a plate only where text is read on it
            if not cands or len(cands[0][0]) < 2:
                if det.confidence < 0.5:
                    continue  # weak detection without readable text: most likely not a plate
                cands = cands or [("", 0.0)]
            crop = _crop(img, box, 0.0, 0.0).copy()
            readings.append(
                PlateReading(
                    box=box,
                    detection_confidence=round(det.confidence, 4),
                    plate=normalize(cands[0][0]),
                    confidence=float(min(1.0, max(0.0, cands[0][1]))),
                    candidates=[(normalize(s), float(p)) for s, p in cands],
                    state=state,
                    vehicle_color=vehicle_color(img, box),
                    crop=crop,
                    timings={
                        "detect_ms": round(detect_ms, 2),
                        "refine_ms": round(refine_ms, 2),
                        "ocr_ms": round(ocr_ms, 2),
                    },
                )
            )
        return readings

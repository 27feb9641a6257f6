"""The recognition engine's plate localisation and voting, on scenes the tests draw (real models, no Django)."""

import cv2
import numpy as np
import pytest

from recognition.engine import EngineError
from recognition.engine.detector import Detection, box_iou
from recognition.engine.ocr import DEFAULT_CRNN_PATHS, INPUT_H, INPUT_W, preprocess
from recognition.engine.pipeline import PlateRecognizer
from recognition.tasks import recognizer

from .scenes import plate_scene

PLATE_BOX = (560, 470, 740, 560)  # where plate_scene draws the plate in a 1280x720 photo


def _scene(text: str) -> np.ndarray:
    return cv2.imdecode(np.frombuffer(plate_scene(text), np.uint8), cv2.IMREAD_COLOR)


def _loose(box, factor: float):
    """``box`` grown about its centre to ``factor`` times its width and height."""
    x1, y1, x2, y2 = box
    dx, dy = (x2 - x1) * (factor - 1) / 2, (y2 - y1) * (factor - 1) / 2
    return (int(x1 - dx), int(y1 - dy), int(x2 + dx), int(y2 + dy))


def test_refinement_finds_the_plate_inside_a_loose_box():
    loose = _loose(PLATE_BOX, 2.0)
    refined = recognizer().refine_box(_scene("5KDJ244"), loose)
    assert refined is not None
    assert box_iou(loose, PLATE_BOX) < 0.3  # a box this loose would not even count as found
    assert box_iou(refined, PLATE_BOX) >= 0.7


def test_refinement_without_a_plate_there_gives_none():
    image = _scene("5KDJ244")
    assert recognizer().refine_box(image, (40, 40, 220, 130)) is None  # the empty background


def test_the_reading_reports_the_refined_box():
    (reading,) = recognizer().recognize(_scene("8TRK615"))
    assert box_iou(reading.box, PLATE_BOX) >= 0.7
    assert reading.crop.shape[:2] == (reading.box[3] - reading.box[1], reading.box[2] - reading.box[0])


def test_both_framings_of_a_plate_vote_on_one_reading():
    image = _scene("7WXY802")
    candidates, _ = recognizer().read_plate(image, [PLATE_BOX, _loose(PLATE_BOX, 1.3)])
    assert candidates[0][0] == "7WXY802"
    assert candidates == sorted(candidates, key=lambda c: -c[1])


class _TwiceDetector:
    """The real detector, reporting each plate twice (shifted by a few pixels), as overlapping
    detections of one plate sometimes come out of non-maximum suppression."""

    def __init__(self, detector):
        self.detector, self.imgsz = detector, detector.imgsz

    def detect(self, img, imgsz=None, conf=None):
        found = self.detector.detect(img, imgsz=imgsz, conf=conf)
        if imgsz is not None:  # the refinement search: unchanged
            return found
        return found + [Detection(tuple(v + 4 for v in d.box), d.confidence / 2) for d in found]


@pytest.fixture
def plate_seen_twice():
    engine = recognizer()
    real = engine.detector
    engine.detector = _TwiceDetector(real)
    yield engine
    engine.detector = real


def test_two_detections_of_one_plate_give_one_reading(plate_seen_twice):
    readings = plate_seen_twice.recognize(_scene("5KDJ244"))
    assert len(readings) == 1
    assert readings[0].detection_confidence > 0.3  # the better of the two


def test_every_plate_ocr_model_reads():
    assert recognizer().reader.models == len(DEFAULT_CRNN_PATHS) >= 2


def test_a_missing_plate_ocr_model_is_a_clear_error(tmp_path):
    with pytest.raises(EngineError, match=r"plate OCR model not found: .*nope\.onnx"):
        PlateRecognizer(ocr_model_paths=[DEFAULT_CRNN_PATHS[0], tmp_path / "nope.onnx"])


@pytest.mark.parametrize("shape", [(30, 90, 3), (300, 700, 3), (40, 120)])
def test_crop_preprocessing_gives_the_models_input(shape):
    # the same function feeds training (torch wants float32) and inference
    crop = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    x = preprocess(crop)
    assert x.dtype == np.float32 and x.shape == (1, INPUT_H, INPUT_W)
    assert x.min() >= -1.0 and x.max() <= 1.0

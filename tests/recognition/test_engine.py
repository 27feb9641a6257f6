"""The recognition engine's plate localisation and voting, on scenes the tests draw (real models, no Django)."""

import copy

import cv2
import numpy as np
import pytest

from recognition.engine import EngineError
from recognition.engine.detector import Detection, box_iou
from recognition.engine.ocr import DEFAULT_CRNN_PATHS, INPUT_H, INPUT_W, preprocess
from recognition.engine.pipeline import REFINE_IMGSZ, PlateRecognizer
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


class _AlteredDetector:
    """The real detector, whose answers to each search pass through ``alter(found, imgsz, img)`` (``imgsz`` is
    None for the whole-photo search, REFINE_IMGSZ for the search around a box, 960 for the second pass)."""

    def __init__(self, detector, alter):
        self.detector, self.imgsz, self.conf, self.alter = detector, detector.imgsz, detector.conf, alter

    def detect(self, img, imgsz=None, conf=None, quantized=False):
        return self.alter(self.detector.detect(img, imgsz=imgsz, conf=conf, quantized=quantized), imgsz, img)


def _recognizer_whose_detector(alter) -> PlateRecognizer:
    """The process's recognizer (its models loaded once), copied with its detector's answers altered."""
    engine = copy.copy(recognizer())
    engine.detector = _AlteredDetector(engine.detector, alter)
    return engine


@pytest.fixture
def refinement_that_grows():
    # the search around a box reports its plate 1.6 times as large, as it does at times around a framed plate
    def grow(found, imgsz, img):
        return [Detection(_loose(d.box, 1.6), d.confidence) for d in found] if imgsz == REFINE_IMGSZ else found

    return _recognizer_whose_detector(grow)


def test_a_refinement_that_grows_the_box_is_read_but_not_reported(refinement_that_grows):
    image = _scene("8TRK615")
    (first,) = refinement_that_grows.detector.detector.detect(image, quantized=True)
    (reading,) = refinement_that_grows.recognize(image)
    assert reading.box == first.box  # the tighter box is the reading's
    assert box_iou(reading.box, PLATE_BOX) >= 0.7
    assert reading.plate == "8TRK615"


def test_both_framings_of_a_plate_vote_on_one_reading():
    image = _scene("7WXY802")
    candidates, _ = recognizer().read_plate(image, [PLATE_BOX, _loose(PLATE_BOX, 1.3)])
    assert candidates[0][0] == "7WXY802"
    assert candidates == sorted(candidates, key=lambda c: -c[1])


@pytest.fixture
def plate_seen_twice():
    # each plate reported twice by the whole-photo search (shifted by a few pixels), as overlapping detections of
    # one plate sometimes come out of non-maximum suppression
    def twice(found, imgsz, img):
        return (
            found + [Detection(tuple(v + 4 for v in d.box), d.confidence / 2) for d in found]
            if imgsz is None
            else found
        )

    return _recognizer_whose_detector(twice)


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


def _far(text: str, factor: float = 0.25) -> tuple[np.ndarray, tuple]:
    """plate_scene shrunk by ``factor`` in a 1920x1080 photo (at 0.25 the plate is 22 px tall), and the plate's box."""
    small = cv2.resize(_scene(text), None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    photo = np.full((1080, 1920, 3), (90, 100, 95), np.uint8)
    y0, x0 = 500, 900
    photo[y0 : y0 + small.shape[0], x0 : x0 + small.shape[1]] = small
    x1, y1, x2, y2 = PLATE_BOX
    return photo, (x0 + x1 * factor, y0 + y1 * factor, x0 + x2 * factor, y0 + y2 * factor)


@pytest.fixture
def without_weak_candidates():
    engine = copy.copy(recognizer())
    engine.weak_candidates = 0
    return engine


def test_a_distant_plate_only_weakly_detected_is_found_by_the_search_around_it(without_weak_candidates):
    photo, box = _far("5KDJ244")
    (reading,) = recognizer().recognize(photo)
    assert box_iou(reading.box, box) >= 0.5 and reading.plate == "5KDJ244"
    assert without_weak_candidates.recognize(photo) == []  # neither size of the whole-photo search finds it


def test_a_weak_box_confirmed_around_it_is_no_plate_where_no_text_is_read():
    # at the second pass's size a weak box on the empty road, which the search around it then confirms: a
    # plate-shaped thing where no text can be read
    def weak_everywhere(found, imgsz, img):
        if imgsz == 960:
            return [Detection((200, 800, 260, 830), 0.05)]
        if imgsz == REFINE_IMGSZ:
            h, w = img.shape[:2]
            return [Detection((w // 4, h // 4, 3 * w // 4, 3 * h // 4), 0.9)]
        return found

    engine = _recognizer_whose_detector(weak_everywhere)
    photo = np.full((1080, 1920, 3), (90, 100, 95), np.uint8)
    assert engine.recognize(photo) == []


def test_the_detector_input_is_the_photo_in_rgb_planes_scaled_to_one():
    photo = np.zeros((360, 640, 3), np.uint8)
    photo[:, :, 0] = 255  # blue in OpenCV's BGR
    photo[:10, :10] = (0, 51, 102)
    x, ratio, left, top = recognizer().detector.letterbox(photo, 640)
    assert x.dtype == np.float32 and x.flags.c_contiguous and x.shape == (1, 3, 384, 640)
    assert (ratio, left, top) == (1.0, 0, 12)  # padded to a multiple of 32, centred
    assert np.allclose(x[0, :, 0, 0], 114 / 255)  # the padding
    assert np.allclose(x[0, :, 12, 0], (102 / 255, 51 / 255, 0.0))  # red, green, blue planes
    assert np.allclose(x[0, :, 100, 100], (0.0, 0.0, 1.0))

"""The plate detector runs its int8 quantization (recognition/engine/quantize.py), and finds what the float model
finds."""

import numpy as np
import onnx
import pytest
from django.conf import settings

from recognition.engine.detector import PlateDetector, box_iou
from recognition.engine.quantize import calibration_scenes
from recognition.tasks import recognizer

OTHER_REGIONS = settings.RECOGNITION_DATASETS_DIR / "other-regions"


def test_the_whole_photo_search_runs_the_int8_model(monkeypatch):
    detector = recognizer().detector
    assert detector.quantized_path.name.endswith("-int8.onnx")
    graph = onnx.load(str(detector.quantized_path)).graph
    assert {"QuantizeLinear", "DequantizeLinear"} <= {node.op_type for node in graph.node}
    # the head stays in float: its scores and pixel coordinates share one output
    head = [n for n in graph.node if n.name.startswith("/model.22/dfl")]
    assert head and all(n.op_type != "QuantizeLinear" for n in head)

    ran = []
    for name in ("session", "quantized_session"):
        session = getattr(detector, name)
        monkeypatch.setattr(
            detector, name, type("Spy", (), {"run": lambda self, *a, s=session, n=name: ran.append(n) or s.run(*a)})()
        )
    recognizer().recognize(np.full((720, 1280, 3), 128, np.uint8))  # no plate: the whole photo, then the second pass
    assert ran[0] == "quantized_session" and set(ran[1:]) == {"session"}


def test_the_calibration_scenes_are_the_same_on_every_run():
    first, again = list(calibration_scenes(3)), list(calibration_scenes(3))
    assert all(a.shape == (720, 1280, 3) and np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[0], first[1])


@pytest.mark.skipif(
    not OTHER_REGIONS.is_dir(),
    reason=f"photos not found at {OTHER_REGIONS} (set RECOGNITION_DATASETS_DIR to the shared datasets folder)",
)
def test_the_int8_detector_finds_the_plates_the_float_one_finds_in_real_photos():
    import cv2

    photos = sorted(OTHER_REGIONS.glob("*/*.jpg"))[::4]
    assert len(photos) >= 50
    floating, int8 = PlateDetector(quantized=False, threads=2), recognizer().detector
    found, kept, drift, overlap = 0, 0, [], []
    for path in photos:
        img = cv2.imread(str(path))
        sure = [d for d in floating.detect(img) if d.confidence >= 0.3]
        found += len(sure)
        quantized = int8.detect(img, quantized=True)
        for d in sure:
            match = max(quantized, key=lambda q: box_iou(q.box, d.box), default=None)
            if match and box_iou(match.box, d.box) >= 0.5:
                kept += 1
                drift.append(abs(match.confidence - d.confidence))
                overlap.append(box_iou(match.box, d.box))
    assert found >= 50
    # measured: every plate, boxes overlapping by 0.94 (median; the least 0.72), confidence within 0.01
    # (docs/recognition.md, "Speed"); the reading's box is then found again around it (refinement)
    assert kept >= 0.97 * found
    assert np.median(overlap) >= 0.9
    assert np.median(drift) <= 0.03

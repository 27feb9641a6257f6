"""The plate detector in 8-bit integers: half the time of the float model on CPUs with VNNI (AVX-512 or AVX),
the same boxes.

``quantize_detector(float_onnx, target)`` writes a static QDQ quantization of the exported detector: weights per
channel in int8, activations in uint8 with ranges measured (min-max) on calibration scenes. The detection head
(``/model.22/`` but the first two blocks of its box and class branches: their last convolutions, the
distribution decoding, the concatenation of pixel coordinates with 0-1 scores) stays in float: quantized as one
tensor, its scores would lose all resolution. It runs once at set-up, in the export process (``export.py``),
beside the float conversion.

The calibration scenes are drawn here, not read from a dataset, so that set-up needs no photos and gives the
same file on every machine (fixed seed): 1280x720 street-like pictures (sky and road gradients, textured
buildings, car bodies with windows and lights) with 1-3 plates each, 12-90 px tall, dark characters on light
plates and light on dark ones, blurred and JPEG-compressed like a camera's. Only the activations' ranges come
from them; the weights are the trained ones. Their fidelity to real photos is checked in
``tests/recognition/test_detector_quantized.py`` and ``docs/recognition.md`` ("Speed").
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

CALIBRATION_SCENES = 48
CALIBRATION_SEED = 2026
HEAD = re.compile(r"^/model\.22/")
HEAD_QUANTIZED = re.compile(r"^/model\.22/cv[23]\.\d+/cv[23]\.\d+\.[01]/")  # the branches' first two blocks


def calibration_scenes(n: int = CALIBRATION_SCENES, seed: int = CALIBRATION_SEED) -> Iterator[np.ndarray]:
    """``n`` BGR 1280x720 street-like scenes with plates (see the module's docstring)."""
    import cv2

    rng = np.random.default_rng(seed)
    W, H = 1280, 720
    chars = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    for _ in range(n):
        sky, road = rng.integers(60, 240, 3), rng.integers(30, 160, 3)
        t = np.linspace(0, 1, H)[:, None, None]
        img = ((1 - t) * sky + t * road).repeat(W, axis=1)
        low = cv2.resize(rng.normal(0, 25, (9, 16, 3)), (W, H), interpolation=cv2.INTER_CUBIC)
        img = np.clip(img + low + rng.normal(0, 6, (H, W, 3)), 0, 255).astype(np.uint8)
        for _ in range(rng.integers(2, 7)):  # buildings, poles, signs
            x, y = int(rng.integers(0, W)), int(rng.integers(0, H // 2))
            cv2.rectangle(img, (x, y), (x + int(rng.integers(20, 300)), y + int(rng.integers(40, 300))),
                          rng.integers(0, 255, 3).tolist(), -1)  # fmt: skip
        for _ in range(rng.integers(1, 4)):
            plate_h = int(np.exp(rng.uniform(np.log(12), np.log(90))))
            plate_w = int(plate_h * rng.uniform(1.8, 2.2))
            car_w = int(plate_w * rng.uniform(3.5, 5.5))
            car_h = int(car_w * rng.uniform(0.45, 0.7))
            cx, cy = int(rng.integers(car_w // 2, W - car_w // 2)), int(rng.integers(H // 3, H - car_h // 3))
            body = rng.integers(10, 245, 3).tolist()
            cv2.rectangle(img, (cx - car_w // 2, cy - car_h // 2), (cx + car_w // 2, cy + car_h // 2), body, -1)
            cv2.rectangle(img, (cx - car_w // 3, cy - car_h // 2), (cx + car_w // 3, cy - car_h // 6), (40, 40, 50), -1)
            for side in (-1, 1):  # lights
                lx = cx + side * int(car_w * 0.38)
                cv2.ellipse(img, (lx, cy), (max(2, car_w // 14), max(2, car_h // 12)), 0, 0, 360,
                            rng.integers(150, 255, 3).tolist(), -1)  # fmt: skip
            light = rng.random() < 0.8
            plate, ink = ((235, 235, 230), (30, 30, 90)) if light else ((30, 60, 40), (235, 235, 235))
            px, py = cx - plate_w // 2, cy + car_h // 8
            cv2.rectangle(img, (px, py), (px + plate_w, py + plate_h), plate, -1)
            cv2.rectangle(img, (px, py), (px + plate_w, py + plate_h), (60, 60, 60), max(1, plate_h // 20))
            text = "".join(rng.choice(list(chars), int(rng.integers(5, 8))))
            scale = cv2.getFontScaleFromHeight(cv2.FONT_HERSHEY_DUPLEX, max(4, int(plate_h * 0.5)))
            (tw, _), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, 1)
            scale *= min(1.0, plate_w * 0.9 / max(tw, 1))
            cv2.putText(img, text, (px + plate_w // 20, py + int(plate_h * 0.75)), cv2.FONT_HERSHEY_DUPLEX, scale,
                        ink, max(1, plate_h // 14), cv2.LINE_AA)  # fmt: skip
        img = cv2.GaussianBlur(img, (0, 0), float(rng.uniform(0.4, 1.2)))
        ok, enc = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(50, 90))])
        yield cv2.imdecode(enc, cv2.IMREAD_COLOR)


def quantize_detector(float_onnx: Path, target: Path) -> Path:
    """Write the int8 detector for ``float_onnx`` to ``target``; returns ``target``."""
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from .detector import PlateDetector

    detector = PlateDetector(str(float_onnx), threads=1)

    class Scenes(CalibrationDataReader):
        def __init__(self):
            self.inputs = ({detector.input_name: detector.letterbox(img, 640)[0]} for img in calibration_scenes())

        def get_next(self):
            return next(self.inputs, None)

    with tempfile.TemporaryDirectory() as tmp:
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(float_onnx), str(prepared), skip_symbolic_shape=True)
        head = [
            node.name
            for node in onnx.load(str(prepared)).graph.node
            if HEAD.search(node.name) and not HEAD_QUANTIZED.search(node.name)
        ]
        part = Path(tmp) / "int8.onnx"
        quantize_static(
            str(prepared),
            str(part),
            Scenes(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            nodes_to_exclude=head,
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_suffix(f".{os.getpid()}.part")
        shutil.copyfile(part, staged)
        os.replace(staged, target)
    return target

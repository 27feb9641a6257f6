"""Convert the plate detector's ``.pt`` weights to ONNX, in a process of its own.

This module is the only place that imports ultralytics (and with it torch). Importing ultralytics patches
``PIL.Image.open`` for the whole process, and on an image Pillow cannot identify the patch calls
``check_requirements("pi-heif")``, which installs packages at run time where it can and fails where it
cannot. So the conversion never runs inside the web server or a worker: ``./dev`` runs it once at set-up
(``python -m recognition.engine.export``), and a detector that finds no converted file starts this module
as a child process. Auto-install is switched off here as well (``YOLO_AUTOINSTALL=false``).

It also writes the detector's int8 quantization beside the float file (``quantize.py``: onnxruntime only, no
torch), which the detector runs by default.

Usage: ``python -m recognition.engine.export [WEIGHTS.pt]`` writes both files into the cache (``detector.cache_dir``)
where they are missing and prints their paths.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

OFFLINE_ENV = {"YOLO_OFFLINE": "1", "YOLO_AUTOINSTALL": "false", "YOLO_VERBOSE": "false"}


def export_onnx(pt: Path, target: Path) -> Path:
    """Write ``target`` (atomically) from the YOLO weights ``pt``; returns ``target``."""
    for key, value in OFFLINE_ENV.items():
        os.environ[key] = value
    from ultralytics import YOLO

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "plate.pt"
        shutil.copyfile(pt, src)
        out = YOLO(str(src), task="detect").export(
            format="onnx", dynamic=True, simplify=False, imgsz=640, verbose=False
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_suffix(f".{os.getpid()}.part")
        shutil.copyfile(out, part)
        os.replace(part, target)
    return target


def main(argv: list[str]) -> int:
    from .detector import cached_onnx_path, default_weights_path
    from .quantize import quantize_detector

    pt = Path(argv[0]) if argv else Path(default_weights_path())
    float_onnx, int8_onnx = cached_onnx_path(pt), cached_onnx_path(pt, quantized=True)
    if not float_onnx.is_file():
        export_onnx(pt, float_onnx)
    if not int8_onnx.is_file():
        quantize_detector(float_onnx, int8_onnx)
    print(float_onnx)
    print(int8_onnx)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The web and API processes, and the recognition worker, never import ultralytics or torch.

Importing ultralytics patches PIL.Image.open for the whole process and, on an image Pillow cannot identify, tries
to install pi-heif at run time (recognition/engine/export.py). The detector runs from its exported ONNX file;
only the export, in a child process of its own, needs ultralytics. Each check runs in a fresh interpreter, since
this test process may have imported anything.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["config", "common", "agencies", "reads", "hotlists", "sharing", "transparency", "recognition", "console"]

WEB_PROCESS = textwrap.dedent(
    f"""
    import importlib, os, pkgutil, sys
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    from config.wsgi import application  # noqa: F401  (django.setup())
    from django.urls import get_resolver
    def walk(patterns):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns)
            else:
                p.callback
    walk(get_resolver().url_patterns)
    for app in {APPS!r}:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, app + "."):
            if info.name == "recognition.engine.export" or ".migrations." in info.name or "settings." in info.name:
                continue
            importlib.import_module(info.name)
    heavy = sorted(m for m in ("ultralytics", "torch", "torchvision") if m in sys.modules)
    print("HEAVY", heavy)
    """
)

WORKER_PROCESS = textwrap.dedent(
    """
    import io, sys
    import numpy as np
    from PIL import Image, UnidentifiedImageError
    from recognition.engine.pipeline import PlateRecognizer
    PlateRecognizer().recognize(np.full((720, 1280, 3), 90, dtype=np.uint8))
    try:
        Image.open(io.BytesIO(b"\\xff\\xd8\\xff\\xe0" + b"garbage" * 40))
    except (UnidentifiedImageError, OSError):  # Pillow's own errors, not a missing package
        print("CORRUPT named")
    heavy = sorted(m for m in ("ultralytics", "torch", "torchvision") if m in sys.modules)
    print("HEAVY", heavy)
    """
)


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_web_process_imports_neither_ultralytics_nor_torch():
    assert "HEAVY []" in _run(WEB_PROCESS)


@pytest.mark.django_db
def test_worker_recognises_without_ultralytics_or_torch_and_names_a_corrupt_image():
    out = _run(WORKER_PROCESS)
    assert "CORRUPT named" in out
    assert "HEAVY []" in out

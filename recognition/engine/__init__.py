"""Plate-recognition engine (pure Python, no Django).

Usage::

    from recognition.engine.pipeline import PlateRecognizer
    rec = PlateRecognizer()
    readings = rec.recognize(image)   # ndarray BGR, PIL.Image or encoded bytes

Heavy dependencies (onnxruntime, OpenCV) are imported by the submodules, so importing this
package alone is cheap.
"""


class ImageError(ValueError):
    """The input could not be turned into an image (empty, corrupt, wrong type or shape)."""


class EngineError(RuntimeError):
    """The engine could not be set up (missing weights, missing runtime package)."""


__all__ = ["ImageError", "EngineError"]

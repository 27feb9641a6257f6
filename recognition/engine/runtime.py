"""One way to open an ONNX model: onnxruntime on the CPU, with thread spinning off.

The engine runs several models one after the other (the detector, the plate OCR, sometimes RapidOCR's recogniser),
each with its own thread pool. By default onnxruntime's pool threads keep spinning for a while after a run, waiting
for more work; on a 2-core machine the spinning threads of the model that just ran take the cores from the next
one. Turned off, the median image takes about half the time (docs/recognition.md, "Speed").
"""

from __future__ import annotations

import os


def onnx_session(path: str | os.PathLike, threads: int | None = None):
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

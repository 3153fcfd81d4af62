"""Importing TensorFlow into the test process. Measured with tensorflow-cpu 2.21 beside
torch 2.14's wheel: importing triton (torch's compiler backend, which
`import torchvision.ops` reaches through torch._dynamo) AFTER TensorFlow crashes the
interpreter with a segmentation fault while triton's extension loads; the other order
works. So TensorFlow is imported here, after triton when triton is installed."""
from __future__ import annotations

import importlib.util
import os


def import_tensorflow():
    """tensorflow, imported after triton (if installed); startup logging quiet."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if importlib.util.find_spec("triton") is not None:
        import triton  # noqa: F401  (before TensorFlow: see the module docstring)
    import tensorflow

    return tensorflow

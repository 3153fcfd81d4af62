"""Running Keras 3 on its TensorFlow backend from a test: Keras fixes its backend at
its first import and other tests of the same process use the torch backend, so each
call runs a script in a fresh interpreter with KERAS_BACKEND=tensorflow. The script
sees `keras`, `tf`, `np`, `pixelpact`, `noise` and `assert_same`; what it prints is
returned."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from . import TESTS

PRELUDE = """
import os
os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import sys
sys.path.insert(0, {tests!r})
import numpy as np
import tensorflow as tf
import keras
assert keras.backend.backend() == "tensorflow", keras.backend.backend()
import pixelpact
from helpers import assert_same, noise
"""


def run_keras_tf(script: str, timeout: int = 600) -> str:
    """Runs `script` with Keras on TensorFlow; fails the test with its stderr if it fails."""
    code = PRELUDE.format(tests=str(TESTS)) + textwrap.dedent(script)
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                            timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(f"the Keras/TensorFlow script failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
    return result.stdout

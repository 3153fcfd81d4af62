"""benchmarks/bench_decode.py and benchmarks/decoder_agreement.py keep working:
one round of the benchmark runs (its equality assertions included) and the
agreement table lists every case. No timing is asserted."""
from __future__ import annotations

import subprocess
import sys

import pytest

from helpers import ROOT
from helpers.encoded import require_decoders

pytestmark = pytest.mark.slow


def run(script: str, *args: str) -> str:
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def test_bench_decode_one_round():
    require_decoders()
    out = run("bench_decode.py", "--rounds", "1")
    rows = [line for line in out.splitlines() if line.startswith("| ") and "ms" not in line]
    assert len(rows) == 18, out
    assert all(" equal |" in r for r in rows if "pixelpact" in r or "torchvision v1" in r), out


def test_decoder_agreement_table():
    out = run("decoder_agreement.py")
    rows = [line for line in out.splitlines() if line.startswith("| JPEG") or line.startswith("| PNG")]
    assert len(rows) == 20, out
    assert all("identical" in r for r in rows if r.startswith("| JPEG 4:2:0 q90 |")), out

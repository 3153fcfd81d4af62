"""An allocation failure inside the core, injected for real: a subprocess caps its own
address space (RLIMIT_AS) a little above what it uses, then runs a pipeline whose
intermediate buffer needs more (the library's own limits switched off, so that they
do not refuse first). The C++ core's std::bad_alloc must become the documented
RuntimeError naming the cause (docs/reliability.md), never a crash, a MemoryError from
half-way through the binding, or a wrong tensor, and the process must still work
afterwards: the same pipelines run again and give the tensors they gave before."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

# 64x64 -> 20000x20000 -> 8x8: the second resize needs the whole 1.2 GB first one.
HUGE = {"pixelpact": 1, "name": "huge-intermediate", "input": {"color": "RGB"},
        "steps": [{"op": "resize", "size": [20000, 20000], "interpolation": "bilinear", "engine": "pillow"},
                  {"op": "resize", "size": [8, 8], "interpolation": "bilinear", "engine": "pillow"}],
        "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
HEADROOM = 256 << 20  # bytes of address space allowed above the process's own at the cap

SCRIPT = textwrap.dedent("""
    import json, resource, sys
    import numpy as np
    import pixelpact

    huge_doc, headroom, mode = json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    # No library limit: only the address space can refuse.
    huge = pixelpact.load(json.dumps(huge_doc), max_output_elements=0, max_intermediate_bytes=0)
    small_doc = dict(huge_doc, steps=[dict(huge_doc["steps"][0], size=[300, 200]), huge_doc["steps"][1]])
    small = pixelpact.load(json.dumps(small_doc), max_output_elements=0, max_intermediate_bytes=0)
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (64, 64, 3), dtype=np.uint8) for _ in range(2)]
    before = [small(im) for im in images] + [small.batch(images)]  # pools and caches warm

    def address_space():
        for line in open("/proc/self/status"):
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024

    cap = address_space() + headroom
    resource.setrlimit(resource.RLIMIT_AS, (cap, resource.getrlimit(resource.RLIMIT_AS)[1]))
    outcomes = []
    for attempt in range(3):  # fails alike every time, nothing left behind
        try:
            if mode == "batch":
                huge.batch(images)
            else:
                huge(images[0])
            outcomes.append(["returned", ""])
        except BaseException as e:
            outcomes.append([type(e).__name__, str(e)])
    after = [small(im) for im in images] + [small.batch(images)]
    same = all(a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b) for a, b in zip(before, after))
    print(json.dumps({"cap": cap, "outcomes": outcomes, "same_after": same}))
""")


@pytest.mark.parametrize("mode", ["run", "batch"])
def test_an_allocation_failure_is_a_runtime_error_and_the_process_goes_on(mode):
    result = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(HUGE), str(HEADROOM), mode],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["outcomes"] == [["RuntimeError", "out of memory while running the pipeline"]] * 3, report
    assert report["same_after"], "the pipelines gave other tensors after the allocation failure"

"""Running the example HTTP service (examples/service) from tests: start it on a
free loopback port, wait until it answers, stop it."""
from __future__ import annotations

import re
import subprocess
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def serving(binary: Path, contract: Path, args=()):
    """Starts the service on a free loopback port (it binds port 0 and prints the
    port the kernel gave it, so no other process can take it in between), waits
    until /healthz answers, yields (base URL, port), and stops the server."""
    with serving_process(binary, contract, args) as (base, port, _):
        yield base, port


@contextmanager
def serving_process(binary: Path, contract: Path, args=()):
    """serving(), yielding (base URL, port, the server's Popen) and passing `args`."""
    proc = subprocess.Popen([str(binary), str(contract), "--port", "0", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = []
        reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(15)
        assert line and line[0], f"the service did not start: {proc.poll()} {proc.stderr.read() if proc.poll() is not None else ''}"
        match = re.search(r"on http://127\.0\.0\.1:(\d+)$", line[0].strip())
        assert match, line[0]
        base = f"http://127.0.0.1:{match[1]}"
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                assert time.monotonic() < deadline, "the service never became ready"
                time.sleep(0.05)
        yield base, int(match[1]), proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()

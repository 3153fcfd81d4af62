"""The example service under load and attack (issue 11): many concurrent clients on
loopback sending a mix of valid JPEG/PNG files, truncated files, wrong formats,
decompression bombs (headers declaring 60000x60000, a 3000x3000 PNG of a few KB),
malformed multipart bodies, empty and oversized bodies, for a fixed number of
requests, against a service started with small limits (--max-upload-mb 1,
--max-decoded-mb 4, --max-concurrent 2, --max-wait-ms 2, --timeout-s 5: a short wait, so that
some requests are refused with 429).

Holds: no 5xx and no dropped connection, ever; every hostile request a 4xx with a
message (400, 413; or 429 when the service is busy); every valid request (retried
on 429) answers the decoded pixels bit-exactly as Pillow's Image.open +
convert('RGB') gives them; the service still answers /healthz afterwards; its
resident size after the last batch stays within RSS_GROWTH_BOUND of after the
warm-up batches (the first 450 of 1,200 requests), and a refused image (a bomb,
a corrupt file) leaves the resident size as it was.
Throughput and p50/p99 latency are printed (no wall-clock asserts).

    python tests/install/test_service_load.py BINARY [REQUESTS] [CLIENTS]

runs the same load outside pytest (docs/reliability.md has the figures)."""
from __future__ import annotations

import io
import json
import pathlib
import struct
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from helpers.service import serving_process  # noqa: E402

pytestmark = pytest.mark.build

IDENTITY = {"pixelpact": 1, "name": "decoded-pixels", "input": {"color": "RGB"}, "steps": [],
            "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}
LIMITS = ["--max-upload-mb", 1, "--max-decoded-mb", 4, "--max-concurrent", 2, "--max-wait-ms", 2, "--timeout-s", 5]
RSS_GROWTH_BOUND = 16 << 20  # bytes: no request kind may leak (httplib's threads and malloc's arenas settle)
REFUSAL_RSS_BOUND = 8 << 20  # bytes, for 64 refusals of one kind: the 3000x3000 PNG would touch 27 MB once


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(width: int, height: int, raw: bytes, color_type: int = 0) -> bytes:
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b""))


def requests_mix():
    """(kind, body, content type, expected pixels or None): the valid files and the attacks."""
    from PIL import Image

    rng = np.random.default_rng(11)
    valid = []
    for i, (h, w) in enumerate([(97, 131), (240, 320), (17, 301), (333, 50)]):
        y, x = np.mgrid[0:h, 0:w]
        rgb = np.stack([(x * 3 + i) % 256, (y * 5) % 256, (x + y) % 256], axis=2).astype(np.uint8)
        rgb = np.clip(rgb + rng.integers(0, 20, rgb.shape), 0, 255).astype(np.uint8)
        for fmt, options in [("JPEG", {"quality": 90}), ("JPEG", {"quality": 80, "progressive": True}),
                             ("PNG", {}), ("JPEG", {"quality": 85, "subsampling": 0})]:
            buf = io.BytesIO()
            Image.fromarray(rgb).save(buf, fmt, **options)
            data = buf.getvalue()
            expected = np.array(Image.open(io.BytesIO(data)).convert("RGB"))
            valid.append(("valid", data, "image/" + fmt.lower(), expected))
    jpeg = valid[0][1]
    bomb = bytearray(jpeg)
    at = bomb.find(b"\xff\xc0")
    bomb[at + 5:at + 9] = (60000).to_bytes(2, "big") * 2
    boundary = "pixelpact-load"
    hostile = [
        ("truncated jpeg", jpeg[: len(jpeg) // 2], "image/jpeg"),
        ("truncated png", valid[2][1][: len(valid[2][1]) // 3], "image/png"),
        ("wrong format", b"GIF89a" + bytes(200), "image/gif"),
        ("text", b"hello, world\n" * 20, "application/octet-stream"),
        ("empty", b"", "image/jpeg"),
        ("jpeg bomb header", bytes(bomb[:200]), "image/jpeg"),
        ("png bomb header", png_bytes(60000, 60000, b"\x00" * 100), "image/png"),
        ("png decompression bomb", png_bytes(3000, 3000, bytes(3001 * 3000)), "image/png"),
        ("oversized body", bytes(3 << 19), "application/octet-stream"),  # 1.5 MiB > --max-upload-mb 1
        ("malformed multipart", b"--" + boundary.encode() + b"\r\nContent-Disp", f"multipart/form-data; boundary={boundary}"),
        ("multipart without image", (f"--{boundary}\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nabc\r\n"
                                     f"--{boundary}--\r\n").encode(), f"multipart/form-data; boundary={boundary}"),
        ("random bytes", rng.integers(0, 256, 5000, dtype=np.uint8).tobytes(), "image/jpeg"),
    ]
    return valid + [(kind, body, ctype, None) for kind, body, ctype in hostile]


def _post(base: str, body: bytes, content_type: str):
    request = urllib.request.Request(base + "/v1/tensor", data=body, method="POST",
                                     headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def _rss(pid: int) -> int:
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def run_load(binary, contract_dir: pathlib.Path, requests: int = 1200, clients: int = 12, batches: int = 8,
             warmup_batches: int = 3) -> dict:
    """Runs the load; asserts what must hold; returns the figures. The resident size
    is compared between the end of the warm-up batches (the server threads' first
    valid requests grow their malloc arenas: 19 -> 21.5 MiB, then flat) and the
    end of the last batch."""
    contract = contract_dir / "identity.json"
    contract.write_text(json.dumps(IDENTITY))
    mix = requests_mix()
    per_batch = requests // batches
    latencies, attempts, statuses, rss = [], [], {}, []
    lock = threading.Lock()

    def one(i: int, base: str):
        kind, body, ctype, expected = mix[i % len(mix)]
        begin = time.perf_counter()
        for _attempt in range(200):
            sent = time.perf_counter()
            status, data = _post(base, body, ctype)
            attempts.append(time.perf_counter() - sent)
            if status != 429 or expected is None:
                break
            time.sleep(0.005)  # busy: the valid upload is retried, as a client told Retry-After would
        latencies.append(time.perf_counter() - begin)
        with lock:
            statuses[(kind, status)] = statuses.get((kind, status), 0) + 1
        assert status < 500, (kind, status, data[:200])
        if expected is not None:
            assert status == 200, (kind, status, data[:200])
            got = np.load(io.BytesIO(data))
            assert got.dtype == expected.dtype and got.shape == expected.shape and np.array_equal(got, expected), kind
        else:
            assert status in (400, 413, 429), (kind, status, data[:200])
            assert data.strip(), (kind, status, "an error without a message")

    with serving_process(binary, contract, LIMITS) as (base, _, proc):
        start = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            for b in range(batches):
                list(pool.map(lambda i: one(i, base), range(b * per_batch, (b + 1) * per_batch)))
                rss.append(_rss(proc.pid))
        elapsed = time.perf_counter() - start
        with urllib.request.urlopen(base + "/healthz", timeout=10) as r:
            assert r.status == 200 and r.read() == b"ok\n"
        assert proc.poll() is None, "the service died"
    lat = np.array(latencies) * 1000
    one_try = np.array(attempts) * 1000
    figures = {"requests": len(latencies), "clients": clients, "http_exchanges": len(attempts),
               "requests_per_s": len(latencies) / elapsed, "exchanges_per_s": len(attempts) / elapsed,
               # a request: until its answer, a valid upload's 429 retries included
               "request_p50_ms": float(np.percentile(lat, 50)), "request_p99_ms": float(np.percentile(lat, 99)),
               # one HTTP exchange: what the service takes to answer (200, 4xx or 429)
               "exchange_p50_ms": float(np.percentile(one_try, 50)),
               "exchange_p99_ms": float(np.percentile(one_try, 99)),
               "rss_after_warmup_mb": rss[warmup_batches - 1] / 2**20, "rss_last_batch_mb": rss[-1] / 2**20,
               "rss_per_batch_mb": [round(r / 2**20, 1) for r in rss],
               "statuses": {f"{k} -> {s}": n for (k, s), n in sorted(statuses.items())}}
    assert len(latencies) == per_batch * batches
    assert statuses.get(("valid", 200), 0) >= per_batch * batches * 16 // len(mix) - 1
    return figures


def test_service_under_load_and_attack(service_binary, tmp_path):
    figures = run_load(service_binary, tmp_path, requests=1200, clients=8, batches=8, warmup_batches=3)
    print("\nservice load:", json.dumps(figures, indent=1))
    assert figures["rss_last_batch_mb"] * 2**20 <= figures["rss_after_warmup_mb"] * 2**20 + RSS_GROWTH_BOUND


def test_refused_images_cost_no_resident_memory(service_binary, tmp_path):
    """Each attack kind sent 64 times (8 clients) on its own: the service's resident
    size may not grow by REFUSAL_RSS_BOUND. A service that allocated (and touched)
    the tensor before the decoder refused the image grew 25 MiB per 3000x3000 PNG
    (the output of the identity contract is as large as the decoded image)."""
    contract = tmp_path / "identity.json"
    contract.write_text(json.dumps(IDENTITY))
    attacks = [(kind, body, ctype) for kind, body, ctype, expected in requests_mix() if expected is None]
    growth = {}
    with serving_process(service_binary, contract, LIMITS) as (base, _, proc):
        with ThreadPoolExecutor(8) as pool:
            for kind, body, ctype in attacks:
                before = _rss(proc.pid)
                statuses = set(pool.map(lambda _: _post(base, body, ctype)[0], range(64)))
                growth[kind] = _rss(proc.pid) - before
                assert statuses <= {400, 413, 429} and statuses - {429}, (kind, statuses)
    print("\nresident size growth per attack kind (KiB):", {k: v >> 10 for k, v in growth.items()})
    assert all(v <= REFUSAL_RSS_BOUND for v in growth.values()), growth


if __name__ == "__main__":
    import tempfile

    binary = pathlib.Path(sys.argv[1]).resolve()
    requests = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    clients = int(sys.argv[3]) if len(sys.argv) > 3 else 12
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(run_load(binary, pathlib.Path(tmp), requests, clients), indent=1))

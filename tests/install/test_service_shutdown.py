"""Graceful shutdown of the example service (issue 11): SIGTERM while requests are in
flight.

Every connection the service has accepted when the signal arrives gets its full,
correct answer (the tensor bit-exactly as torchvision on Pillow computes it), new
connections are refused from the signal on, and the process then exits with status 0.

Which requests are in flight is known, not guessed from timing:

* "uploading": each sends its headers with `Expect: 100-continue` and waits for the
  service's `100 Continue`, which a request thread sends only once it has read the
  headers; then it sends half of its body (a large JPEG) and stops. There are as many
  of these as the service has request threads, so every thread is busy reading a body.
* "queued": whole small requests on connections the service has accepted (the
  listening socket's accept queue, /proc/net/tcp, is empty) but that no thread has
  started to read, since all are busy.

Only then is SIGTERM sent; the uploads are finished after the service refuses new
connections. No wall-clock asserts: every wait is bounded by a generous timeout."""
from __future__ import annotations

import io
import select
import signal
import socket
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from helpers import CONTRACTS, assert_same
from helpers.service import serving_process

pytestmark = pytest.mark.build

E1 = CONTRACTS / "resnet50_imagenet_eval.json"
MAX_CONCURRENT = 1
# pixelpact_serve.cpp runs --max-concurrent + 8 request threads.
THREADS = MAX_CONCURRENT + 8
QUEUED = 3
LIMITS = ["--max-concurrent", MAX_CONCURRENT, "--max-wait-ms", 60000, "--timeout-s", 60]
TIMEOUT = 60  # seconds: a bound for every wait, never reached unless something is wrong


def torchvision_e1(data: bytes) -> np.ndarray:
    from torchvision import transforms as T

    ref = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                     T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    return ref(Image.open(io.BytesIO(data)).convert("RGB")).unsqueeze(0).numpy()


def jpeg(height: int, width: int, seed: int) -> bytes:
    """Noise with a gradient: a large file for its size (hard to compress)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([x * 255 // width, y * 255 // height, (x + y) % 256], axis=2)
    rgb = np.clip(rgb + rng.integers(-40, 40, rgb.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


def accept_queue(port: int) -> int:
    """Connections waiting in the listening socket's accept queue (for a listening
    socket, /proc/net/tcp's rx_queue is the accept backlog)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and int(fields[1].split(":")[1], 16) == port:
            return int(fields[4].split(":")[1], 16)
    raise AssertionError(f"nothing listens on port {port}")


class Client:
    """One raw HTTP/1.1 POST /v1/tensor on its own connection."""

    opened: list = []  # every client socket, closed after each test (close_clients)

    def __init__(self, port: int, body: bytes, expect_continue: bool):
        self.body = body
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        Client.opened.append(self.sock)
        head = (f"POST /v1/tensor HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: image/jpeg\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n")
        if expect_continue:
            head += "Expect: 100-continue\r\n"
        self.sock.sendall((head + "\r\n").encode())
        self.sent = 0

    def await_continue(self) -> None:
        """Returns once the service answered `100 Continue`: a request thread has read
        the headers and is waiting for the body."""
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = self.sock.recv(4096)
            assert chunk, f"the service closed the connection instead of 100 Continue: {received!r}"
            received += chunk
        status, rest = received.split(b"\r\n\r\n", 1)
        assert status.startswith(b"HTTP/1.1 100") and not rest, received

    def send(self, upto: int, chunk: int = 1 << 16) -> None:
        while self.sent < upto:
            self.sock.sendall(self.body[self.sent:min(upto, self.sent + chunk)])
            self.sent = min(upto, self.sent + chunk)

    def answered(self) -> bool:
        """Whether the service sent anything, or closed the connection, by now."""
        return bool(select.select([self.sock], [], [], 0)[0])

    def response(self, what: str = ""):
        """(status, headers, body), read until the service closes the connection."""
        received = b""
        while chunk := self.sock.recv(1 << 16):
            received += chunk
        self.sock.close()
        assert b"\r\n\r\n" in received, f"{what}: no HTTP response, the connection was closed: {received[:200]!r}"
        head, body = received.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        assert int(headers["content-length"]) == len(body), (headers, len(body))
        return int(lines[0].split()[1]), headers, body


@pytest.fixture(autouse=True)
def close_clients():
    """Closes every client socket a test opened, also when the test failed half-way,
    so that none is left open for a later test's ResourceWarning to fail it."""
    yield
    while Client.opened:
        Client.opened.pop().close()


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, f"not within {TIMEOUT} s: {what}"
        time.sleep(0.01)


def refuses_connections(port: int) -> bool:
    """Whether a new connection is turned away. A connection attempt that meets the
    listening socket while the service closes it is reset instead of refused (seen in
    CI); either way no listener takes it."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT).close()
    except (ConnectionRefusedError, ConnectionResetError):
        return True
    return False


def test_sigterm_finishes_requests_in_flight_and_refuses_new_ones(service_binary):
    large = [jpeg(1200, 1600, seed) for seed in range(3)]  # about 1.5 MB each
    small = jpeg(120, 160, seed=7)
    expected = {data: torchvision_e1(data) for data in [*large, small]}
    with serving_process(service_binary, E1, LIMITS) as (_, port, proc):
        uploading = []
        for i in range(THREADS):
            client = Client(port, large[i % len(large)], expect_continue=True)
            client.await_continue()
            client.send(len(client.body) // 2)
            uploading.append(client)
        queued = [Client(port, small, expect_continue=False) for _ in range(QUEUED)]
        for client in queued:
            client.send(len(small))
        wait_until(lambda: accept_queue(port) == 0, "the service accepts the queued connections")
        assert not any(client.answered() for client in queued), "a request thread was free: the test needs more uploads"

        proc.send_signal(signal.SIGTERM)
        wait_until(lambda: refuses_connections(port), "new connections are refused after SIGTERM")
        assert proc.poll() is None, f"the service exited ({proc.returncode}) with requests in flight"

        for client in uploading:
            client.send(len(client.body))
        for what, client in [("uploading", c) for c in uploading] + [("queued", c) for c in queued]:
            status, headers, body = client.response(what)
            assert status == 200, (what, status, body[:200])
            assert headers["x-pixelpact-shape"] == "1,3,224,224"
            assert_same(np.load(io.BytesIO(body)), expected[client.body])
        assert proc.wait(TIMEOUT) == 0, proc.stderr.read()


def test_a_stalled_upload_holds_the_shutdown_at_most_drain_s(service_binary):
    """A client that stops sending half-way through its body: after SIGTERM the
    service waits for it --drain-s seconds, then exits with status 1 saying why; a
    second signal ends the wait at once."""
    body = jpeg(120, 160, seed=1)
    for second_signal in [False, True]:
        with serving_process(service_binary, E1, ["--drain-s", 2 if not second_signal else 600]) as (_, port, proc):
            stalled = Client(port, body, expect_continue=True)
            stalled.await_continue()
            stalled.send(len(body) // 2)
            proc.send_signal(signal.SIGTERM)
            wait_until(lambda: refuses_connections(port), "new connections are refused after SIGTERM")
            if second_signal:
                proc.send_signal(signal.SIGINT)
            assert proc.wait(TIMEOUT) == 1
            reason = "a second signal" if second_signal else "connections still open after 2 s"
            assert f"{reason}: exiting now" in proc.stderr.read()
            stalled.sock.close()


def test_a_kept_alive_connection_is_answered_then_closed(service_binary):
    """A client keeping its connection alive across the signal: its next request is
    answered, with "Connection: close", so that the client closes the connection
    rather than the service waiting out httplib's keep-alive timeout (5 s) for another
    request on it before it exits."""
    import http.client

    body = jpeg(120, 160, seed=2)
    expected = torchvision_e1(body)
    with serving_process(service_binary, E1, []) as (_, port, proc):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        for signalled in [False, True]:
            if signalled:
                proc.send_signal(signal.SIGTERM)
                wait_until(lambda: refuses_connections(port), "new connections are refused after SIGTERM")
            connection.request("POST", "/v1/tensor", body, {"Content-Type": "image/jpeg"})
            response = connection.getresponse()
            assert response.status == 200
            assert_same(np.load(io.BytesIO(response.read())), expected)
            assert (response.getheader("Connection") == "close") == signalled
        connection.close()
        assert proc.wait(TIMEOUT) == 0, proc.stderr.read()

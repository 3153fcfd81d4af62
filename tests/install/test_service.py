"""The examples, built against the installed package: the HTTP service
(examples/service) fed real JPEG and PNG files over loopback, compared with the real
torchvision-on-Pillow pipeline applied to the same files (Image.open), and the plain
C example (examples/c) on a raw RGB file.

Decoder parity is measured twice: through the ResNet-50 contract (what a user sees)
and through an identity contract (HWC uint8, no steps), which returns the decoded
pixels themselves, so any difference is the decoder's, not the pipeline's."""
from __future__ import annotations

import io
import json
import struct
import subprocess
import time
import urllib.error
import urllib.request
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, features
from torchvision import transforms as T

import pixelpact
from helpers import CONTRACTS, assert_same
from helpers.service import serving

pytestmark = pytest.mark.build

MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]
E1 = CONTRACTS / "resnet50_imagenet_eval.json"
# Decoded pixels as the contract's input color BGRA (exercises the service's BGR and
# alpha decode paths), written out as HWC uint8 RGB: exactly Image.open(f).convert("RGB").
IDENTITY = {"pixelpact": 1, "name": "decoded-pixels", "input": {"color": "BGRA"}, "steps": [],
            "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}


def torchvision_e1(path: Path) -> np.ndarray:
    """The training pipeline the E1 contract states, on the file as Pillow opens it."""
    ref = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize(MEAN, STD)])
    return ref(Image.open(path).convert("RGB")).unsqueeze(0).numpy()


# ---------------------------------------------------------------- build and run


def post(base: str, data: bytes, content_type: str = "application/octet-stream", path: str = "/v1/tensor"):
    """Returns (status, headers, body)."""
    request = urllib.request.Request(base + path, data=data, method="POST", headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def tensor_of(base: str, path: Path) -> np.ndarray:
    status, headers, body = post(base, path.read_bytes(), "image/jpeg" if path.suffix == ".jpg" else "image/png")
    assert status == 200, body
    assert headers["Content-Type"] == "application/octet-stream"
    return np.load(io.BytesIO(body))


@pytest.fixture(scope="module")
def e1_service(service_binary):
    with serving(service_binary, E1) as (base, port):
        yield base, port


@pytest.fixture(scope="module")
def identity_service(service_binary, tmp_path_factory):
    contract = tmp_path_factory.mktemp("identity") / "identity.json"
    contract.write_text(json.dumps(IDENTITY))
    with serving(service_binary, contract) as (base, _):
        yield base


# ---------------------------------------------------------------- real files


def photo(height: int, width: int, seed: int) -> np.ndarray:
    """A photo-like RGB image: gradients, discs, fine texture and noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width] / np.array([height, width])[:, None, None]
    img = np.stack([60 + 150 * x, 40 + 180 * y, 200 - 120 * x * y], axis=-1)
    img += 30 * np.sin(40 * x + 25 * y)[..., None] + rng.normal(0, 12, img.shape)
    for _ in range(6):
        cy, cx, r = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.05, 0.3)
        img[(y - cy) ** 2 + (x - cx) ** 2 < r * r] = rng.uniform(0, 255, 3)
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def png_rgb16(path: Path, rgb16: np.ndarray) -> None:
    """A 16-bit RGB PNG written by hand (Pillow cannot write one)."""
    h, w, _ = rgb16.shape
    raw = b"".join(b"\x00" + rgb16[y].astype(">u2").tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


JPEG_SETTINGS = {  # name: Image.save keyword arguments (Pillow's libjpeg-turbo encodes)
    "q90-420": {"quality": 90},  # Pillow's default chroma subsampling is 4:2:0
    "q75-420": {"quality": 75, "subsampling": 2},
    "q95-422": {"quality": 95, "subsampling": 1},
    "q95-444": {"quality": 95, "subsampling": 0},
    "q50-420-progressive": {"quality": 50, "progressive": True},
    "q85-420-optimized": {"quality": 85, "optimize": True},
}
SIZES = [(480, 640), (333, 500), (97, 131), (17, 1023), (601, 29)]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Real JPEG and PNG files, encoded by Pillow; {name: path}."""
    d = tmp_path_factory.mktemp("uploads")
    out = {}
    for i, (h, w) in enumerate(SIZES):
        rgb = photo(h, w, seed=i)
        for name, options in JPEG_SETTINGS.items():
            out[f"{h}x{w}-{name}.jpg"] = d / f"{h}x{w}-{name}.jpg"
            Image.fromarray(rgb).save(out[f"{h}x{w}-{name}.jpg"], "JPEG", **options)
        gray = d / f"{h}x{w}-gray.jpg"
        Image.fromarray(rgb).convert("L").save(gray, "JPEG", quality=90)
        out[gray.name] = gray
        for mode in ["RGB", "RGBA", "L", "LA", "P", "1"]:
            img = Image.fromarray(rgb)
            if mode == "RGBA":
                img = img.copy()
                img.putalpha(Image.fromarray(photo(h, w, seed=99)[..., 0]))
            elif mode == "P":
                img = img.quantize(64)
            else:
                img = img.convert(mode)
            path = d / f"{h}x{w}-{mode}.png"
            img.save(path, "PNG")
            out[path.name] = path
        path = d / f"{h}x{w}-RGB16.png"
        png_rgb16(path, (photo(h, w, seed=i).astype(np.uint16) * 257 + np.uint16(i * 37)))
        out[path.name] = path
    return out


def jpegs(files):
    return {k: v for k, v in files.items() if k.endswith(".jpg")}


def pngs(files):
    return {k: v for k, v in files.items() if k.endswith(".png")}


# ---------------------------------------------------------------- tests


def test_reference_decoders_are_the_ones_measured():
    """docs/services.md's parity finding names these versions."""
    assert features.version("jpg") is not None and features.check_feature("libjpeg_turbo")
    assert Image.__version__.startswith("13.")


def test_service_headers_and_contract(e1_service, files):
    base, _ = e1_service
    status, headers, body = post(base, files["97x131-q90-420.jpg"].read_bytes(), "image/jpeg")
    assert status == 200, body
    assert headers["X-Pixelpact-Contract"] == "resnet50-imagenet-eval"
    assert headers["X-Pixelpact-Shape"] == "1,3,224,224"
    assert headers["X-Pixelpact-Dtype"] == "float32"
    assert headers["X-Pixelpact-Image-Size"] == "97x131"
    tensor = np.load(io.BytesIO(body))
    assert tensor.dtype == np.float32 and tensor.shape == (1, 3, 224, 224)
    with urllib.request.urlopen(base + "/v1/contract") as r:
        assert r.read().decode() == pixelpact.load(E1).canonical_json  # the canonical form it executes


def test_service_listens_on_loopback_only(e1_service):
    _, port = e1_service
    listening = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                 if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == port]
    assert [entry[1].split(":")[0] for entry in listening] == ["0100007F"], listening  # 127.0.0.1
    assert not [line for line in Path("/proc/net/tcp6").read_text().splitlines()[1:]
                if line.split()[3] == "0A" and int(line.split()[1].split(":")[1], 16) == port]


def test_png_through_service_equals_torchvision_on_pillow(e1_service, files):
    base, _ = e1_service
    for path in pngs(files).values():
        assert_same(tensor_of(base, path), torchvision_e1(path))


def test_jpeg_through_service_equals_torchvision_on_pillow(e1_service, files):
    """Debian's libjpeg-turbo (TurboJPEG, accurate IDCT, fancy upsampling) against
    the libjpeg-turbo in Pillow's wheel: the whole pipeline, bit for bit."""
    base, _ = e1_service
    for name, path in jpegs(files).items():
        got, expected = tensor_of(base, path), torchvision_e1(path)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        diff = np.abs(got.astype(np.float64) - expected)
        assert np.array_equal(got, expected), (
            f"{name}: {np.count_nonzero(diff)} of {diff.size} values differ, max |diff| {diff.max()}")


def test_decoded_pixels_equal_pillow(identity_service, files):
    """The decoders alone: the service's decoded pixels (through the BGRA path)
    against Image.open(file).convert("RGB"), for every file."""
    differing = {}
    for name, path in files.items():
        got = tensor_of(identity_service, path)
        expected = np.asarray(Image.open(path).convert("RGB"))
        assert got.shape == expected.shape and got.dtype == np.uint8, name
        if not np.array_equal(got, expected):
            d = np.abs(got.astype(int) - expected)
            differing[name] = (int(d.max()), float(np.count_nonzero(d)) / d.size)
    assert not differing, f"decoded pixels differ from Pillow's (max |diff|, fraction): {differing}"


def test_concurrent_requests_share_one_pipeline(e1_service, files):
    base, _ = e1_service
    chosen = [files[f"{h}x{w}-q90-420.jpg"] for h, w in SIZES] + [files[f"{h}x{w}-RGB.png"] for h, w in SIZES]
    expected = {p: torchvision_e1(p) for p in chosen}
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda p: (p, tensor_of(base, p)), chosen * 4))
    for path, got in results:
        assert_same(got, expected[path])


def test_multipart_upload(e1_service, files):
    base, _ = e1_service
    path = files["333x500-q95-444.jpg"]
    boundary = "pixelpact-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.jpg\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n").encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    status, _, data = post(base, body, f"multipart/form-data; boundary={boundary}")
    assert status == 200, data
    assert_same(np.load(io.BytesIO(data)), torchvision_e1(path))


def test_bad_uploads_are_400_with_a_message(e1_service, files, tmp_path):
    base, _ = e1_service
    jpeg = files["480x640-q90-420.jpg"].read_bytes()
    png = files["480x640-RGB.png"].read_bytes()
    huge = bytearray(jpeg)
    at = huge.find(b"\xff\xc0")
    huge[at + 5:at + 9] = (60000).to_bytes(2, "big") * 2  # a 60000x60000 header: refused before allocating
    huge = bytes(huge)
    cases = {
        "empty": (b"", "empty upload"),
        "text": (b"hello, world", "not a JPEG or PNG file"),
        "gif": (b"GIF89a" + bytes(100), "not a JPEG or PNG file"),
        "truncated jpeg": (jpeg[: len(jpeg) // 2], "cannot decode the JPEG"),
        "jpeg header only": (b"\xff\xd8\xff\xe0" + bytes(20), "JPEG"),
        "truncated png": (png[: len(png) // 2], "cannot decode the PNG"),
        "png signature only": (b"\x89PNG\r\n\x1a\n", "not a readable PNG"),
        "huge jpeg header": (huge, "max_intermediate_bytes"),
    }
    for what, (data, message) in cases.items():
        status, headers, body = post(base, data)
        assert status == 400, (what, status, body)
        assert message in body.decode(), (what, body)
    status, _, body = post(base, b"x" * 10000, "application/x-www-form-urlencoded")
    assert status == 413 and b"Content-Type: image/jpeg" in body


def _model(tmp_path, name, contract=None, baked=False):
    """A tiny ONNX model (1x3x224x224 -> 3 means), stamped with `contract`
    (pixelpact onnx stamp), or with it baked in (attach), or unstamped."""
    import onnx
    from onnx import TensorProto, helper

    import pixelpact.onnx as ppx

    graph = helper.make_graph([helper.make_node("ReduceMean", ["x"], ["y"], axes=[2, 3], keepdims=0)], "mean",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 224, 224])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    if contract is not None:
        model = ppx.attach(model, contract) if baked else ppx.stamp(model, contract)
    onnx.save(model, tmp_path / name)
    return tmp_path / name


def test_service_checks_the_model_it_feeds(service_binary, tmp_path):
    """--model: start only if the ONNX model was stamped with this very contract."""

    good = _model(tmp_path, "good.onnx", E1)
    proc = subprocess.Popen([str(service_binary), str(E1), "--port", "0", "--model", str(good)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert "on http://127.0.0.1:" in line, proc.stderr.read()
        base = "http://127.0.0.1:" + line.strip().rsplit(":", 1)[1]
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    break
            except OSError:
                assert time.monotonic() < deadline, "the service never became ready"
                time.sleep(0.05)
        status, headers, body = post(base, _png_bytes(), "image/png")
        assert status == 200 and headers["X-Pixelpact-Fingerprint"] == pixelpact.fingerprint(E1)
    finally:
        proc.terminate()
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()
    bgr = json.loads(E1.read_text())
    bgr["input"]["color"] = "BGR"
    cases = {
        "other contract": (_model(tmp_path, "other.onnx", bgr), "stamped with other preprocessing"),
        "baked in": (_model(tmp_path, "baked.onnx", E1, baked=True), "baked in"),
        "unstamped": (_model(tmp_path, "plain.onnx"), "carries no pixelpact contract"),
        "not onnx": (E1, "not an ONNX model"),
        "truncated": (tmp_path / "truncated.onnx", "not an ONNX model"),
        "missing": (tmp_path / "missing.onnx", "cannot open"),
    }
    (tmp_path / "truncated.onnx").write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    tampered = good.read_bytes().replace(b'"value":255', b'"value":256')
    assert tampered != good.read_bytes()
    (tmp_path / "tampered.onnx").write_bytes(tampered)
    cases["tampered"] = (tmp_path / "tampered.onnx", "inconsistent")
    for what, (model, message) in cases.items():
        result = subprocess.run([service_binary, E1, "--port", "0", "--model", model],
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 1, (what, result.stdout)
        assert "refusing to start" in result.stderr and message in result.stderr, (what, result.stderr)


def _png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(photo(61, 83, seed=2)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_service_refuses_a_bad_contract(service_binary, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"pixelpact": 1, "input": {"color": "RGB"}, "steps": [],
                               "output": {"layout": "NCHW", "dtype": "float64", "color": "RGB"}}))
    result = subprocess.run([service_binary, bad, "--port", "0"], capture_output=True, text=True,
                            timeout=30)
    assert result.returncode == 1 and "/output/dtype" in result.stderr


def test_gray_contract_and_exif_orientation(service_binary, files, tmp_path):
    """The library decodes for every input colour: a GRAY contract gets
    Image.open(f).convert("L"), and orientation "exif" turns the image upright."""
    from PIL import ImageOps

    gray = tmp_path / "gray.json"
    gray.write_text(json.dumps({**IDENTITY, "input": {"color": "GRAY", "decode": {"orientation": "exif"}}}))
    rotated = tmp_path / "rotated.jpg"
    with Image.open(files["97x131-q90-420.jpg"]) as im:
        exif = im.getexif()
        exif[0x0112] = 6
        im.save(rotated, "JPEG", quality=90, exif=exif.tobytes())
    with serving(service_binary, gray) as (base, _):
        for path in [files["97x131-q90-420.jpg"], files["97x131-RGB.png"], rotated]:
            got = tensor_of(base, path)
            expected = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("L"))
            assert_same(got, np.repeat(expected[..., None], 3, axis=2))


def test_c_example_on_a_raw_rgb_file(examples, tmp_path):
    rgb = photo(150, 201, seed=7)
    raw = tmp_path / "image.rgb"
    raw.write_bytes(rgb.tobytes())
    out = tmp_path / "tensor.npy"
    result = subprocess.run([examples / "pixelpact-run-raw", E1, raw, "150", "201", out], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "resnet50-imagenet-eval: 150x201 -> (1, 3, 224, 224) float32, 602112 bytes\n"
    ref = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(), T.Normalize(MEAN, STD)])
    assert_same(np.load(out), ref(Image.fromarray(rgb)).unsqueeze(0).numpy())

    result = subprocess.run([examples / "pixelpact-run-raw", E1, raw, "150", "200", out], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1 and "has more than 90000 bytes, 150x200x3 needs 90000" in result.stderr
    result = subprocess.run([examples / "pixelpact-run-raw", tmp_path / "missing.json", raw, "150", "201", out],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "cannot open contract file" in result.stderr

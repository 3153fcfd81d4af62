"""input.decode.orientation "exif": run_encoded turns the image upright exactly
as PIL.ImageOps.exif_transpose does, for all eight orientations, read from a
JPEG's APP1 EXIF block, a PNG's eXIf chunk, or the XMP packet Pillow falls back
to; "ignore" (the default) keeps the stored grid, as Image.open does."""
from __future__ import annotations

import struct

import numpy as np
import pytest

import pixelpact
from helpers import assert_same, noise
from helpers.encoded import require_decoders, exif_block, pillow_jpeg, png, reference_pixels



@pytest.fixture(autouse=True)
def _decoders():
    require_decoders()



def with_app1(jpeg: bytes, payload: bytes) -> bytes:
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def jpeg_with_orientation(orientation: int, little_endian=True, image=None) -> bytes:
    image = noise(23, 37, 3, seed=orientation) if image is None else image
    return with_app1(pillow_jpeg(image, quality=92), b"Exif\x00\x00" + exif_block(orientation, little_endian))


def png_with_orientation(orientation: int, *, after_idat=False) -> bytes:
    samples = noise(19, 29, 3, seed=orientation).astype(np.uint32)
    chunk = [(b"eXIf", exif_block(orientation, little_endian=False))]
    return png(samples, 2, 8, **({"chunks_after": chunk} if after_idat else {"chunks_before": chunk}))


def xmp_packet(orientation: int, attribute=True) -> bytes:
    body = (f'<rdf:Description tiff:Orientation="{orientation}"/>' if attribute
            else f"<tiff:Orientation>{orientation}</tiff:Orientation>")
    return f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>{body}</rdf:RDF></x:xmpmeta>'.encode()


def contract(orientation="exif", color="RGB", steps=()):
    return {"pixelpact": 1, "input": {"color": color, "decode": {"orientation": orientation}}, "steps": list(steps),
            "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}


EXIF = pixelpact.load(contract())
IGNORE = pixelpact.load(contract("ignore"))
RESIZE = pixelpact.load(contract(steps=[{"op": "resize", "size": [16, 24], "interpolation": "bilinear",
                                          "engine": "pillow"}]))


def check(data: bytes, pipe=EXIF, color="RGB") -> None:
    expected = pipe(reference_pixels(data, color, exif=True))
    assert_same(pipe.run_encoded(data), expected)
    assert pipe.encoded_info(data)["size"] == reference_pixels(data, color, exif=True).shape[:2]


@pytest.mark.parametrize("orientation", range(1, 9))
def test_jpeg_every_orientation(orientation):
    for little in (True, False):
        data = jpeg_with_orientation(orientation, little)
        check(data)
        check(data, RESIZE)
        info = EXIF.encoded_info(data)
        assert info["orientation"] == orientation and info["stored_size"] == (23, 37)
        assert info["size"] == ((37, 23) if orientation >= 5 else (23, 37))
        # "ignore": the stored grid, what Image.open gives.
        assert_same(IGNORE.run_encoded(data), IGNORE(reference_pixels(data, "RGB")))
        assert IGNORE.encoded_info(data)["orientation"] == 1


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("color", ["BGR", "RGBA", "GRAY"])
def test_every_orientation_every_colour(orientation, color):
    pipe = pixelpact.load(contract(color=color))
    check(jpeg_with_orientation(orientation), pipe, color)
    check(png_with_orientation(orientation), pipe, color)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_png_every_orientation(orientation):
    check(png_with_orientation(orientation))
    check(png_with_orientation(orientation, after_idat=True))


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_xmp_orientation_when_exif_has_none(orientation):
    base = pillow_jpeg(noise(21, 34, 3, seed=2), quality=90)
    for attribute in (True, False):
        data = with_app1(base, b"http://ns.adobe.com/xap/1.0/\x00" + xmp_packet(orientation, attribute))
        check(data)
    # EXIF wins over XMP.
    data = with_app1(with_app1(base, b"http://ns.adobe.com/xap/1.0/\x00" + xmp_packet(orientation)),
                     b"Exif\x00\x00" + exif_block(1))
    check(data)
    assert EXIF.encoded_info(data)["orientation"] == 1


@pytest.mark.parametrize("value", [0, 9, 65535])
def test_out_of_range_orientation_is_ignored(value):
    check(jpeg_with_orientation(value))


def test_broken_exif_is_no_orientation():
    base = pillow_jpeg(noise(21, 34, 3, seed=2), quality=90)
    for payload in (b"Exif\x00\x00", b"Exif\x00\x00II*\x00\xff\xff\xff\x7f", b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x05"):
        data = with_app1(base, payload)
        assert EXIF.encoded_info(data)["orientation"] == 1
        assert_same(EXIF.run_encoded(data), EXIF(reference_pixels(base, "RGB")))


def test_a_real_photo_turned():
    import skimage.data

    for orientation in (2, 5, 6, 7):
        check(jpeg_with_orientation(orientation, image=skimage.data.chelsea()), RESIZE)

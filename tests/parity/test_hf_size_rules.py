"""The Hugging Face size rules of the resize step (keep_ratio 'hf_shortest_longest',
'hf_yolos', 'hf_vilt', 'not_larger_truncated', multiple_of) give the output size that
transformers' own functions give, for thousands of (height, width, parameters):
1x1, 1xN, Nx1, primes, sides at and around the targets, extreme aspect ratios.
Where transformers' size has a side outside 1..1048576, the core refuses the image."""
from __future__ import annotations

import math

import pytest

import pixelpact

pytestmark = pytest.mark.slow  # thousands of sizes per rule

MAX_SIDE = 1 << 20

SIDES = sorted(set(range(1, 41)) | {53, 97, 127, 255, 256, 257, 383, 384, 385, 511, 517, 518, 519, 639, 640, 641,
                                    799, 800, 801, 1023, 1024, 1025, 1332, 1333, 1334, 1999, 4000, 4099, 10007,
                                    65537, 200003})
SHORTEST = [1, 2, 14, 16, 224, 384, 512, 640, 800]
LONGEST = [None, 1, 15, 640, 1000, 1333]


def _pairs():
    """(h, w): every pair of a 40-side grid of small sides, and each listed side against a few others."""
    small = [s for s in SIDES if s <= 40]
    pairs = {(h, w) for h in small[::3] for w in small[::3]}
    for s in SIDES:
        for t in (1, 2, 3, 37, 384, 800, 1333, 4099):
            pairs |= {(s, t), (t, s)}
    return sorted(pairs)


PAIRS = _pairs()


def _shape_of(resize: dict):
    pipe = pixelpact.load({"pixelpact": 1, "input": {"color": "RGB"},
                           "steps": [{"op": "resize", "engine": "torch", "interpolation": "nearest", **resize}],
                           "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}},
                          max_output_elements=0, max_intermediate_bytes=0)

    def shape(h, w):
        try:
            return pipe.output_shape(h, w)[:2]
        except ValueError as exc:
            assert "outside 1..1048576 pixels per side" in str(exc), exc
            return None
    return shape


def _check(resize: dict, expected) -> int:
    shape = _shape_of(resize)
    for h, w in PAIRS:
        want = tuple(int(v) for v in expected(h, w))
        if not all(1 <= v <= MAX_SIDE for v in want):
            want = None
        assert shape(h, w) == want, (resize, h, w, want)
    return len(PAIRS)


def test_enough_cases():
    assert len(PAIRS) * len(SHORTEST) * len(LONGEST) > 4000


@pytest.mark.parametrize("longest", LONGEST)
@pytest.mark.parametrize("shortest", SHORTEST)
def test_get_size_with_aspect_ratio(shortest, longest):
    from transformers.image_transforms import get_size_with_aspect_ratio

    resize = {"size": shortest, "keep_ratio": "hf_shortest_longest"} | ({"max_size": longest} if longest else {})
    _check(resize, lambda h, w: get_size_with_aspect_ratio((h, w), shortest, longest))


@pytest.mark.parametrize("longest", LONGEST)
@pytest.mark.parametrize("shortest", SHORTEST)
def test_yolos_size_with_mod_16(shortest, longest):
    from transformers.models.yolos.image_processing_yolos import get_size_with_aspect_ratio_yolos

    resize = {"size": shortest, "keep_ratio": "hf_yolos", "multiple_of": {"value": 16, "rounding": "floor"}}
    resize |= {"max_size": longest} if longest else {}
    _check(resize, lambda h, w: get_size_with_aspect_ratio_yolos((h, w), shortest, longest))


def test_yolos_without_mod():
    """The YOLOS rule alone (mod_size None) differs from get_size_with_aspect_ratio where a
    width smaller than the height already equals the size."""
    from transformers.image_transforms import get_size_with_aspect_ratio
    from transformers.models.yolos.image_processing_yolos import get_size_with_aspect_ratio_yolos

    _check({"size": 800, "keep_ratio": "hf_yolos", "max_size": 1333},
           lambda h, w: get_size_with_aspect_ratio_yolos((h, w), 800, 1333, mod_size=None))
    assert get_size_with_aspect_ratio((1400, 10), 10, 1333) != get_size_with_aspect_ratio_yolos((1400, 10), 10, 1333,
                                                                                              mod_size=None)


@pytest.mark.parametrize("divisor", [1, 32])
@pytest.mark.parametrize("longest", [1, 640, 1333])
@pytest.mark.parametrize("shortest", SHORTEST)
def test_vilt_bridgetower_size(shortest, longest, divisor):
    import numpy as np
    from transformers.models.bridgetower.image_processing_bridgetower import get_resize_output_image_size as bt
    from transformers.models.vilt.image_processing_pil_vilt import get_resize_output_image_size as vilt

    resize = {"size": shortest, "keep_ratio": "hf_vilt", "max_size": longest,
              "multiple_of": {"value": divisor, "rounding": "floor"}}
    _check(resize, lambda h, w: vilt(np.broadcast_to(np.uint8(0), (h, w, 1)), shortest, longest, divisor,
                                     input_data_format="channels_last"))
    import torch
    _check(resize, lambda h, w: bt(torch.empty((1, 1, 1)).expand(1, h, w), shortest, longest, divisor))


@pytest.mark.parametrize("box", [(1, 1), (1, 7), (224, 224), (1080, 1920), (1920, 1080), (1000, 1), (37, 4099)])
def test_max_height_width(box):
    from transformers.image_utils import get_image_size_for_max_height_width

    _check({"size": list(box), "keep_ratio": "not_larger_truncated"},
           lambda h, w: get_image_size_for_max_height_width((h, w), *box))


@pytest.mark.parametrize("divisor", [1, 2, 14, 32, 64])
def test_size_divisor_ceil_after_get_size_with_aspect_ratio(divisor):
    """MaskFormer / Mask2Former: int(math.ceil(side / divisor) * divisor) after the rule."""
    from transformers.image_transforms import get_size_with_aspect_ratio

    def expected(h, w):
        oh, ow = get_size_with_aspect_ratio((h, w), 800, 1333)
        return int(math.ceil(oh / divisor) * divisor), int(math.ceil(ow / divisor) * divisor)
    _check({"size": 800, "max_size": 1333, "keep_ratio": "hf_shortest_longest",
            "multiple_of": {"value": divisor, "rounding": "ceil"}}, expected)


@pytest.mark.parametrize("divisor", [1, 7, 32])
@pytest.mark.parametrize("edge", [1, 640, 800])
def test_textnet_shortest_edge_rounded_up(edge, divisor):
    """TextNet: torchvision's shorter-side rule, then each side rounded up to the divisor."""
    from transformers.image_transforms import get_resize_output_image_size

    def expected(h, w):
        import numpy as np

        oh, ow = get_resize_output_image_size(np.broadcast_to(np.uint8(0), (1, h, w)), edge, default_to_square=False,
                                              input_data_format="channels_first")
        return oh + (-oh) % divisor, ow + (-ow) % divisor
    _check({"size": edge, "multiple_of": {"value": divisor, "rounding": "ceil"}}, expected)


@pytest.mark.parametrize("divisor", [1, 3, 32])
def test_glpn_input_rounded_down(divisor):
    """GLPN: the input size itself, each side // divisor * divisor (0 is refused)."""
    _check({"multiple_of": {"value": divisor, "rounding": "floor"}},
           lambda h, w: (h // divisor * divisor, w // divisor * divisor))


@pytest.mark.parametrize("keep", [False, True])
@pytest.mark.parametrize("multiple", [1, 2, 14, 16, 32])
@pytest.mark.parametrize("box", [(1, 1), (21, 35), (384, 384), (518, 518), (480, 640), (1, 4099), (1333, 7)])
def test_dpt_keep_aspect_ratio_and_ensure_multiple_of(box, multiple, keep):
    """DPT / Depth Anything: round((out / in) * in / m) * m in doubles (halves to even),
    with keep_aspect_ratio the scale nearer to 1 for both sides. A side rounded to 0 is refused."""
    import torch
    from transformers.models.dpt.image_processing_dpt import get_resize_output_image_size

    def expected(h, w):
        out = get_resize_output_image_size(torch.empty((1, 1, 1)).expand(1, h, w), box, keep, multiple)
        return out.height, out.width
    _check({"size": list(box), "keep_ratio": "hf_dpt_keep" if keep else "hf_dpt",
            "multiple_of": {"value": multiple, "rounding": "round"}}, expected)


def test_dpt_ulp_decides_a_half():
    """(out / in) * in is not always out in doubles: with m = 2 and out = 21 the half
    rounds differently depending on that ulp; the core follows transformers."""
    import torch
    from transformers.models.dpt.image_processing_dpt import get_resize_output_image_size

    hits = [h for h in range(1, 2000) if (21 / h) * h != 21]
    assert hits
    shape = _shape_of({"size": [21, 21], "keep_ratio": "hf_dpt", "multiple_of": {"value": 2, "rounding": "round"}})
    for h in hits[:50]:
        out = get_resize_output_image_size(torch.empty((1, 1, 1)).expand(1, h, 5), (21, 21), False, 2)
        assert shape(h, 5) == (out.height, out.width), h


@pytest.mark.parametrize("size,crop", [((224, 224), (256, 256)), ((256, 128), (256, 256)), ((3, 17), (10, 10)),
                                       ((1, 2), (3, 3))])
def test_perceiver_crop_of_the_shorter_side(size, crop):
    """Perceiver's center_crop: int((size / crop_size) * min(h, w)) per side, as its
    processor computes it (a side of 0 is refused)."""
    import torch
    from transformers import PerceiverImageProcessor
    from transformers.image_processing_utils import SizeDict

    processor = PerceiverImageProcessor()
    fraction = [size[0] / crop[0], size[1] / crop[1]]
    pipe = pixelpact.load({"pixelpact": 1, "input": {"color": "RGB"},
                           "steps": [{"op": "center_crop", "fraction_of_shorter": fraction, "rule": "hf_torchvision"}],
                           "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}},
                          max_output_elements=0, max_intermediate_bytes=0)
    checked = 0
    for h, w in PAIRS:
        if max(h, w) > 5000:
            continue
        image = torch.zeros((1, 1, 1), dtype=torch.uint8).expand(3, h, w)
        try:
            want = tuple(processor.center_crop(image, SizeDict(height=size[0], width=size[1]),
                                               SizeDict(height=crop[0], width=crop[1])).shape[-2:])
        except (RuntimeError, ValueError):
            want = None
        if want is not None and min(want) < 1:
            want = None
        try:
            got = pipe.output_shape(h, w)[:2]
        except ValueError as exc:
            assert "outside 1..1048576 pixels per side" in str(exc), exc
            got = None
        assert got == want, (h, w, size, crop)
        checked += 1
    assert checked > 300


@pytest.mark.parametrize("size,min_size", [(384, 14), (384, 0), (1, 1), (50, 3), (1024, 200)])
def test_janus_longest_side_with_min_size(size, min_size, monkeypatch):
    """Janus / DeepSeek-VL: max(round(side * (size / longer)), min_size), computed by their
    resize (the backend's resize is replaced by one that returns the size it is given)."""
    import torch
    from transformers.image_processing_backends import TorchvisionBackend
    from transformers.image_processing_utils import SizeDict
    from transformers.models.janus.image_processing_janus import JanusImageProcessor

    monkeypatch.setattr(TorchvisionBackend, "resize", lambda self, image, size, **kw: (size.height, size.width))
    processor = JanusImageProcessor()
    rule = {"size": size, "keep_ratio": "hf_longest"} | ({"min_side": min_size} if min_size else {})
    box = SizeDict(height=size, width=size)
    _check(rule, lambda h, w: processor.resize(torch.empty((1, 1, 1)).expand(1, h, w), box, min_size, None))

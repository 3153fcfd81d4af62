"""pipe.geometry(height, width): the map between tensor and image pixels, checked
against where the real libraries put the pixels (torchvision crop/pad/center
crop on PIL, Ultralytics LetterBox), and against the C++ plan's output size."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from PIL import Image

import pixelpact


def contract(steps):
    return {"pixelpact": 1, "input": {"color": "RGB"}, "steps": steps,
            "output": {"layout": "HWC", "dtype": "uint8", "color": "RGB"}}


def marked(h, w, y, x):
    img = np.zeros((h, w, 3), np.uint8)
    img[y, x] = (200, 201, 202)
    return img


def find_mark(out):
    where = np.argwhere((out == (200, 201, 202)).all(axis=-1))
    return tuple(where[0]) if len(where) else None


@pytest.mark.parametrize("h,w", [(1, 1), (1, 9), (7, 1), (10, 13), (31, 17)])
def test_crop_pad_center_crop_follow_the_real_pixels(h, w):
    """Every input pixel that survives lands where geometry says (scale 1)."""
    import torchvision.transforms as T
    import torchvision.transforms.functional as F

    cases = [
        ([{"op": "pad", "padding": [2, 3, 1, 0], "fill": 9}, {"op": "center_crop", "size": [8, 5]}],
         T.Compose([T.Pad([2, 3, 1, 0], fill=9), T.CenterCrop((8, 5))])),
        ([{"op": "crop", "top": -2, "left": 1, "height": 6, "width": 12}],
         lambda im: F.crop(im, -2, 1, 6, 12)),
        ([{"op": "center_crop", "size": [15, 4]}, {"op": "pad", "padding": 1}],
         T.Compose([T.CenterCrop((15, 4)), T.Pad(1)])),
    ]
    for steps, tv in cases:
        pipe = pixelpact.load(contract(steps))
        g = pipe.geometry(h, w)
        assert g.scale == (1.0, 1.0)
        assert (1,) + g.output_size + (3,) == (1,) + pipe.output_shape(h, w)
        for y, x in itertools.product(range(h), range(w)):
            found = find_mark(np.asarray(tv(Image.fromarray(marked(h, w, y, x)))))
            oy, ox = y - g.offset[0], x - g.offset[1]
            inside = g.content[0] <= oy < g.content[2] and g.content[1] <= ox < g.content[3]
            assert found == ((oy, ox) if inside else None), (steps, y, x)


LETTERBOX = [((64, 64), False, 32, True), ((64, 48), True, 32, True), ((40, 72), True, 8, False),
             ((33, 33), False, 32, True)]


@pytest.mark.parametrize("h,w", [(1, 1), (3, 500), (480, 640), (640, 480), (100, 101), (37, 1000)])
def test_letterbox_geometry_is_ultralytics(h, w):
    """Scale = in / resized size, offset = -padding * scale; the content
    rectangle is where Ultralytics' LetterBox put the image, and maps back to
    the whole image."""
    from ultralytics.data.augment import LetterBox

    for (shape, auto, stride, center), scaleup in itertools.product(LETTERBOX, [True, False]):
        lb = LetterBox(shape, auto=auto, stride=stride, scaleup=scaleup, center=center)
        p = lb.get_params({"img": np.zeros((h, w, 3), np.uint8)})
        rw, rh = p["new_unpad"]
        g = pixelpact.load(contract([{"op": "letterbox", "size": list(shape), "auto": auto, "stride": stride,
                                      "scaleup": scaleup, "center": center, "engine": "pillow"}])).geometry(h, w)
        real = lb(image=np.full((h, w, 3), 7, np.uint8))
        assert g.output_size == real.shape[:2]
        rows = np.flatnonzero((real[..., 0] == 7).any(axis=1))
        cols = np.flatnonzero((real[..., 0] == 7).any(axis=0))
        assert g.content == (rows[0], cols[0], rows[-1] + 1, cols[-1] + 1) == (p["top"], p["left"],
                                                                               p["top"] + rh, p["left"] + rw)
        assert g.scale == (h / rh, w / rw)
        assert g.offset == (-p["top"] * (h / rh), -p["left"] * (w / rw))
        np.testing.assert_allclose(g.to_input([g.content[1], g.content[0], g.content[3], g.content[2]]),
                                   [0, 0, w, h], rtol=0, atol=1e-9)
        np.testing.assert_allclose(g.to_output(g.to_input([[1.5, 2.0, 30.25, 40.0]])), [[1.5, 2.0, 30.25, 40.0]],
                                   rtol=1e-12)


def test_letterbox_without_resampling_moves_pixels_as_ultralytics():
    from ultralytics.data.augment import LetterBox

    h, w = 13, 21
    lb = LetterBox((32, 40), auto=False, scaleup=False)
    g = pixelpact.load(contract([{"op": "letterbox", "size": [32, 40], "scaleup": False,
                                  "engine": "pillow"}])).geometry(h, w)
    for y, x in [(0, 0), (12, 20), (5, 7)]:
        assert find_mark(lb(image=marked(h, w, y, x))) == (y - g.offset[0], x - g.offset[1])


def test_resize_then_crop_geometry():
    """Resize 480x640 -> shorter 256 (256x341), crop 224 at (16, 58)."""
    g = pixelpact.load(contract([{"op": "resize", "size": 256, "interpolation": "bilinear", "engine": "pillow"},
                                 {"op": "center_crop", "size": 224}])).geometry(480, 640)
    assert g.output_size == (224, 224) and g.input_size == (480, 640)
    assert g.scale == (480 / 256, 640 / 341)
    assert g.offset == (16 * (480 / 256), 58 * (640 / 341))
    assert g.content == (0, 0, 224, 224)


def test_geometry_errors():
    pipe = pixelpact.load(contract([{"op": "center_crop", "size": 4}]))
    with pytest.raises(ValueError, match="positive"):
        pipe.geometry(0, 3)


@pytest.mark.parametrize("h,w", [(1, 1), (3, 500), (480, 640), (640, 480), (100, 101), (37, 1000), (721, 1280)])
def test_boxes_map_back_like_ultralytics_scale_boxes(h, w):
    """Geometry.to_input equals ultralytics.utils.ops.scale_boxes (the predictor's
    box mapping: per-axis gain of the rounded resized size, centred padding) for
    boxes inside the image, up to float rounding of its different operation order."""
    import torch
    from ultralytics.utils.ops import scale_boxes

    rng = np.random.default_rng(h * w)
    for shape, auto, stride in [((640, 640), False, 32), ((640, 640), True, 32), ((320, 480), False, 32),
                                ((96, 96), True, 16)]:
        g = pixelpact.load(contract([{"op": "letterbox", "size": list(shape), "auto": auto, "stride": stride,
                                      "engine": "pillow"}])).geometry(h, w)
        y0, x0, y1, x1 = g.content
        xs = np.sort(rng.uniform(x0, x1, (50, 2)), axis=1)
        ys = np.sort(rng.uniform(y0, y1, (50, 2)), axis=1)
        boxes = np.stack([xs[:, 0], ys[:, 0], xs[:, 1], ys[:, 1]], axis=1)
        theirs = scale_boxes(g.output_size, torch.from_numpy(boxes.copy()), (h, w)).numpy()
        np.testing.assert_allclose(np.clip(g.to_input(boxes), 0, [w, h, w, h]), theirs, rtol=1e-12, atol=1e-9)

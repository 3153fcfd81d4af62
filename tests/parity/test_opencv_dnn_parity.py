"""cv2.dnn's geometry as contracts: blobFromImage(crop=True) is letterbox rule
'blob_crop' (resize at the float cover factor, centred crop) and
blobFromImageWithParams' letterbox mode is rule 'blob' (float fit factor,
truncated sides, padding with borderValue), both followed by the blob arithmetic
(sub mean, mul scale in blob channel order, NCHW float32)."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

import pixelpact
from helpers import assert_same, noise

SIZES = [(1, 1), (1, 9), (9, 1), (13, 11), (31, 17), (4, 97), (120, 3), (333, 500), (480, 640), (224, 224),
         (97, 131)]
TARGETS = [(224, 224), (40, 30), (30, 40), (1, 1), (7, 300)]
MEAN = (104.0, 117.0, 123.0)


@pytest.fixture(autouse=True)
def one_thread():
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    yield
    cv2.setNumThreads(threads)


def _contract(rule, hw, fill=None, swap=False, scale=1 / 255):
    step = {"op": "letterbox", "size": list(hw), "rule": rule}
    if fill is not None:
        step["fill"] = fill
    mean = list(MEAN)  # cv2.dnn indexes mean (and scale) in blob channel order, after swapRB
    return {"pixelpact": 1, "input": {"color": "BGR"},
            "steps": [step, {"op": "to_float", "dtype": "float32"}, {"op": "sub", "value": mean},
                      {"op": "mul", "value": scale}],
            "output": {"layout": "NCHW", "dtype": "float32", "color": "RGB" if swap else "BGR"}}


@pytest.mark.parametrize("target", TARGETS, ids=[f"{h}x{w}" for h, w in TARGETS])
@pytest.mark.parametrize("swap", [False, True])
def test_blob_crop_mode(target, swap):
    pipe = pixelpact.load(_contract("blob_crop", target, swap=swap))
    for h, w in SIZES:
        img = noise(h, w, seed=h * 7 + w)
        expected = cv2.dnn.blobFromImage(img, 1 / 255, (target[1], target[0]), MEAN, swapRB=swap, crop=True)
        assert_same(pipe(img), expected)


@pytest.mark.parametrize("target", TARGETS, ids=[f"{h}x{w}" for h, w in TARGETS])
@pytest.mark.parametrize("border", [0, 114])
def test_blob_letterbox_mode(target, border):
    pipe = pixelpact.load(_contract("blob", target, fill=border))
    for h, w in SIZES:
        img = noise(h, w, seed=h * 5 + w)
        params = cv2.dnn.Image2BlobParams()
        params.scalefactor = (1 / 255,) * 3
        params.size = (target[1], target[0])
        params.mean = MEAN
        params.swapRB = False
        params.ddepth = cv2.CV_32F
        params.datalayout = cv2.DNN_LAYOUT_NCHW
        params.paddingmode = cv2.dnn.DNN_PMODE_LETTERBOX
        params.borderValue = (border,) * 4
        try:
            expected = cv2.dnn.blobFromImageWithParams(img, params)
        except cv2.error:  # a side truncates to 0 pixels: cv2.resize refuses, and so must the contract
            with pytest.raises(ValueError, match="letterbox"):
                pipe(img)
            continue
        assert_same(pipe(img), expected)


def test_blob_rules_reject_ultralytics_options():
    for key, value in [("auto", True), ("stride", 8), ("scaleup", False), ("center", False),
                       ("interpolation", "bilinear"), ("engine", "opencv")]:
        doc = _contract("blob", (40, 30))
        doc["steps"][0][key] = value
        with pytest.raises(pixelpact.ContractError) as info:
            pixelpact.load(doc)
        assert info.value.path == f"/steps/0/{key}"
    doc = _contract("blob_crop", (40, 30), fill=0)
    with pytest.raises(pixelpact.ContractError) as info:
        pixelpact.load(doc)
    assert info.value.path == "/steps/0/fill"

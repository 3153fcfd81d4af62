"""Every image processor class of the installed transformers (both backends), built
with its defaults, is either bit-exact against its imported contract on real photos
and odd sizes, or refused with a precise reason (or cannot be run by transformers
itself with its defaults) -- never silently different. docs/huggingface.md holds the
measured table; this test fails when it drifts."""
from __future__ import annotations

import pytest
import torch

import pixelpact
from helpers import ROOT
from helpers.hf_coverage import (BEGIN, END, README_BEGIN, README_END, all_outcomes, backend_of, processor_classes,
                                 readme_summary, tables)

pytestmark = pytest.mark.slow  # every processor class: the fast subset leaves it out

DOC = ROOT / "docs" / "huggingface.md"


@pytest.fixture(scope="module")
def outcomes():
    """The float resizes (DINOv3ViT, DepthPro) are contracts for torch's multi-threaded CPU kernels."""
    from transformers.utils import logging

    logging.set_verbosity_error()
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        yield all_outcomes()
    finally:
        torch.set_num_threads(before)


def test_every_class_is_exact_or_refused(outcomes):
    """all_outcomes() raises on any difference; here: the walk saw every class and the
    refusals carry reasons."""
    assert len(outcomes) == len(processor_classes()) > 200
    for o in outcomes:
        assert o.kind in ("exact", "refused", "cannot run"), o
        assert o.kind == "exact" or len(o.detail) > 15, o
    exact = [o for o in outcomes if o.kind == "exact"]
    assert len(exact) >= 100, len(exact)
    assert {o.backend for o in exact} == {"torchvision", "pil"}


def test_out_of_scope_reasons(outcomes):
    by_name = {o.name: o for o in outcomes}
    for name in ("Qwen2VLImageProcessor", "LlavaNextImageProcessorPil", "Idefics3ImageProcessor",
                 "PixtralImageProcessor", "Siglip2ImageProcessor"):
        assert "dynamic-resolution patching is out of scope for contract v1" in by_name[name].detail
    for name in ("LayoutLMv2ImageProcessor", "LayoutLMv3ImageProcessorPil"):
        assert by_name[name].detail.startswith("OCR-driven")
    for name in ("DetrImageProcessor", "DetrImageProcessorPil", "YolosImageProcessor", "Mask2FormerImageProcessor",
                 "GroundingDinoImageProcessorPil", "ViltImageProcessor", "GLPNImageProcessorPil"):
        assert by_name[name].kind == "exact", by_name[name]


def test_the_walk_can_fail(monkeypatch):
    """A contract that is one ulp off is caught."""
    from helpers import hf_coverage

    real = pixelpact.from_hf

    def off(processor, *args, **kwargs):
        doc = real(processor, *args, **kwargs)
        doc["steps"].append({"op": "add", "value": 1e-6})
        return doc

    monkeypatch.setattr(pixelpact, "from_hf", off)
    with pytest.raises(AssertionError, match="values differ"):
        hf_coverage.outcome("CLIPImageProcessorPil", processor_classes()["CLIPImageProcessorPil"])


def test_docs_table_is_the_measured_one(outcomes):
    text = DOC.read_text(encoding="utf-8")
    assert BEGIN in text and END in text
    documented = text[text.index(BEGIN):text.index(END) + len(END)]
    assert documented == tables(outcomes), "docs/huggingface.md is stale: regenerate with python tests/helpers/hf_coverage.py"


def test_readme_summary_is_the_measured_one(outcomes):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert README_BEGIN in text and README_END in text
    documented = text[text.index(README_BEGIN):text.index(README_END) + len(README_END)]
    assert documented == readme_summary(outcomes), \
        "README.md is stale: regenerate with python tests/helpers/hf_coverage.py"


def test_backend_twins_agree():
    """from_hf(X(), backend=other) is the contract (or the refusal) of X's other-backend
    class with the same settings, for every class that has a twin."""
    classes = processor_classes()
    pairs = [(name, name + "Pil") for name in classes if name + "Pil" in classes]
    assert len(pairs) > 80
    for tv_name, pil_name in pairs:
        tv, pil = classes[tv_name], classes[pil_name]
        if backend_of(tv) != "torchvision" or backend_of(pil) != "pil":
            continue
        for own, other, backend in ((tv, pil, "pil"), (pil, tv, "torchvision")):
            try:
                expected = pixelpact.from_hf(other())
            except (pixelpact.UnsupportedTransform, TypeError) as exc:
                expected = type(exc)
            try:
                got = pixelpact.from_hf(own(), backend=backend)
            except (pixelpact.UnsupportedTransform, TypeError) as exc:
                got = type(exc)
            if isinstance(expected, dict) and isinstance(got, dict):
                assert got["steps"] == expected["steps"] and got["output"] == expected["output"], own.__name__
                assert got["description"].startswith(expected["description"].split(" (")[0])
            else:
                assert got == expected, (own.__name__, backend, got, expected)


def test_settings_changed_one_at_a_time(outcomes):
    """Each exact class with one setting changed (crop, no resize, no rescale, other mean/std,
    filter, size form, padding, and each of its own settings): still exact, or refused --
    never different."""
    from helpers.hf_coverage import variant_outcome, variants

    classes = processor_classes()
    seen = {"exact": 0, "refused": 0, "invalid": 0}
    for o in outcomes:
        if o.kind == "exact":
            for settings in variants(classes[o.name]):
                seen[variant_outcome(o.name, classes[o.name], settings)] += 1
    assert seen["exact"] > 500 and seen["refused"] > 50, seen

"""pixelpact.from_hf: the ways in (legacy preprocessor_config.json, AutoImageProcessor's
backend choice, the other backend of an object), input colors, settings beyond the
defaults, and refusals. References are the real transformers processors, run on real
photos, hostile noise sizes and odd sizes; np.array_equal with dtype and shape."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

import pixelpact
from helpers import assert_same, noise
from helpers.hf_coverage import photos

pytestmark = pytest.mark.slow  # every processor class: the fast subset leaves it out

SIZES = [(1, 1), (1, 7), (9, 1), (13, 11), (31, 17), (4, 97), (120, 3), (333, 500)]

# preprocessor_config.json files shaped like the published ones (feature_extractor_type, no
# image_processor_type): openai/clip-vit-base-patch32, google/vit-base-patch16-224,
# microsoft/swin-tiny-patch4-window7-224, microsoft/resnet-50, facebook/deit-base-distilled-patch16-224,
# nvidia/segformer-b0-finetuned-ade-512-512, facebook/detr-resnet-50.
IMAGENET = {"image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225]}
LEGACY = {
    "clip-vit-base-patch32": {"crop_size": 224, "do_center_crop": True, "do_normalize": True, "do_resize": True,
                              "feature_extractor_type": "CLIPFeatureExtractor",
                              "image_mean": [0.48145466, 0.4578275, 0.40821073],
                              "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3, "size": 224},
    "vit-base-patch16-224": {"do_normalize": True, "do_resize": True, "feature_extractor_type": "ViTFeatureExtractor",
                             "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5], "resample": 2, "size": 224},
    "swin-tiny-patch4-window7-224": {"do_normalize": True, "do_resize": True, **IMAGENET,
                                     "feature_extractor_type": "ViTFeatureExtractor", "resample": 3, "size": 224},
    "resnet-50": {"crop_pct": 0.875, "do_normalize": True, "do_resize": True, **IMAGENET,
                  "feature_extractor_type": "ConvNextFeatureExtractor", "resample": 3, "size": 224},
    "deit-base-distilled-patch16-224": {"crop_size": 224, "do_center_crop": True, "do_normalize": True,
                                        "do_resize": True, "feature_extractor_type": "DeiTFeatureExtractor",
                                        **IMAGENET, "resample": 3, "size": 256},
    "segformer-b0-finetuned-ade-512-512": {"do_normalize": True, "do_resize": True, **IMAGENET,
                                           "feature_extractor_type": "SegformerFeatureExtractor",
                                           "reduce_labels": True, "resample": 2, "size": 512},
    "detr-resnet-50": {"do_normalize": True, "do_resize": True, "feature_extractor_type": "DetrFeatureExtractor",
                       "format": "coco_detection", **IMAGENET, "max_size": 1333, "size": 800},
}
EXACT_LEGACY = list(LEGACY)
# depth-anything/Depth-Anything-V2-Small-hf and facebook/detr-resnet-50 (a modern config)
DEPTH_ANYTHING_V2 = {"do_normalize": True, "do_pad": False, "do_rescale": True, "do_resize": True,
                     "ensure_multiple_of": 14, **IMAGENET, "image_processor_type": "DPTImageProcessor",
                     "keep_aspect_ratio": True, "resample": 3, "rescale_factor": 0.00392156862745098,
                     "size": {"height": 518, "width": 518}, "size_divisor": None}
DETR = {"do_convert_annotations": True, "do_normalize": True, "do_pad": True, "do_rescale": True, "do_resize": True,
        "format": "coco_detection", **IMAGENET, "image_processor_type": "DetrImageProcessor", "resample": 2,
        "rescale_factor": 0.00392156862745098, "size": {"longest_edge": 1333, "shortest_edge": 800}}


@pytest.fixture(autouse=True)
def quiet_transformers():
    from transformers.utils import logging

    before = logging.get_verbosity()
    logging.set_verbosity_error()
    yield
    logging.set_verbosity(before)


def images():
    """Real photos and odd sizes, then hostile noise sizes."""
    return [img for _, img in photos()] + [noise(h, w, seed=5) for h, w in SIZES]


def run(processor, img, mode=None):
    pil = Image.fromarray(img, mode) if mode else Image.fromarray(img)
    out = processor(pil, return_tensors="pt")
    return (out["pixel_values"] if hasattr(out, "keys") else out).numpy()


def assert_exact(contract, processor, imgs=None, mode=None, frames=False):
    pipe = pixelpact.load(contract)
    for img in images() if imgs is None else imgs:
        try:
            expected = run(processor, img if mode != "BGR" else img[..., ::-1].copy(), None if mode == "BGR" else mode)
        except (RuntimeError, ValueError):  # a side rounded to 0 (transformers raises): so does the contract
            with pytest.raises(ValueError, match="outside 1..1048576 pixels per side"):
                pipe(img)
            continue
        assert_same(pipe(img), expected[:, 0] if frames else expected)


def auto(folder, backend=None):
    from transformers import AutoImageProcessor

    return AutoImageProcessor.from_pretrained(folder, backend=backend, local_files_only=True)


def write(folder, config):
    path = folder / "preprocessor_config.json"
    path.write_text(json.dumps(config))
    return path


# ---- legacy configs and AutoImageProcessor's backend --------------------------------------------

@pytest.mark.parametrize("backend", [None, "torchvision", "pil"])
@pytest.mark.parametrize("name", EXACT_LEGACY)
def test_legacy_config_is_autoimageprocessor(name, backend, tmp_path):
    """feature_extractor_type configs: the class and backend AutoImageProcessor builds from the
    folder, reproduced bit for bit; the dict, the file and the folder give the same contract."""
    path = write(tmp_path, LEGACY[name])
    reference = auto(tmp_path, backend)
    contract = pixelpact.from_hf(tmp_path, backend=backend)
    assert contract == pixelpact.from_hf(path, backend=backend) == pixelpact.from_hf(LEGACY[name], backend=backend)
    assert f" {type(reference).__name__} ({reference.backend} backend" in contract["description"]
    assert contract["name"].endswith("-" + reference.backend)
    assert_exact(contract, reference)


def test_default_backend_is_autoimageprocessors(tmp_path):
    """Without backend=, the contract is for the processor AutoImageProcessor gives (torchvision
    when it is installed), not for the other backend, whose pixels differ."""
    write(tmp_path, LEGACY["clip-vit-base-patch32"])
    reference = auto(tmp_path)
    assert reference.backend == "torchvision"  # torchvision is installed here
    contract = pixelpact.from_hf(tmp_path)
    assert contract == pixelpact.from_hf(tmp_path, backend="torchvision")
    other = pixelpact.from_hf(tmp_path, backend="pil")
    img = photos()[0][1]
    assert not np.array_equal(pixelpact.load(other)(img), run(reference, img))  # the quiet wrong answer
    assert_same(pixelpact.load(contract)(img), run(reference, img))


@pytest.mark.parametrize("config", [DEPTH_ANYTHING_V2, DETR, LEGACY["detr-resnet-50"]])
def test_detection_and_depth_configs(config, tmp_path):
    """Depth Anything V2 (keep_aspect_ratio, ensure_multiple_of 14) and DETR (shortest_edge 800 +
    longest_edge 1333; the legacy config's size 800 and max_size 1333 map to the same), both
    backends; DETR's description says what its batch padding does."""
    write(tmp_path, config)
    for backend in (None, "pil"):
        reference = auto(tmp_path, backend)
        contract = pixelpact.from_hf(config, backend=backend)
        assert_exact(contract, reference)
        if "Detr" in type(reference).__name__:
            assert "padded bottom/right to its largest image" in contract["description"]
            assert contract["steps"][0]["keep_ratio"] == "hf_shortest_longest"


@pytest.mark.parametrize("config", [
    {"image_processor_type": "CLIPImageProcessorFast", "size": {"shortest_edge": 40}, "crop_size": 33},
    {"image_processor_type": "ViTImageProcessor", "size": {"height": 31, "width": 45}},
    {"image_processor_type": "SiglipImageProcessor", "use_fast": False},
])
def test_modern_configs(config, tmp_path):
    write(tmp_path, config)
    for backend in (None, "pil"):
        assert_exact(pixelpact.from_hf(config, backend=backend), auto(tmp_path, backend))


def test_a_missing_backend_is_refused_not_replaced(tmp_path):
    """Sam2 has no PIL class: AutoImageProcessor would quietly fall back to torchvision."""
    config = {"image_processor_type": "Sam2ImageProcessor"}
    write(tmp_path, config)
    assert auto(tmp_path, "pil").backend == "torchvision"
    with pytest.raises(pixelpact.UnsupportedTransform, match="no pil backend"):
        pixelpact.from_hf(tmp_path, backend="pil")
    with pytest.raises(pixelpact.UnsupportedTransform, match="no pil backend"):
        pixelpact.from_hf(auto(tmp_path), backend="pil")
    assert_exact(pixelpact.from_hf(config), auto(tmp_path), imgs=[photos()[1][1], noise(7, 3)])


# ---- a processor object of the other backend -----------------------------------------------------

@pytest.mark.parametrize("name,settings", [
    ("CLIPImageProcessor", {"size": {"shortest_edge": 20}, "crop_size": {"height": 31, "width": 17}}),
    ("ConvNextImageProcessor", {"size": {"shortest_edge": 224}, "crop_pct": 0.95}),
    ("EfficientNetImageProcessor", {"rescale_offset": True, "rescale_factor": 1 / 127.5, "include_top": False}),
    ("MobileViTImageProcessor", {}),
    ("VideoMAEImageProcessor", {}),
])
def test_other_backend_of_an_object(name, settings):
    """from_hf(processor, backend=other) states the other backend's class with the object's settings."""
    import transformers

    tv, pil = getattr(transformers, name)(**settings), getattr(transformers, name + "Pil")(**settings)
    frames = name == "VideoMAEImageProcessor"
    to_pil = pixelpact.from_hf(tv, backend="pil")
    to_tv = pixelpact.from_hf(pil, backend="torchvision")
    assert to_pil["steps"] == pixelpact.from_hf(pil)["steps"] and to_tv["steps"] == pixelpact.from_hf(tv)["steps"]
    assert "(pil backend; rebuilt from a" in to_pil["description"]
    assert_exact(to_pil, pil, frames=frames)
    assert_exact(to_tv, tv, frames=frames)


# ---- settings beyond the defaults ---------------------------------------------------------------

CASES = [
    ("CLIPImageProcessor", {"size": {"shortest_edge": 20}, "crop_size": {"height": 31, "width": 17}, "resample": 2}),
    ("CLIPImageProcessor", {"size": {"height": 19, "width": 40}, "do_center_crop": False, "resample": 0}),
    ("CLIPImageProcessor", {"resample": 1, "do_normalize": False}),
    ("ViTImageProcessor", {"resample": 3, "do_rescale": False}),
    ("ViTImageProcessor", {"size": {"shortest_edge": 30}, "do_normalize": False, "do_rescale": False}),
    ("ConvNextImageProcessor", {"size": {"shortest_edge": 224}}),
    ("ConvNextImageProcessor", {"size": {"shortest_edge": 37}, "crop_pct": 0.5, "do_center_crop": True,
                                "crop_size": {"height": 40, "width": 21}}),
    ("LevitImageProcessor", {"size": {"height": 33, "width": 18}}),
    ("PoolFormerImageProcessor", {"size": {"height": 40, "width": 30}, "crop_size": {"height": 36, "width": 28}}),
    ("PoolFormerImageProcessor", {"size": {"shortest_edge": 57}, "crop_pct": 0.77}),
    ("EfficientNetImageProcessor", {"rescale_offset": True, "rescale_factor": 1 / 127.5}),
    ("EfficientNetImageProcessor", {"do_center_crop": True, "include_top": False}),
    ("MobileViTImageProcessor", {"do_flip_channel_order": False, "crop_size": {"height": 300, "width": 20}}),
    ("MobileNetV2ImageProcessor", {"size": {"shortest_edge": 21}}),
    ("SegformerImageProcessor", {"do_center_crop": True, "crop_size": {"height": 7, "width": 7}}),
    ("Gemma3ImageProcessor", {"size": {"height": 29, "width": 61}, "image_mean": [0.1, 0.2, 0.3]}),
    ("DPTImageProcessor", {"ensure_multiple_of": 32, "size": {"height": 384, "width": 320}, "do_pad": True,
                           "size_divisor": 32}),
    ("RTDetrImageProcessor", {"do_pad": True, "pad_size": {"height": 700, "width": 650}}),
    ("RTDetrImageProcessor", {"do_normalize": True, "size": {"height": 50, "width": 70}}),
    ("BlipImageProcessor", {"do_pad": True, "pad_size": {"height": 384, "width": 384}}),
    ("CLIPImageProcessor", {"size": {"shortest_edge": 30, "longest_edge": 41}, "do_center_crop": False}),
    ("ViTImageProcessor", {"size": {"max_height": 40, "max_width": 23}}),
    ("DetrImageProcessor", {"size": {"shortest_edge": 35, "longest_edge": 40}}),
    ("DetrImageProcessor", {"size": {"max_height": 33, "max_width": 64}}),
    ("DetrImageProcessor", {"size": {"height": 31, "width": 20}, "do_normalize": False,
                            "pad_size": {"height": 40, "width": 50}}),
    ("YolosImageProcessor", {"size": {"shortest_edge": 48, "longest_edge": 77}}),
    ("ConditionalDetrImageProcessor", {"size": {"height": 31, "width": 20}}),
    ("MaskFormerImageProcessor", {"size_divisor": 7, "size": {"shortest_edge": 30, "longest_edge": 64}}),
    ("Mask2FormerImageProcessor", {"size_divisor": 0}),
    ("ViltImageProcessor", {"size": {"shortest_edge": 50}, "size_divisor": 3}),
    ("BridgeTowerImageProcessor", {"size": {"shortest_edge": 40}, "crop_size": {"shortest_edge": 33}}),
    ("GLPNImageProcessor", {"size_divisor": 3, "do_normalize": True, "image_mean": [0.5, 0.4, 0.3],
                            "image_std": [0.2, 0.3, 0.4]}),
    ("TextNetImageProcessor", {"size": {"shortest_edge": 37}, "size_divisor": 5}),
    ("DPTImageProcessor", {"keep_aspect_ratio": True, "ensure_multiple_of": 14, "size": {"height": 46, "width": 30}}),
    ("DPTImageProcessor", {"ensure_multiple_of": 4, "size": {"height": 30, "width": 42}}),
    ("JanusImageProcessor", {"size": {"height": 50, "width": 50}, "min_size": 3, "image_mean": [0.1, 0.9, 0.5]}),
    ("JanusImageProcessor", {"size": {"height": 37, "width": 37}, "do_pad": False, "resample": 2}),
    ("DeepseekVLImageProcessor", {"min_size": 0, "size": {"height": 64, "width": 64}}),
]


@pytest.mark.parametrize("backend", ["torchvision", "pil"])
@pytest.mark.parametrize("name,settings", CASES)
def test_settings(name, settings, backend):
    import transformers

    processor = getattr(transformers, name + ("Pil" if backend == "pil" else ""))(**settings)
    assert_exact(pixelpact.from_hf(processor), processor)


@pytest.mark.parametrize("settings", [{}, {"size": {"height": 40, "width": 30}, "crop_size": {"height": 37, "width": 50}},
                                      {"size": {"height": 33, "width": 90}, "crop_size": {"height": 100, "width": 70},
                                       "resample": 2}])
def test_perceiver_crop_of_the_shorter_side(settings):
    """Perceiver crops int((size / crop_size) * min(h, w)) per side before its resize. Its PIL
    class is refused: on a thin image the crop is empty and Pillow resizes that to black."""
    import transformers

    processor = transformers.PerceiverImageProcessor(**settings)
    contract = pixelpact.from_hf(processor)
    assert contract["steps"][0]["op"] == "center_crop" and "fraction_of_shorter" in contract["steps"][0]
    assert_exact(contract, processor)
    with pytest.raises(pixelpact.UnsupportedTransform, match="Pillow resizes an empty image to black"):
        pixelpact.from_hf(transformers.PerceiverImageProcessorPil(**settings))
    assert_exact(pixelpact.from_hf(transformers.PerceiverImageProcessorPil(do_center_crop=False, **settings)),
                 transformers.PerceiverImageProcessorPil(do_center_crop=False, **settings))


def test_settings_assigned_after_construction():
    """An int or list assigned to a processor later is read as its call reads it (get_size_dict)."""
    import transformers

    for cls, size, crop in ((transformers.CLIPImageProcessor, 40, 33), (transformers.ViTImageProcessorPil, 27, None)):
        processor = cls()
        processor.size, processor.crop_size = size, crop
        assert_exact(pixelpact.from_hf(processor), processor)


def test_one_mean_value():
    """A one-element mean/std broadcasts on a torch tensor; the numpy normalize raises."""
    import transformers

    processor = transformers.ViTImageProcessor(image_mean=[0.3], image_std=[0.2])
    assert_exact(pixelpact.from_hf(processor), processor)
    with pytest.raises(pixelpact.UnsupportedTransform, match="1 mean/std values"):
        pixelpact.from_hf(transformers.ViTImageProcessorPil(image_mean=[0.3], image_std=[0.2]))


def test_vivit_offset_and_videollava():
    """The numpy processors guess the channel axis: an image 1 or 3 rows high reads as
    channels-first there (transformers' infer_channel_dimension_format), so those sizes
    are left out of their reference."""
    import transformers

    imgs = [img for img in images() if img.shape[0] not in (1, 3)]
    for settings in ({}, {"offset": False, "rescale_factor": 1 / 255}, {"size": {"height": 20, "width": 9}}):
        processor = transformers.VivitImageProcessor(**settings)
        assert_exact(pixelpact.from_hf(processor), processor, imgs=imgs, frames=True)
    processor = transformers.VideoLlavaImageProcessor(size={"shortest_edge": 33}, crop_size=30)
    pipe = pixelpact.load(pixelpact.from_hf(processor))
    for img in imgs:
        out = processor(Image.fromarray(img), return_tensors="pt", return_legacy_image_output=False)
        assert_same(pipe(img), out["pixel_values"].numpy())


def test_timm_wrapper_is_its_timm_transform():
    import transformers

    cfg = {"input_size": (3, 40, 36), "interpolation": "bicubic", "crop_pct": 0.9, "crop_mode": "center",
           "mean": (0.48, 0.45, 0.4), "std": (0.26, 0.26, 0.27)}
    processor = transformers.TimmWrapperImageProcessor(pretrained_cfg=cfg)
    contract = pixelpact.from_hf(processor)
    assert_exact(contract, processor)
    with pytest.raises(pixelpact.UnsupportedTransform, match="no torchvision backend"):
        pixelpact.from_hf(processor, backend="torchvision")


# ---- input colors -------------------------------------------------------------------------------

def rgba(h, w, seed):
    img = noise(h, w, 4, seed=seed)
    img[0, :, 3] = 0  # fully transparent and fully opaque rows besides random alpha
    img[-1, :, 3] = 255
    return img


@pytest.mark.parametrize("backend", ["torchvision", "pil"])
def test_input_colors(backend):
    import transformers

    processor = getattr(transformers, "CLIPImageProcessor" + ("Pil" if backend == "pil" else ""))(
        size={"shortest_edge": 24}, crop_size=20)
    four = [rgba(h, w, 3) for h, w in SIZES] + [np.dstack([photos()[1][1], noise(300, 451, 0, seed=1)])]
    assert_exact(pixelpact.from_hf(processor, input_color="RGBA"), processor, imgs=four, mode="RGBA")
    gray = [noise(h, w, 0, seed=4) for h, w in SIZES]
    assert_exact(pixelpact.from_hf(processor, input_color="GRAY"), processor, imgs=gray, mode="L")
    assert_exact(pixelpact.from_hf(processor, input_color="BGR"), processor, mode="BGR")
    assert pixelpact.from_hf(processor, input_color="BGRA")["input"] == {"color": "BGRA", "alpha": "composite"}


def test_rgba_needs_do_convert_rgb():
    import transformers

    with pytest.raises(pixelpact.UnsupportedTransform, match="do_convert_rgb"):
        pixelpact.from_hf(transformers.ViTImageProcessor(), input_color="RGBA")


# ---- refusals -----------------------------------------------------------------------------------

def test_refusals(tmp_path):
    import transformers

    refuse = pytest.raises(pixelpact.UnsupportedTransform)
    with pytest.raises(pixelpact.UnsupportedTransform, match="transformers cannot build"):
        pixelpact.from_hf({"do_resize": True})  # no type: transformers' own error, named
    with pytest.raises(pixelpact.UnsupportedTransform, match="dynamic-resolution patching"):
        pixelpact.from_hf({"image_processor_type": "Qwen2VLImageProcessor"})
    with pytest.raises(pixelpact.UnsupportedTransform, match="not a size this class resizes to"):
        pixelpact.from_hf(transformers.DetrImageProcessor(size={"shortest_edge": 224}))  # transformers raises
    with pytest.raises(pixelpact.UnsupportedTransform, match=r"Gemma3ImageProcessor\.do_pan_and_scan=True: tiling"):
        pixelpact.from_hf(transformers.Gemma3ImageProcessor(do_pan_and_scan=True))
    with pytest.raises(pixelpact.UnsupportedTransform, match="LlavaImageProcessorPil.do_pad=True"):
        pixelpact.from_hf(transformers.LlavaImageProcessorPil(do_pad=True))
    with pytest.raises(pixelpact.UnsupportedTransform, match="do_normalize without image_mean and image_std"):
        pixelpact.from_hf(transformers.GLPNImageProcessor(do_normalize=True))  # transformers raises
    with pytest.raises(pixelpact.UnsupportedTransform, match="ensure_multiple_of=2.5 is not a positive integer"):
        pixelpact.from_hf(transformers.DPTImageProcessor(ensure_multiple_of=2.5))
    with pytest.raises(pixelpact.UnsupportedTransform, match="centred padding to a multiple of size_divisor"):
        pixelpact.from_hf(transformers.DPTImageProcessor(keep_aspect_ratio=True, do_pad=True, size_divisor=32))
    with pytest.raises(pixelpact.UnsupportedTransform, match="needs padding to a fixed size after an image-dependent"):
        pixelpact.from_hf(transformers.DetrImageProcessor(do_normalize=False, do_pad=True,
                                                          pad_size={"height": 900, "width": 900}))
    with pytest.raises(pixelpact.UnsupportedTransform, match="after normalize"):
        pixelpact.from_hf(transformers.DetrImageProcessor(size={"height": 30, "width": 30}, do_pad=True,
                                                          pad_size={"height": 90, "width": 90}))
    with pytest.raises(pixelpact.UnsupportedTransform, match="after normalize"):
        pixelpact.from_hf(transformers.RTDetrImageProcessor(do_normalize=True, do_pad=True,
                                                            pad_size={"height": 700, "width": 700}))
    with pytest.raises(pixelpact.UnsupportedTransform, match="cannot resize with 'box'"):
        pixelpact.from_hf(transformers.CLIPImageProcessor(resample=4))
    with pytest.raises(pixelpact.UnsupportedTransform, match="device"):
        pixelpact.from_hf(transformers.CLIPImageProcessor(device="cuda"))
    with refuse:  # remote code is never run
        pixelpact.from_hf({"image_processor_type": "MyProcessor", "auto_map": {"AutoImageProcessor": "x.MyProcessor"}})
    with pytest.raises(FileNotFoundError, match="Hub model id"):
        pixelpact.from_hf("openai/clip-vit-base-patch32")
    with pytest.raises(ValueError, match="backend"):
        pixelpact.from_hf({"image_processor_type": "CLIPImageProcessor"}, backend="tensorflow")
    with pytest.raises(ValueError, match="input_color"):
        pixelpact.from_hf({"image_processor_type": "CLIPImageProcessor"}, input_color="RGBX")
    with pytest.raises(TypeError, match="not JSON"):
        pixelpact.from_hf({"image_processor_type": "CLIPImageProcessor", "size": object()})


def test_subclasses_with_their_own_code_are_refused():
    import transformers

    class Plain(transformers.CLIPImageProcessor):
        size = {"shortest_edge": 30}

    class Custom(transformers.CLIPImageProcessor):
        def resize(self, image, size, **kwargs):
            return super().resize(image, size, **kwargs)

    class NewSetting(transformers.ViTImageProcessor):
        class valid_kwargs(transformers.processing_utils.ImagesKwargs, total=False):
            sharpen: bool

    plain = Plain()
    assert_exact(pixelpact.from_hf(plain), plain, imgs=[photos()[3][1], noise(5, 9)])
    with pytest.raises(pixelpact.UnsupportedTransform, match="runs its own code .*resize"):
        pixelpact.from_hf(Custom())
    with pytest.raises(pixelpact.UnsupportedTransform, match="setting 'sharpen'"):
        pixelpact.from_hf(NewSetting())
    with pytest.raises(pixelpact.UnsupportedTransform, match="not a transformers class"):
        pixelpact.from_hf(Plain(), backend="pil")


def test_torch_threads_do_not_matter_for_uint8_resizes():
    """The torchvision backend's uint8 resizes give the same pixels with 1 and 2 threads."""
    import transformers

    processor = transformers.CLIPImageProcessor()
    pipe = pixelpact.load(pixelpact.from_hf(processor))
    before = torch.get_num_threads()
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            assert_same(pipe(photos()[2][1]), run(processor, photos()[2][1]))
    finally:
        torch.set_num_threads(before)

"""What each Hugging Face transformers image processor class computes, as contract steps.

A processor class belongs to a *family*: the transformers class whose code it runs
(``CLIPImageProcessor`` and ``CLIPImageProcessorPil`` run the backends' own resize /
center crop / rescale / normalize; ``ConvNextImageProcessor`` has its own resize; ...).
Each family below was read in transformers 5.24 and is described by a ``Recipe``; the
coverage test (tests/parity/test_hf_coverage.py) runs every processor class against its
contract. Everything else is refused with the reason (``REFUSED``), never approximated.

The two backends compute differently, and a contract states one of them:

- ``pil`` (``...ImageProcessorPil`` and the older numpy processors): Pillow resize on the
  uint8 image (``image_transforms.resize``), center crop with offset ``(in - c) // 2``
  (a smaller image sits at ceil on a zero canvas), rescale
  ``(x.astype(float64) * factor).astype(float32)``, normalize ``(x - mean) / std`` in float32.
- ``torchvision``: ``tvF.resize`` of a uint8 tensor (antialiased unless the family says
  otherwise; the ``torch`` resize engine), center crop with ``int((in - c) / 2)`` after
  floor/ceil padding, and rescale folded into normalize
  (``TorchvisionBackend._fuse_mean_std_and_rescale_factor``):
  ``(x - float32(mean) * (1 / factor)) / (float32(std) * (1 / factor))`` in float32;
  rescale alone is ``x * factor`` in float32.
"""
from __future__ import annotations

import types
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._common import PIL_FILTERS, UnsupportedTransform, f32

# ---- reasons (the coverage table groups refusals by these) ----------------------------------

DYNAMIC = ("dynamic-resolution patching is out of scope for contract v1 (the output size or the "
           "number of patches depends on the image)")
TILES = "tiling into an image-dependent number of crops is out of scope for contract v1"
OCR = "OCR-driven (Tesseract words and boxes come with the pixels): out of scope"
MULTIPLE = "needs a resize to a multiple of a divisor (rounded sizes), not in contract v1"
EMPTY_CROP = ("crops a fraction of the shorter side, which is empty on a thin image, and Pillow resizes an empty "
              "image to black (a tensor from no pixels): not in contract v1 (its torchvision class raises there, "
              "and is exact)")
CENTRED_PAD = "needs centred padding to a multiple of size_divisor, not in contract v1"
LONGEST_PAD = "needs a longest-side resize then padding to a fixed size, not in contract v1"
PAD_TO_SIZE = "needs padding to a fixed size after an image-dependent resize, not in contract v1"
LONGEST = "needs a longest-side resize sized int(longest * (short / long)), not in contract v1"
BATCH_SIZED = "sizes the resize from the widest image of the batch, then pads: not a per-image contract"
SQUARE_PAD = "needs padding to a square before the resize, not in contract v1"
FUYU = ("shrinks to fit inside height x width (never enlarges), then pads to that size with padding_value "
        "before the arithmetic (and returns 'images'), not in contract v1")
THUMBNAIL = "needs thumbnail / margin-cropping / alignment steps, not in contract v1"
CLAMP = "clamps the floats after a float resize, not in contract v1"
ALIGN_CORNERS = "needs an align_corners=True float resize, not in contract v1"
ROUND_SCALE = "needs PaddlePaddle's rounded-scale sizing (round(side * target / short)), not in contract v1"
GRAYSCALE = "converts to grayscale, not in contract v1"
QUANTIZE = "color quantization to a cluster palette (token ids, not pixels): out of scope"
MULTI_INPUT = "processes image pairs / extra inputs (boxes, trimaps, prompts), not one image: out of scope"
OWLV2 = ("pads to a square with 0.0 after the rescale, then a Gaussian-blurred float resize (scikit-image "
         "style anti-aliasing), not in contract v1")
ZOEDEPTH = ("reflect-pads by int(sqrt(side / 2) * 3), then an align_corners=True float resize with DPT's "
            "keep_aspect_ratio sizing, not in contract v1")
TWO_RESOLUTIONS = "returns the image at two resolutions (two tensors), not in contract v1"
BATCH_PAD = ("a batch is padded bottom/right to its largest image after the arithmetic (0.0; pixel_mask marks "
             "the image): one image is its own largest, so this contract is the image unpadded")

# Families refused whatever their settings: base class name (without "Pil") -> reason.
REFUSED = {
    **dict.fromkeys([
        "Apertus1p5ImageProcessor", "CohereCompassImageProcessor", "Cosmos3EdgeImageProcessor",
        "Emu3ImageProcessor", "Ernie4_5_VLMoeImageProcessor", "Ernie4_5_VL_MoeImageProcessor",
        "Gemma4ImageProcessor", "Gemma4UnifiedImageProcessor", "Glm46VImageProcessor",
        "Glm4vImageProcessor", "Glm5NextImageProcessor", "GlmImageImageProcessor", "GlmgaImageProcessor",
        "HYV4VLImageProcessor", "HunYuanVLImageProcessor", "Idefics2ImageProcessor", "Idefics3ImageProcessor",
        "InklingImageProcessor", "Inkling2ImageProcessor", "Kimi_K25ImageProcessor", "Kosmos2_5ImageProcessor",
        "Lfm2VlImageProcessor", "LlavaNextImageProcessor", "LlavaOnevisionImageProcessor",
        "MiniMaxM3VLImageProcessor", "MuseGlimmerImageProcessor", "NemotronH_Omni_Reasoning_V3ImageProcessor",
        "NeoMMEImageProcessor", "PaddleOCRVLImageProcessor", "Pix2StructImageProcessor", "PixtralImageProcessor",
        "Qwen2VLImageProcessor", "Siglip2ImageProcessor", "SmolVLMImageProcessor", "UltraVBertImageProcessor",
        "VideoLlama3ImageProcessor"], DYNAMIC),
    **dict.fromkeys([
        "AriaImageProcessor", "Cohere2VisionImageProcessor", "DeepseekOcr2ImageProcessor",
        "GraniteDoclingImageProcessor", "Llama4ImageProcessor", "MiniCPMOcrImageProcessor",
        "MiniCPMV4_6ImageProcessor", "MllamaImageProcessor", "Molmo2ImageProcessor", "Ovis2ImageProcessor",
        "PerceptionLMImageProcessor", "Phi4MultimodalImageProcessor", "Step3p7ImageProcessor",
        "UnlimitedOcrImageProcessor"], TILES),
    **dict.fromkeys(["LayoutLMv2ImageProcessor", "LayoutLMv3ImageProcessor"], OCR),
    **dict.fromkeys(["Swin2SRImageProcessor", "PPOCRV5ServerDetImageProcessor"], MULTIPLE),
    "CHMv2ImageProcessor": CENTRED_PAD,
    "ZoeDepthImageProcessor": ZOEDEPTH,
    "Owlv2ImageProcessor": OWLV2,
    **dict.fromkeys([
        "SamImageProcessor", "SLANeXtImageProcessor"], LONGEST_PAD),
    "TvpImageProcessor": LONGEST,
    **dict.fromkeys(["PPOCRV5ServerRecImageProcessor", "PPOCRV6SmallRecImageProcessor"], BATCH_SIZED),
    "FuyuImageProcessor": FUYU,
    "DeepseekVLHybridImageProcessor": TWO_RESOLUTIONS,
    **dict.fromkeys(["DonutImageProcessor", "NougatImageProcessor", "PPFormulaNetImageProcessor"], THUMBNAIL),
    "PPDocLayoutV4ImageProcessor": CLAMP,
    "UVDocImageProcessor": ALIGN_CORNERS,
    "PPLCNetImageProcessor": ROUND_SCALE,
    **dict.fromkeys(["SuperGlueImageProcessor", "LightGlueImageProcessor", "EfficientLoFTRImageProcessor",
                     "VitPoseImageProcessor", "VitMatteImageProcessor"], MULTI_INPUT),
    "ImageGPTImageProcessor": QUANTIZE,
}


@dataclass(frozen=True)
class Recipe:
    """How a family's code turns its settings into pixels (see the module docstring for
    the per-backend arithmetic)."""
    resize: str = "size"           # how `size` sizes the resize: size | convnext | levit | poolformer | dpt | fixed
    crop: bool | str = True        # whether its code honours do_center_crop ("shortest_edge": a square of
                                   # crop_size's shortest_edge; "perceiver": a fraction of the shorter side,
                                   # before the resize)
    arithmetic: str = "standard"   # standard | rescale_only | efficientnet | rescale_first | resize_last
    antialias: bool = True         # the torchvision backend's uint8 resize
    flip: str | None = None        # setting that reverses the channels at the end (output BGR)
    pad: str = "base"              # base: do_pad pads bottom/right with 0 after normalize, to pad_size or the
                                   # batch's largest image; always: the same without do_pad; batch: do_pad pads
                                   # to the batch's largest image (pad_size ignored); always_batch: the same
                                   # without do_pad; square: do_pad pads to a square with background_color
                                   # before the arithmetic; none: no padding code;
                                   # dpt / dpt_optional: centred padding to a multiple of size_divisor
    frames: bool = False           # a video processor: the contract is one frame
    off: tuple = ()                # (setting, reason) pairs that must be off
    uses: tuple = ()               # further settings the recipe reads
    ignore: tuple = ()             # settings that do not touch pixel_values of an image
    outputs: str = ""              # outputs besides pixel_values (not part of the contract)


LABELS = ("do_reduce_labels",)  # segmentation maps only
DETECTION = ("format", "do_convert_annotations", "return_segmentation_masks", "masks_path")

FAMILIES = {
    "BeitImageProcessor": Recipe(pad="none", ignore=LABELS),
    "MobileNetV2ImageProcessor": Recipe(pad="none", ignore=LABELS),
    "SegformerImageProcessor": Recipe(crop=False, pad="none", ignore=LABELS),
    "SegGptImageProcessor": Recipe(crop=False, pad="none", ignore=("num_labels",)),
    "Gemma3ImageProcessor": Recipe(
        crop=False, pad="none", outputs="num_crops (0)",
        off=(("do_pan_and_scan", TILES),),
        ignore=("pan_and_scan_min_crop_size", "pan_and_scan_max_num_crops", "pan_and_scan_min_ratio_to_activate")),
    "GotOcr2ImageProcessor": Recipe(crop=False, pad="none", outputs="num_patches (1)",
                                    off=(("crop_to_patches", TILES),), ignore=("min_patches", "max_patches")),
    "LlavaImageProcessor": Recipe(pad="none", off=(("do_pad", SQUARE_PAD),)),
    "VideoMAEImageProcessor": Recipe(pad="none", frames=True),
    "ConvNextImageProcessor": Recipe(resize="convnext", pad="none", uses=("crop_pct",)),
    "LevitImageProcessor": Recipe(resize="levit"),
    "PoolFormerImageProcessor": Recipe(resize="poolformer", uses=("crop_pct",)),
    "EfficientNetImageProcessor": Recipe(arithmetic="efficientnet", pad="none", uses=("rescale_offset", "include_top")),
    "MobileViTImageProcessor": Recipe(arithmetic="rescale_only", pad="none", flip="do_flip_channel_order",
                                      uses=("do_flip_channel_order",), ignore=LABELS),
    "SuperPointImageProcessor": Recipe(crop=False, arithmetic="rescale_only", pad="none",
                                       off=(("do_grayscale", GRAYSCALE),)),
    "DINOv3ViTImageProcessor": Recipe(arithmetic="rescale_first", pad="none"),
    "DepthProImageProcessor": Recipe(crop=False, arithmetic="resize_last", antialias=False, pad="none"),
    "PPDocLayoutV2ImageProcessor": Recipe(antialias=False),
    "PPDocLayoutV3ImageProcessor": Recipe(antialias=False),
    "RTDetrImageProcessor": Recipe(resize="fixed", crop=False, ignore=DETECTION),
    **dict.fromkeys(["DetrImageProcessor", "ConditionalDetrImageProcessor", "DeformableDetrImageProcessor",
                     "GroundingDinoImageProcessor"],
                    Recipe(resize="detr", crop=False, ignore=DETECTION, outputs="pixel_mask")),
    "YolosImageProcessor": Recipe(resize="yolos", crop=False, ignore=DETECTION, outputs="pixel_mask"),
    **dict.fromkeys(["MaskFormerImageProcessor", "Mask2FormerImageProcessor"],
                    Recipe(resize="maskformer", crop=False, pad="always", uses=("size_divisor",),
                           ignore=LABELS + ("ignore_index", "num_labels"), outputs="pixel_mask")),
    "ViltImageProcessor": Recipe(resize="vilt", crop=False, pad="batch", uses=("size_divisor",),
                                 outputs="pixel_mask"),
    "BridgeTowerImageProcessor": Recipe(resize="vilt", crop="shortest_edge", pad="batch", uses=("size_divisor",),
                                        outputs="pixel_mask"),
    # RT-DETR's successor: rescale, a float resize without antialias, normalize, then pad the batch
    "RfDetrImageProcessor": Recipe(resize="detr", crop=False, arithmetic="rescale_first", antialias=False,
                                   ignore=DETECTION, outputs="pixel_mask"),
    "OneFormerImageProcessor": Recipe(crop=False, pad="always_batch", outputs="pixel_mask, task_inputs",
                                      ignore=LABELS + ("ignore_index", "num_labels", "num_text", "class_info_file",
                                                       "repo_path")),
    "EomtImageProcessor": Recipe(crop=False, pad="none", ignore=("ignore_index",),
                                 off=(("do_split_image", TILES),
                                      ("do_pad", "pads to the size rule's box before the arithmetic: " + PAD_TO_SIZE))),
    "PerceiverImageProcessor": Recipe(crop="perceiver", pad="none"),
    # resize the longer side to size (each side at least min_size), pad to a square with
    # background_color (int(255 * mean) at construction), then the arithmetic
    **dict.fromkeys(["JanusImageProcessor", "DeepseekVLImageProcessor"],
                    Recipe(resize="janus", crop=False, pad="square", uses=("min_size",))),
    "GLPNImageProcessor": Recipe(resize="glpn", crop=False, pad="none", uses=("size_divisor",)),
    "TextNetImageProcessor": Recipe(resize="textnet", pad="none", uses=("size_divisor",)),
    "Sam2ImageProcessor": Recipe(ignore=("mask_size",), outputs="original_sizes"),
    "Sam3ImageProcessor": Recipe(ignore=("mask_size",), outputs="original_sizes"),
    # DPT's torchvision class crops and pads whenever asked (do_pad without size_divisor raises);
    # its PIL class never crops and pads only with a size_divisor
    "DPTImageProcessor": Recipe(resize="dpt", pad="dpt", uses=("keep_aspect_ratio", "ensure_multiple_of", "size_divisor"),
                                ignore=LABELS),
    "DPTImageProcessorPil": Recipe(resize="dpt", crop=False, pad="dpt_optional",
                                   uses=("keep_aspect_ratio", "ensure_multiple_of", "size_divisor"), ignore=LABELS),
    "PromptDepthAnythingImageProcessor": Recipe(
        resize="dpt", crop=False, pad="dpt_optional", uses=("keep_aspect_ratio", "ensure_multiple_of", "size_divisor"),
        ignore=("prompt_scale_to_meter",)),
    "FlavaImageProcessor": Recipe(
        pad="none",
        off=(("return_image_mask", "returns a random bool_masked_pos (masking generator): not a contract"),
             ("return_codebook_pixels", TWO_RESOLUTIONS)),
        ignore=("input_size_patches", "total_mask_patches", "mask_group_min_patches", "mask_group_max_patches",
                "mask_group_min_aspect_ratio", "mask_group_max_aspect_ratio", "codebook_do_resize",
                "codebook_size", "codebook_resample", "codebook_do_center_crop", "codebook_crop_size",
                "codebook_do_rescale", "codebook_rescale_factor", "codebook_do_map_pixels",
                "codebook_do_normalize", "codebook_image_mean", "codebook_image_std")),
    "Sapiens2ImageProcessor": Recipe(off=(("do_pad", PAD_TO_SIZE),),
                                     ignore=LABELS + ("keypoint_heatmap_downscale_factor", "keypoint_heatmap_sigma")),
    "IdeficsImageProcessor": Recipe(off=(("transform", "runs a user transform instead of its own steps"),),
                                    ignore=("image_size", "image_num_channels")),
    # numpy processors older than the backends (Pillow resize, numpy arithmetic)
    "VivitImageProcessor": Recipe(pad="none", frames=True, uses=("offset",)),
    "VideoLlavaImageProcessor": Recipe(pad="none", ignore=("return_legacy_image_output",)),
}

# Settings of every ImagesKwargs: handled by every recipe, or harmless for a PIL image.
COMMON = {"do_convert_rgb", "do_resize", "size", "default_to_square", "crop_size", "resample", "do_rescale",
          "rescale_factor", "do_normalize", "image_mean", "image_std", "do_pad", "pad_size", "do_center_crop",
          "data_format", "input_data_format", "device", "return_tensors", "disable_grouping", "image_seq_length"}

# Methods a class may define without changing pixels.
HARMLESS_METHODS = {"__init__", "get_number_of_image_patches", "from_dict", "to_dict", "__repr__"}


def family_of(processor: Any) -> tuple[str, Recipe | None, str | None]:
    """(family name, recipe or None, refusal reason or None) of a processor object."""
    from transformers.image_processing_backends import PilBackend, TorchvisionBackend
    from transformers.image_processing_utils import BaseImageProcessor

    for cls in type(processor).__mro__:
        name = cls.__name__[:-3] if cls.__name__.endswith("Pil") else cls.__name__
        if cls.__module__.startswith("transformers.models."):
            if cls.__name__ in FAMILIES:  # a backend whose code differs from its twin's
                return cls.__name__, FAMILIES[cls.__name__], None
            if name in FAMILIES:
                return name, FAMILIES[name], None
            if name in REFUSED:
                return name, None, REFUSED[name]
        if cls in (TorchvisionBackend, PilBackend):
            return "", Recipe(), None
        if cls is BaseImageProcessor:
            break
        custom = [n for n, v in vars(cls).items()
                  if (isinstance(v, (types.FunctionType, classmethod, staticmethod, property)) or hasattr(v, "__wrapped__"))
                  and n not in HARMLESS_METHODS and not n.startswith("post_process")]
        if custom:
            return cls.__name__, None, (f"{cls.__module__}.{cls.__qualname__} runs its own code "
                                        f"({', '.join(sorted(custom))}), which pixelpact has not verified")
    return type(processor).__name__, None, "not a transformers image processor pixelpact knows"


def backend_of_class(cls: type) -> str:
    """'torchvision' or 'pil' (the numpy processors that predate the backends resize with Pillow)."""
    from transformers.image_processing_backends import TorchvisionBackend

    return "torchvision" if issubclass(cls, TorchvisionBackend) else "pil"


def backend_of(processor: Any) -> str:
    return backend_of_class(type(processor))


# ---- settings ---------------------------------------------------------------------------------

def _get(p, key, default=None):
    value = getattr(p, key, default)
    return default if value is None else value


def _size(p, key) -> dict:
    """A size setting as the processor's call reads it: SizeDicts as they are, anything else
    (an int or a list assigned after construction) through get_size_dict as
    BaseImageProcessor._standardize_kwargs (or the numpy processors' preprocess) does."""
    s = getattr(p, key, None)
    if s is None:
        return {}
    if not hasattr(s, "items"):
        from transformers.image_processing_backends import PilBackend, TorchvisionBackend
        from transformers.image_processing_utils import get_size_dict

        if key != "size":
            square = True
        elif isinstance(p, (TorchvisionBackend, PilBackend)):
            square = getattr(p, "default_to_square", True)
        else:
            square = False  # ViViT, Video-LLaVA: get_size_dict(size, default_to_square=False)
        s = get_size_dict(s, default_to_square=square, param_name=key)
    return {k: v for k, v in dict(s).items() if v is not None}


def _channels(values: Any, backend: str) -> list:
    """Per-channel mean/std as the backend applies them to 3 channels."""
    values = [values] * 3 if np.ndim(values) == 0 else list(values)
    if len(values) == 1 and backend == "torchvision":
        values = values * 3  # a 1-element tensor broadcasts
    if len(values) != 3:
        raise UnsupportedTransform(f"{len(values)} mean/std values for 3 channels (transformers raises)")
    return values


def _check_settings(p, name: str, recipe: Recipe) -> None:
    cls = type(p).__name__
    valid = getattr(p, "valid_kwargs", None)
    keys = set(getattr(valid, "__annotations__", {}))
    unknown = sorted(keys - COMMON - set(recipe.uses) - set(recipe.ignore) - {k for k, _ in recipe.off})
    if unknown:
        raise UnsupportedTransform(f"{cls}: setting {unknown[0]!r} is not one pixelpact has verified for "
                                   f"{name or 'this class'}")
    for key, reason in recipe.off:
        if getattr(p, key, None):
            raise UnsupportedTransform(f"{cls}.{key}={getattr(p, key)!r}: {reason}")
    device = getattr(p, "device", None)
    if device is not None and str(device) != "cpu":
        raise UnsupportedTransform(f"{cls}.device={device!r}: only CPU pixels are stated by a contract")


# ---- steps ------------------------------------------------------------------------------------

def _interpolation(p, backend: str) -> str:
    """The contract interpolation of the processor's resample, as its backend resolves it."""
    import transformers.image_utils as iu

    resample = getattr(p, "resample", None)
    if backend == "pil":
        if resample is not None and not isinstance(resample, int):  # a torchvision InterpolationMode
            resample = iu.torch_pil_interpolation_mapping.get(resample, 2)
        resample = 2 if resample is None else int(resample)
        if resample not in PIL_FILTERS:
            raise UnsupportedTransform(f"resample {resample!r} is not a Pillow filter")
        return PIL_FILTERS[resample]
    if resample is None:
        mode = "bilinear"
    elif isinstance(resample, int):
        mode = getattr(iu.pil_torch_interpolation_mapping.get(resample), "value", None)
        if mode is None:
            raise UnsupportedTransform(f"resample {resample!r} is not a Pillow filter (transformers raises)")
    else:
        mode = getattr(resample, "value", resample)
    if mode == "lanczos":
        from transformers.utils.import_utils import is_torchvision_greater_or_equal

        if not is_torchvision_greater_or_equal("0.27"):
            mode = "bicubic"  # TorchvisionBackend.resize falls back to BICUBIC before torchvision 0.27
    if mode not in ("nearest", "nearest-exact", "bilinear", "bicubic", "lanczos"):
        raise UnsupportedTransform(f"the torchvision backend cannot resize with {mode!r} (transformers raises)")
    return mode


def _resize_step(size, interpolation: str, backend: str, antialias: bool = True) -> dict:
    """size: an int (shorter side), [height, width], or a dict of the resize's size-rule fields."""
    rule = dict(size) if isinstance(size, dict) else {"size": size}
    if backend == "pil":
        return {"op": "resize", **rule, "interpolation": interpolation, "engine": "pillow"}
    step = {"op": "resize", **rule, "interpolation": interpolation, "antialias": antialias, "engine": "torch"}
    if interpolation == "lanczos" and not antialias:
        raise UnsupportedTransform("a lanczos resize without antialias is not in contract v1")
    return step


def _base_size(size: dict, shortest_alone: bool = True):
    """The resize of TorchvisionBackend.resize / PilBackend.resize, in its order of keys:
    shortest_edge + longest_edge (get_size_with_aspect_ratio), shortest_edge (an int:
    int(size * long / short) for the other side), max_height + max_width
    (get_image_size_for_max_height_width), height + width. shortest_alone=False: the
    DETR-style resize, which raises for a shortest_edge alone."""
    keys = {k for k, v in size.items() if v}  # SizeDict: a 0 is unset
    if {"shortest_edge", "longest_edge"} <= keys:
        return {"size": int(size["shortest_edge"]), "keep_ratio": "hf_shortest_longest",
                "max_size": int(size["longest_edge"])}
    if "shortest_edge" in keys and shortest_alone:
        return int(size["shortest_edge"])
    if {"max_height", "max_width"} <= keys:
        return {"size": [int(size["max_height"]), int(size["max_width"])], "keep_ratio": "not_larger_truncated"}
    if {"height", "width"} <= keys:
        return [int(size["height"]), int(size["width"])]
    raise UnsupportedTransform(f"size {size}: not a size this class resizes to (transformers raises)")


def _is_backend(p) -> bool:
    from transformers.image_processing_backends import PilBackend, TorchvisionBackend

    return isinstance(p, (TorchvisionBackend, PilBackend))


def _hw(size: dict) -> tuple[int, int]:
    if not {"height", "width"} <= set(size):
        _base_size(size)  # refuses with the reason when there is one
        raise UnsupportedTransform(f"size {size}: this class needs height and width here (transformers raises)")
    return int(size["height"]), int(size["width"])


class _Geometry:
    """The geometric steps and whether their output size is the same for every image."""

    def __init__(self, backend: str):
        self.backend = backend
        self.steps: list[dict] = []
        self.fixed: tuple[int, int] | None = None  # output (height, width) when independent of the input
        self.notes: list[str] = []  # what the description must say (batch behaviour)

    def resize(self, size, interpolation: str, antialias: bool = True) -> None:
        self.steps.append(_resize_step(size, interpolation, self.backend, antialias))
        self.fixed = tuple(size) if isinstance(size, list) else None  # a dict: an image-dependent rule

    def center_crop(self, height: int, width: int) -> None:
        rule = "hf_pil" if self.backend == "pil" else "hf_torchvision"
        self.steps.append({"op": "center_crop", "size": [int(height), int(width)], "rule": rule})
        self.fixed = (int(height), int(width))


def _resize(p, recipe: Recipe, geo: _Geometry, interpolation: str) -> None:
    size = _size(p, "size")
    antialias = recipe.antialias
    if recipe.resize == "size" and not _is_backend(p):
        # the numpy processors that predate the backends (ViViT, Video-LLaVA): a shortest_edge key wins
        # (a longest_edge beside it is ignored), else height and width
        if size.get("shortest_edge"):
            geo.resize(int(size["shortest_edge"]), interpolation, antialias)
        else:
            geo.resize(list(_hw(size)), interpolation, antialias)
    elif recipe.resize == "size":
        geo.resize(_base_size(size), interpolation, antialias)
    elif recipe.resize == "detr":  # DetrImageProcessor.resize and its copies: no shortest_edge alone
        geo.resize(_base_size(size, shortest_alone=False), interpolation, antialias)
    elif recipe.resize == "yolos":  # YolosImageProcessor.resize: get_size_with_aspect_ratio_yolos, mod_size 16
        rule = _base_size(size, shortest_alone=False)
        if isinstance(rule, dict) and rule.get("keep_ratio") == "hf_shortest_longest":
            rule = {**rule, "keep_ratio": "hf_yolos", "multiple_of": {"value": 16, "rounding": "floor"}}
        geo.resize(rule, interpolation, antialias)
    elif recipe.resize == "maskformer":  # MaskFormerImageProcessor.resize: then ceil to size_divisor
        rule = _base_size(size, shortest_alone=False)
        divisor = int(_get(p, "size_divisor", 0))
        if divisor > 0:
            rule = {**(rule if isinstance(rule, dict) else {"size": rule}),
                    "multiple_of": {"value": divisor, "rounding": "ceil"}}
        geo.resize(rule, interpolation, antialias)
    elif recipe.resize == "vilt":  # ViltImageProcessor.resize, BridgeTowerImageProcessor.resize
        if not size.get("shortest_edge"):
            raise UnsupportedTransform(f"size {size}: this class needs shortest_edge (transformers raises)")
        shorter = int(size["shortest_edge"])
        rule = {"size": shorter, "keep_ratio": "hf_vilt", "max_size": int(1333 / 800 * shorter)}
        divisor = _get(p, "size_divisor", None)
        if divisor is not None:
            rule["multiple_of"] = {"value": int(divisor), "rounding": "floor"}
        geo.resize(rule, interpolation, antialias)
    elif recipe.resize == "janus":  # JanusImageProcessor.resize: delta = size / longer, round, at least min_size
        h, w = _hw(size)
        if h != w:
            raise UnsupportedTransform(f"size {size}: height and width must be equal (transformers raises)")
        min_size = _get(p, "min_size", 0)
        if isinstance(min_size, bool) or min_size != int(min_size) or int(min_size) < 0:
            raise UnsupportedTransform(f"min_size={min_size!r} is not a non-negative integer")
        rule = {"size": h, "keep_ratio": "hf_longest"}
        if int(min_size) > 0:
            rule["min_side"] = int(min_size)
        geo.resize(rule, interpolation, antialias)
    elif recipe.resize == "glpn":  # GLPNImageProcessor.resize: the input size // size_divisor * size_divisor
        geo.resize({"multiple_of": {"value": int(_get(p, "size_divisor", 32)), "rounding": "floor"}},
                   interpolation, antialias)
    elif recipe.resize == "textnet":  # TextNetImageProcessor.resize: shortest_edge, each side rounded up
        if not size.get("shortest_edge"):
            raise UnsupportedTransform(f"size {size}: TextNet needs shortest_edge (transformers raises)")
        geo.resize({"size": int(size["shortest_edge"]),
                    "multiple_of": {"value": int(_get(p, "size_divisor", 32)), "rounding": "ceil"}},
                   interpolation, antialias)
    elif recipe.resize == "fixed":  # RTDetrImageProcessor.resize
        geo.resize(list(_hw(size)), interpolation, antialias)
    elif recipe.resize == "convnext":  # ConvNextImageProcessor.resize
        edge = int(size["shortest_edge"]) if "shortest_edge" in size else None
        if edge is None:
            raise UnsupportedTransform(f"size {size}: ConvNext needs shortest_edge (transformers raises)")
        if edge < 384:
            if getattr(p, "crop_pct", None) is None:
                raise UnsupportedTransform("crop_pct=None with shortest_edge < 384 (transformers raises)")
            geo.resize(int(edge / p.crop_pct), interpolation, antialias)
            geo.center_crop(edge, edge)
        else:
            geo.resize([edge, edge], interpolation, antialias)
    elif recipe.resize == "levit":  # LevitImageProcessor.resize
        if "shortest_edge" in size:
            geo.resize(int((256 / 224) * size["shortest_edge"]), interpolation, antialias)
        else:
            geo.resize(list(_hw(size)), interpolation, antialias)
    elif recipe.resize == "poolformer":  # PoolFormerImageProcessor.resize
        crop_pct = getattr(p, "crop_pct", None)
        if crop_pct is None:
            geo.resize(_base_size(size), interpolation, antialias)
        elif "shortest_edge" in size:
            geo.resize(int(size["shortest_edge"] / crop_pct), interpolation, antialias)
        else:
            h, w = _hw(size)
            geo.resize(int(h / crop_pct) if h == w else [int(h / crop_pct), int(w / crop_pct)], interpolation,
                       antialias)
    elif recipe.resize == "dpt":  # dpt get_resize_output_image_size
        multiple = _get(p, "ensure_multiple_of", 1)
        h, w = _hw(size)
        if isinstance(multiple, bool) or multiple != int(multiple) or int(multiple) < 1:
            raise UnsupportedTransform(f"ensure_multiple_of={multiple!r} is not a positive integer")
        multiple = int(multiple)
        if _get(p, "keep_aspect_ratio", False):
            geo.resize({"size": [h, w], "keep_ratio": "hf_dpt_keep",
                        "multiple_of": {"value": multiple, "rounding": "round"}}, interpolation, antialias)
        elif h % multiple or w % multiple:  # round((h / in) * in / m) * m, which is h when m divides it
            geo.resize({"size": [h, w], "keep_ratio": "hf_dpt",
                        "multiple_of": {"value": multiple, "rounding": "round"}}, interpolation, antialias)
        else:
            geo.resize([h, w], interpolation, antialias)
    else:  # pragma: no cover - a recipe typo
        raise AssertionError(recipe.resize)


def _perceiver_crop(p, geo: _Geometry) -> None:
    """PerceiverImageProcessor.center_crop, before the resize: a crop of
    int((size.height / crop_size.height) * min(h, w)) x int((size.width / crop_size.width) * min(h, w))."""
    size, crop = _size(p, "size"), _size(p, "crop_size")
    if not (size.get("height") and size.get("width") and crop.get("height") and crop.get("width")):
        raise UnsupportedTransform(f"size {size} and crop_size {crop} need height and width (transformers raises)")
    if geo.backend == "pil":
        raise UnsupportedTransform(EMPTY_CROP)
    geo.steps.append({"op": "center_crop", "fraction_of_shorter": [size["height"] / crop["height"],
                                                                   size["width"] / crop["width"]],
                      "rule": "hf_torchvision"})
    geo.fixed = None


def _pad(p, recipe: Recipe, geo: _Geometry, zero_stays_zero: bool) -> None:
    """do_pad of the family, as a uint8 pad (only where padding floats with 0 equals
    padding bytes that the arithmetic maps to 0)."""
    if recipe.pad == "none":
        return
    if recipe.pad == "square":  # Janus pad_to_square, before the arithmetic: uint8 background_color
        if not getattr(p, "do_pad", None):
            return
        color = getattr(p, "background_color", None)
        if (not isinstance(color, (tuple, list)) or len(color) != 3
                or not all(isinstance(c, int) and 0 <= c <= 255 for c in color)):
            raise UnsupportedTransform(f"background_color {color!r} is not 3 bytes")
        geo.steps.append({"op": "pad_to_square", "fill": [int(c) for c in color]})
        geo.fixed = (max(geo.fixed),) * 2 if geo.fixed else None
        return
    if recipe.pad in ("dpt", "dpt_optional"):  # DPT pad_image: centred padding to a multiple of size_divisor
        divisor = _get(p, "size_divisor", None)
        if not getattr(p, "do_pad", None):
            return
        if divisor is None:
            if recipe.pad == "dpt":
                raise UnsupportedTransform("do_pad without size_divisor (transformers raises)")
            return
        if geo.fixed is None or any(side % int(divisor) for side in geo.fixed):
            raise UnsupportedTransform(f"{CENTRED_PAD}; do_pad with size_divisor={divisor}")
        return
    if recipe.pad in ("base", "batch") and not getattr(p, "do_pad", None):
        return
    pad = _size(p, "pad_size") if recipe.pad in ("base", "always") else {}
    if not pad:  # get_max_height_width of the batch: one image is its own largest
        geo.notes.append(BATCH_PAD)
        return
    if geo.fixed is None:
        raise UnsupportedTransform(f"{PAD_TO_SIZE}; do_pad to {pad}")
    (h, w), (ph, pw) = geo.fixed, (int(pad["height"]), int(pad["width"]))
    if (ph, pw) == (h, w):
        return
    if ph < h or pw < w:
        raise UnsupportedTransform(f"pad_size {pad} is smaller than the {h}x{w} image (transformers raises)")
    if not zero_stays_zero:
        raise UnsupportedTransform("padding with 0 after normalize is not in contract v1")
    geo.steps.append({"op": "pad", "padding": [0, 0, pw - w, ph - h], "fill": 0})
    geo.fixed = (ph, pw)


def _arithmetic(p, recipe: Recipe, backend: str) -> tuple[list[dict], list[dict]]:
    """(steps before a float resize, steps after it) of rescale / normalize."""
    do_rescale, do_normalize = bool(getattr(p, "do_rescale", None)), bool(getattr(p, "do_normalize", None))
    factor = float(_get(p, "rescale_factor", 1 / 255))
    if recipe.arithmetic == "rescale_only":
        do_normalize = False
    if do_normalize and (getattr(p, "image_mean", None) is None or getattr(p, "image_std", None) is None):
        raise UnsupportedTransform("do_normalize without image_mean and image_std (transformers raises)")
    mean = _channels(_get(p, "image_mean", 0.0), backend) if do_normalize else None
    std = _channels(_get(p, "image_std", 1.0), backend) if do_normalize else None
    if recipe.arithmetic == "efficientnet":
        return _efficientnet(p, backend, do_rescale, do_normalize, factor, mean, std), []
    if recipe.arithmetic == "rescale_first":  # DINOv3ViT: rescale, resize the floats, normalize
        if not do_rescale:
            raise UnsupportedTransform("DINOv3ViT without do_rescale normalizes a uint8 tensor (transformers raises)")
        after = [{"op": "normalize", "mean": f32(mean), "std": f32(std)}] if do_normalize else []
        return [{"op": "to_float", "dtype": "float32"}, {"op": "mul", "value": factor}], after
    if backend == "pil":
        steps: list[dict] = []
        if do_rescale:  # image_transforms.rescale
            steps += [{"op": "to_float", "dtype": "float64"}, {"op": "mul", "value": factor},
                      {"op": "cast", "dtype": "float32"}]
            if "offset" in recipe.uses and _get(p, "offset", False):  # VivitImageProcessor.rescale
                steps.append({"op": "sub", "value": 1.0})
        elif "offset" in recipe.uses and _get(p, "offset", False):
            raise UnsupportedTransform("offset without do_rescale (transformers raises)")
        elif do_normalize:
            steps.append({"op": "to_float", "dtype": "float32"})
        if do_normalize:  # image_transforms.normalize: float32 arrays, (image - mean) / std
            steps.append({"op": "normalize", "mean": f32(mean), "std": f32(std)})
        return steps, []
    steps = [{"op": "to_float", "dtype": "float32"}] if do_rescale or do_normalize else []
    if do_rescale and do_normalize:
        # TorchvisionBackend._fuse_mean_std_and_rescale_factor: float32 tensor * (1.0 / factor)
        inverse = np.float32(1.0 / factor)
        steps.append({"op": "normalize", "mean": f32(np.float32(mean) * inverse), "std": f32(np.float32(std) * inverse)})
    elif do_normalize:
        steps.append({"op": "normalize", "mean": f32(mean), "std": f32(std)})
    elif do_rescale:
        steps.append({"op": "mul", "value": factor})  # uint8 tensor * float: float32(x) * float32(factor)
    return steps, []


def _efficientnet(p, backend, do_rescale, do_normalize, factor, mean, std) -> list[dict]:
    """EfficientNetImageProcessor(Pil): rescale (then - 1 with rescale_offset), normalize,
    then with include_top a second normalize(0, std)."""
    offset, top = bool(_get(p, "rescale_offset", False)), bool(_get(p, "include_top", False))
    if backend == "torchvision" and do_rescale and do_normalize and not offset:
        inverse = np.float32(1.0 / factor)
        steps = [{"op": "to_float", "dtype": "float32"},
                 {"op": "normalize", "mean": f32(np.float32(mean) * inverse), "std": f32(np.float32(std) * inverse)}]
    else:
        steps = []
        if do_rescale:
            steps += ([{"op": "to_float", "dtype": "float64"}, {"op": "mul", "value": factor},
                       {"op": "cast", "dtype": "float32"}] if backend == "pil"
                      else [{"op": "to_float", "dtype": "float32"}, {"op": "mul", "value": factor}])
            if offset:
                steps.append({"op": "sub", "value": 1.0})
        if do_normalize:
            if not steps:
                steps.append({"op": "to_float", "dtype": "float32"})
            steps.append({"op": "normalize", "mean": f32(mean), "std": f32(std)})
    if top:
        if not steps:
            raise UnsupportedTransform("include_top on a uint8 image (no rescale, no normalize) is not verified")
        steps.append({"op": "normalize", "mean": [0.0, 0.0, 0.0],
                      "std": f32(std if std else _channels(_get(p, "image_std", 1.0), backend))})
    return steps


def _zero_stays_zero(steps: list[dict]) -> bool:
    """Whether the byte 0 leaves this elementwise chain as exactly 0.0 on every channel."""
    for s in steps:
        if s["op"] in ("add", "sub") and np.any(np.asarray(s["value"]) != 0):
            return False
        if s["op"] == "normalize" and np.any(np.asarray(s["mean"]) != 0):
            return False
    return True


def steps_for(p: Any, name: str, recipe: Recipe, backend: str) -> tuple[list[dict], str, list[str]]:
    """(contract steps, output color, notes for the description) of one image through
    processor p of the family."""
    notes: list[str] = []
    _check_settings(p, name, recipe)
    interpolation = _interpolation(p, backend) if getattr(p, "do_resize", None) else "bilinear"
    before, after = _arithmetic(p, recipe, backend)
    geo = _Geometry(backend)
    if recipe.arithmetic in ("rescale_first", "resize_last"):
        if backend != "torchvision":  # pragma: no cover - both families are torchvision-only
            raise UnsupportedTransform(f"{name} has no pil backend")
        # a float resize after the arithmetic: the torch engine after to_float
        geo.steps += before
        if getattr(p, "do_resize", None):
            size = _base_size(_size(p, "size"), shortest_alone=recipe.resize != "detr")
            if not isinstance(size, (list, dict)):
                raise UnsupportedTransform(f"size {_size(p, 'size')}: a shortest_edge float resize is not verified")
            if not before:
                geo.resize(size, interpolation, recipe.antialias)
            else:
                if interpolation not in ("bilinear", "bicubic"):
                    raise UnsupportedTransform(f"a {interpolation} float resize is not in contract v1")
                geo.steps.append(_resize_step(size, interpolation, backend, recipe.antialias))
        if recipe.crop and getattr(p, "do_center_crop", None):
            raise UnsupportedTransform(f"{name}: a center crop after its float resize is not verified")
        if recipe.pad == "base" and getattr(p, "do_pad", None):
            if _size(p, "pad_size"):
                raise UnsupportedTransform(f"{PAD_TO_SIZE}; do_pad to {_size(p, 'pad_size')} after a float resize")
            notes.append(BATCH_PAD)
        steps = geo.steps + after
    else:
        if recipe.crop == "perceiver" and getattr(p, "do_center_crop", None):
            _perceiver_crop(p, geo)
        if getattr(p, "do_resize", None):
            _resize(p, recipe, geo, interpolation)
        if recipe.crop in (True, "shortest_edge") and getattr(p, "do_center_crop", None):
            crop = _size(p, "crop_size")
            if recipe.crop == "shortest_edge":  # BridgeTower: a square of crop_size.shortest_edge
                if not crop.get("shortest_edge"):
                    raise UnsupportedTransform(f"crop_size {crop} needs shortest_edge (transformers raises)")
                crop = {"height": crop["shortest_edge"], "width": crop["shortest_edge"]}
            if not {"height", "width"} <= set(crop):
                raise UnsupportedTransform(f"crop_size {crop} needs height and width (transformers raises)")
            geo.center_crop(crop["height"], crop["width"])
        _pad(p, recipe, geo, _zero_stays_zero(before))
        steps = geo.steps + before
    notes.extend(geo.notes)
    color = "RGB"
    if recipe.flip and getattr(p, recipe.flip, None):
        color = "BGR"
        for s in steps:  # per-channel values are listed in the output order
            for key in ("mean", "std", "value"):
                if isinstance(s.get(key), list) and len(s[key]) == 3:
                    s[key] = s[key][::-1]
    return steps, color, notes


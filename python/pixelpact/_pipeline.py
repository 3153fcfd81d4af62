"""Pipeline: a compiled contract, callable on numpy images."""
from __future__ import annotations

import dataclasses
import os
from typing import Iterable, Optional, Sequence, Union

import numpy as np

from . import _native
from ._contract import ContractSource, check_document, read_document
from ._native import CoreError as _CoreError
from ._native import translate as _translate
from ._pil import is_pil_image, pil_to_input

__all__ = ["Geometry", "Pipeline", "decoders", "load", "release_cached_outputs", "supported_isas"]

EncodedSource = Union[bytes, bytearray, memoryview, str, os.PathLike]



def _thread_count(threads: Optional[int]) -> int:
    """The core's thread argument: None (every core) is 0."""
    if threads is None:
        return 0
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"threads must be a positive integer or None (every core), got {threads!r}")
    return threads

class Pipeline:
    """A contract compiled for execution. Immutable and safe to call from many
    threads at once; the GIL is released while the kernel runs. Picklable (the
    contract and the load options travel; the copy compiles it again), so it can
    be sent to worker processes."""

    __slots__ = ("_core", "_doc", "_options")

    def __init__(
        self,
        contract: ContractSource,
        *,
        isa: Optional[str] = None,
        max_output_elements: Optional[int] = None,
        max_intermediate_bytes: Optional[int] = None,
    ):
        doc = read_document(contract)
        limits = {"max_output_elements": max_output_elements, "max_intermediate_bytes": max_intermediate_bytes}
        self._core = _native.compile_contract(check_document(doc), isa, limits)
        self._doc = doc
        self._options = {"isa": isa, **limits}

    def __reduce__(self):
        return _restore, (self._doc, self._options)

    @property
    def contract(self) -> dict:
        """The contract document (a copy)."""
        return read_document(self._doc)

    @property
    def name(self) -> str:
        return self._core.name

    @property
    def isa(self) -> str:
        """Instruction set of the kernels this pipeline runs ("avx512", "reference", ...)."""
        return self._core.isa

    @property
    def kernels(self) -> dict:
        """Each kernel this pipeline may call -> the instruction set implementing it."""
        return dict(self._core.kernels)

    @property
    def canonical_json(self) -> str:
        """The contract's canonical form (compact JSON, every default written out,
        keys sorted, one spelling per meaning, no name or description): contracts
        that mean the same thing have the same one."""
        return self._core.canonical_json

    @property
    def fingerprint(self) -> str:
        """SHA-256 of ``canonical_json`` as 64 hexadecimal digits: equal for
        contracts that mean the same thing, different after any change that can
        change a tensor byte."""
        return self._core.fingerprint

    @property
    def input_color(self) -> str:
        return self._core.input_color

    @property
    def input_alpha(self) -> Optional[str]:
        """What alpha does for an RGBA/BGRA input ("drop", "premultiply",
        "composite"); None for RGB, BGR and GRAY."""
        if self.input_color not in ("RGBA", "BGRA"):
            return None
        return self._doc["input"].get("alpha", "drop")

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self._core.dtype)

    @property
    def layout(self) -> str:
        return self._core.layout

    def output_shape(self, height: int, width: int) -> tuple:
        """Shape of the tensor for an input of this size, without running."""
        try:
            return self._core.output_shape(int(height), int(width))
        except _CoreError as err:
            raise _translate(err) from None

    def geometry(self, height: int, width: int) -> "Geometry":
        """How tensor pixels map to image pixels for an input of this size (see
        Geometry), e.g. to map detection boxes back to the image."""
        try:
            return Geometry(**self._core.geometry(int(height), int(width)))
        except _CoreError as err:
            raise _translate(err) from None

    def __call__(self, image: np.ndarray, *, out: Optional[np.ndarray] = None,
                 threads: Optional[int] = 1) -> np.ndarray:
        """Run on one image: a uint8 array (H, W, C) in the contract's input
        colour order, or (H, W) for GRAY, any strides; or a PIL image, converted
        as the contract's input says (docs/integrations.md). Returns a new array shaped per the output layout (N = 1), or
        writes into ``out`` (C-contiguous, right dtype) and returns it.

        ``threads``: split the image into bands of output rows computed on that
        many threads of the persistent pool (None: every core; default 1, the
        calling thread). The result is identical for every thread count; small
        images (under about 256K pixels a band) and contracts that resize after
        to_float or premultiply alpha run on the calling thread."""
        threads = _thread_count(threads)
        image = self._check_image(image)
        try:
            if out is None:
                return self._core.run(image, threads)
            self._check_out(out, image.shape[:2])
            self._core.run_into(image, out, threads)
            return out
        except _CoreError as err:
            raise _translate(err) from None

    def encoded_info(self, data: EncodedSource) -> dict:
        """What a JPEG or PNG's header says, without decoding: ``format``
        ("jpeg"/"png"), ``size`` (height, width) as the steps receive the image
        (upright when the contract's input.decode.orientation is "exif"),
        ``stored_size`` (the file's pixel grid) and ``orientation`` (the EXIF
        orientation applied, 1 = none). ``data``: bytes or a file path."""
        data = _encoded_bytes(data)
        if self._decoder_missing(data):
            return self._pillow_info(data)
        try:
            return self._core.encoded_info(data)
        except _CoreError as err:
            raise _translate(err) from None

    def run_encoded(self, data: EncodedSource, *, out: Optional[np.ndarray] = None) -> np.ndarray:
        """Run on an encoded image (JPEG or PNG bytes, or a file path): decoded as
        Pillow's ``Image.open`` + ``convert`` to the input colour gives it (as
        ``tf.io.decode_image`` gives it for input.decode.decoder "tensorflow"),
        turned per the contract's input.decode.orientation, then the steps.
        Identical to ``pipe(pillow_pixels)``; see docs/decoding.md. Raises
        ValueError for data that is not a readable JPEG/PNG (corrupt, truncated,
        over ``max_intermediate_bytes`` once decoded: refused from the header),
        RuntimeError for an image kind a contract cannot reproduce exactly.
        Without a compiled-in decoder for the format, Pillow decodes it (TensorFlow,
        for the "tensorflow" decoder: refused when TensorFlow is not installed)."""
        data = _encoded_bytes(data)
        if self._decoder_missing(data):
            if self._decoder == "tensorflow":
                return self(self._tensorflow_pixels(data), out=out)
            return self(self._pillow_pixels(data), out=out)
        if out is not None:
            if not isinstance(out, np.ndarray):
                raise TypeError(f"out must be a numpy array, got {type(out).__name__}")
            self._check_out(out, self.encoded_info(data)["size"])
        try:
            return self._core.run_encoded(data, out)
        except _CoreError as err:
            raise _translate(err) from None

    def _decoder_missing(self, data: bytes) -> bool:
        kind = "jpeg" if data[:3] == b"\xff\xd8\xff" else "png" if data[:8] == b"\x89PNG\r\n\x1a\n" else None
        return kind is not None and decoders()[kind] is None

    @property
    def _decoder(self) -> str:
        return self.contract["input"].get("decode", {}).get("decoder", "pillow")

    def _tensorflow_pixels(self, data: bytes) -> np.ndarray:
        """The "tensorflow" decoder without a compiled-in libjpeg/libpng: TensorFlow
        itself (tf.io.decode_image, as image_dataset_from_directory calls it), or a
        clear refusal; Pillow cannot give its pixels (another IDCT)."""
        try:
            import tensorflow as tf
        except ImportError:
            raise RuntimeError(
                'this contract decodes with input.decode.decoder "tensorflow", but this build of pixelpact '
                "has no compiled-in decoder for the file and TensorFlow is not installed; Pillow cannot "
                "reproduce TensorFlow's JPEG decoder (fast integer IDCT): install tensorflow-cpu or a "
                "pixelpact built with libjpeg/libpng") from None
        color = self.input_color
        if color not in ("RGB", "BGR", "GRAY"):
            raise RuntimeError("the tensorflow decoder gives RGB or GRAY pixels; an RGBA/BGRA input color is "
                               "not supported with it")
        if self.contract["input"].get("decode", {}).get("orientation") == "exif":
            raise RuntimeError('orientation "exif" with the tensorflow decoder needs the compiled-in decoders')
        array = tf.io.decode_image(data, channels=1 if color == "GRAY" else 3, expand_animations=False).numpy()
        array = array[..., 0] if color == "GRAY" else array[..., ::-1] if color == "BGR" else array
        return np.ascontiguousarray(array)

    def _pillow_pixels(self, data: bytes) -> np.ndarray:
        """The reference itself: Image.open + convert (+ exif_transpose)."""
        import io
        import warnings

        from PIL import Image, ImageOps

        color = self.input_color
        with Image.open(io.BytesIO(data)) as im, warnings.catch_warnings():
            # Pillow suggests RGBA for palette transparency; the contract's colour rules.
            warnings.simplefilter("ignore", UserWarning)
            if self.contract["input"].get("decode", {}).get("orientation") == "exif":
                im = ImageOps.exif_transpose(im)
            array = np.array(im.convert({"RGB": "RGB", "BGR": "RGB", "GRAY": "L"}.get(color, "RGBA")))
        if color in ("BGR", "BGRA"):
            array = np.ascontiguousarray(np.concatenate([array[..., 2::-1], array[..., 3:]], axis=2))
        return array

    def _pillow_info(self, data: bytes) -> dict:
        import io

        from PIL import Image

        with Image.open(io.BytesIO(data)) as im:
            stored = (im.height, im.width)
            orientation = 1
            if self.contract["input"].get("decode", {}).get("orientation") == "exif":
                value = im.getexif().get(0x0112, 1)
                orientation = value if value in range(2, 9) else 1
            return {"format": im.format.lower(), "size": stored[::-1] if orientation >= 5 else stored,
                    "stored_size": stored, "orientation": orientation}

    def batch(self, images: Sequence[np.ndarray] | Iterable[np.ndarray], *, threads: Optional[int] = None,
              out: Optional[np.ndarray] = None) -> np.ndarray:
        """Run on several images and stack the results along a batch axis:
        (N, C, H, W) for NCHW/CHW contracts, (N, H, W, C) for NHWC/HWC.

        ``threads``: worker threads from a persistent pool (default: every core);
        the result is identical for every thread count. ``out``: a C-contiguous
        array of that shape and the output dtype to write into."""
        threads = _thread_count(threads)
        images = [self._check_image(img) for img in images]
        if not images:
            raise ValueError("batch() needs at least one image")
        shapes = [self.output_shape(*img.shape[:2]) for img in images]
        first = shapes[0]
        for i, shape in enumerate(shapes):
            if shape != first:
                raise ValueError(
                    f"batch outputs differ in shape: image 0 gives {first}, image {i} gives {shape}; "
                    "add a fixed-size step (e.g. center_crop) to the contract or batch by size"
                )
        per_image = first[1:] if len(first) == 4 else first
        shape = (len(images),) + tuple(per_image)
        if out is None:
            out = _native.new_output_array(shape, self.dtype)
        elif not isinstance(out, np.ndarray):
            raise TypeError(f"out must be a numpy array, got {type(out).__name__}")
        elif out.shape != shape:
            raise ValueError(f"out has shape {out.shape}, the batch has shape {shape}")
        try:
            self._core.run_batch(images, out, threads)
        except _CoreError as err:
            raise _translate(err) from None
        return out

    def input_array(self, image) -> np.ndarray:
        """The array the kernel reads for ``image``: a PIL image converted as the
        contract's input says (docs/integrations.md), a numpy array checked (dtype,
        dimensions, channels) and returned as it is. Raises what a call would."""
        return self._check_image(image)

    def _check_image(self, image) -> np.ndarray:
        if is_pil_image(image):
            image = pil_to_input(image, self.input_color, self.input_alpha)
        elif not isinstance(image, np.ndarray):
            if hasattr(image, "__array_interface__") or hasattr(image, "__array__"):
                image = np.asarray(image)
            else:
                raise TypeError(f"image must be a numpy array, got {type(image).__name__}")
        if image.dtype != np.uint8:
            raise TypeError(f"image must have dtype uint8, got {image.dtype}")
        channels = self._core.input_channels
        if image.ndim == 2 and channels == 1:
            pass
        elif image.ndim != 3:
            want = "(height, width) or (height, width, 1)" if channels == 1 else f"(height, width, {channels})"
            raise ValueError(f"image must have shape {want} for input color {self.input_color}, got {image.shape}")
        elif image.shape[2] != channels:
            raise ValueError(
                f"input color {self.input_color} needs {channels} channel(s), the image has {image.shape[2]} "
                f"(shape {image.shape})"
            )
        if image.shape[0] == 0 or image.shape[1] == 0:
            raise ValueError(f"image is empty (shape {image.shape})")
        return image

    def _check_out(self, out, hw) -> None:
        if not isinstance(out, np.ndarray):
            raise TypeError(f"out must be a numpy array, got {type(out).__name__}")
        expected = self.output_shape(*hw)
        if out.shape != tuple(expected):
            raise ValueError(f"out has shape {out.shape}, the tensor has shape {tuple(expected)}")

    def __repr__(self) -> str:
        return f"pixelpact.Pipeline(name={self.name!r}, layout={self.layout}, dtype={self.dtype})"


def _restore(doc: dict, options: dict) -> Pipeline:
    return Pipeline(doc, **options)


def load(
    contract: ContractSource,
    *,
    isa: Optional[str] = None,
    max_output_elements: Optional[int] = None,
    max_intermediate_bytes: Optional[int] = None,
) -> Pipeline:
    """Load and validate a contract (a path, a JSON string or a dict).

    ``isa`` forces the kernels' instruction set ("reference", "avx2", "avx512",
    "neon"); by default the PIXELPACT_FORCE_ISA environment variable if set, else
    the best this CPU supports. Every choice produces identical bytes.

    ``max_output_elements`` (default 2**28) and ``max_intermediate_bytes`` (default
    2**30) bound what one call may allocate: a larger tensor, or a larger
    intermediate image, raises ValueError before anything is allocated; 0 = no limit."""
    return Pipeline(
        contract, isa=isa, max_output_elements=max_output_elements, max_intermediate_bytes=max_intermediate_bytes
    )


def fingerprint(contract: ContractSource) -> str:
    """The fingerprint of a contract (a path, a JSON string or a dict): SHA-256
    of its canonical form, as ``Pipeline.fingerprint``. Raises ContractError for an
    invalid contract."""
    return Pipeline(contract).fingerprint


supported_isas = _native.supported_isas
release_cached_outputs = _native.release_cached_outputs
decoders = _native.decoders


def _encoded_bytes(data: EncodedSource) -> bytes:
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, (str, os.PathLike)):
        with open(data, "rb") as f:
            return f.read()
    raise TypeError(f"expected the encoded image as bytes or a file path, got {type(data).__name__}")


@dataclasses.dataclass(frozen=True)
class Geometry:
    """Per axis, ``input = output * scale + offset`` in continuous pixel
    coordinates (pixel i covers [i, i + 1); every resize samples output pixel
    i at input (i + 0.5) * scale + offset), composed over all geometry steps.
    ``content`` is the output rectangle (y0, x0, y1, x1) the image covers; the
    rest is padding. Sizes are (height, width)."""

    input_size: tuple
    output_size: tuple
    scale: tuple
    offset: tuple
    content: tuple

    def to_input(self, boxes) -> np.ndarray:
        """(..., 4) boxes (x0, y0, x1, y1) in tensor pixels -> image pixels (float64)."""
        b = np.asarray(boxes, dtype=np.float64)
        sy, sx = self.scale
        oy, ox = self.offset
        return b * np.array([sx, sy, sx, sy]) + np.array([ox, oy, ox, oy])

    def to_output(self, boxes) -> np.ndarray:
        """(..., 4) boxes (x0, y0, x1, y1) in image pixels -> tensor pixels (float64)."""
        b = np.asarray(boxes, dtype=np.float64)
        sy, sx = self.scale
        oy, ox = self.offset
        return (b - np.array([ox, oy, ox, oy])) / np.array([sx, sy, sx, sy])

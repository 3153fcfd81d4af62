"""pixelpact.torch: a contract as a torchvision-style transform.

>>> import pixelpact.torch
>>> transform = pixelpact.torch.Transform("contract.json")
>>> dataset = torchvision.datasets.ImageFolder(root, transform=transform)
>>> loader = torch.utils.data.DataLoader(dataset, batch_size=64, num_workers=4)

``Transform`` takes a PIL image (converted as the contract's input says; see
docs/integrations.md), a uint8 numpy array (H, W, C) in the contract's colour
order, or a uint8 CPU tensor (C, H, W) (or (H, W, C) with ``tensor_layout="HWC"``),
and returns a torch tensor that shares memory with the kernel's output. It
pickles (the contract travels; each process compiles it once), so it works in
``DataLoader`` workers under fork and spawn alike. ``batch`` and ``collate`` run a
whole batch on the kernel's thread pool with the GIL released.

Needs PyTorch (``pip install 'pixelpact[torch]'``); ``import pixelpact`` alone never
imports it.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

try:
    import torch
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("pixelpact.torch needs PyTorch: pip install 'pixelpact[torch]'") from exc

import numpy as np

from ._pipeline import Pipeline
from ._contract import ContractSource

__all__ = ["Transform"]

_TENSOR_LAYOUTS = ("CHW", "HWC")


class Transform:
    """A contract as a drop-in for a torchvision eval transform.

    contract: a path, JSON text, dict, or a loaded ``pixelpact.Pipeline``.
    tensor_layout: how uint8 tensor inputs are laid out, "CHW" (torchvision's
    convention, the default) or "HWC"; the layout is never guessed from the shape.
    threads: worker threads of ``batch``/``collate`` (default: every core, or 1
    inside a DataLoader worker, where the workers already use the cores).

    One image in, one image's tensor out: for a contract whose output layout has a
    batch axis (NCHW, NHWC) the tensor is returned without it ((C, H, W) /
    (H, W, C)), as a torchvision transform returns it, so the DataLoader's collate
    stacks images into (N, C, H, W). ``batch`` returns (N, ...)."""

    def __init__(self, contract: ContractSource | Pipeline, *, tensor_layout: str = "CHW",
                 threads: Optional[int] = None):
        if tensor_layout not in _TENSOR_LAYOUTS:
            raise ValueError(f"tensor_layout must be 'CHW' or 'HWC', got {tensor_layout!r}")
        if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool) or threads < 1):
            raise ValueError(f"threads must be a positive integer or None, got {threads!r}")
        self.pipeline = contract if isinstance(contract, Pipeline) else Pipeline(contract)
        self.tensor_layout = tensor_layout
        self.threads = threads

    @property
    def name(self) -> str:
        return self.pipeline.name

    @property
    def fingerprint(self) -> str:
        return self.pipeline.fingerprint

    def __repr__(self) -> str:
        return (f"pixelpact.torch.Transform(contract={self.name!r}, fingerprint={self.fingerprint!r}, "
                f"output={self.pipeline.layout} {self.pipeline.dtype})")

    def __call__(self, image: Any, *, out: Optional[torch.Tensor] = None) -> torch.Tensor:
        """The contract's tensor for one image (without a batch axis). ``out``: a
        contiguous tensor of that shape and the output dtype to write into."""
        array = self._input(image)
        if out is None:
            tensor = torch.from_numpy(self.pipeline(array))  # no copy: the kernel's own output
            return tensor[0] if self._batched_layout else tensor
        full = tuple(self.pipeline.output_shape(*array.shape[:2]))
        self.pipeline(array, out=self._out_array(out, full, full[1:] if self._batched_layout else full,
                                                 "the image's tensor"))
        return out

    def batch(self, images: Sequence[Any], *, out: Optional[torch.Tensor] = None) -> torch.Tensor:
        """One tensor (N, ...) for several images, each converted as ``__call__``
        converts it, run on the kernel's thread pool with the GIL released. Every
        image must give the same tensor shape (a contract with a fixed-size step)."""
        arrays = [self._input(image) for image in images]
        if not arrays:
            raise ValueError("batch() needs at least one image")
        target = None
        if out is not None:
            first = self.pipeline.output_shape(*arrays[0].shape[:2])
            per_image = first[1:] if self._batched_layout else first
            shape = (len(arrays),) + tuple(per_image)
            target = self._out_array(out, shape, shape, "the batch")
        result = self.pipeline.batch(arrays, threads=self._threads(), out=target)
        return out if out is not None else torch.from_numpy(result)

    def collate(self, samples: Sequence[Any]):
        """A ``collate_fn`` for ``DataLoader``: samples are images, or tuples/lists
        whose first element is the image; images become one ``batch`` tensor, the
        other fields go through torch's ``default_collate``."""
        from torch.utils.data import default_collate

        samples = list(samples)
        if not samples:
            raise ValueError("collate() needs at least one sample")
        if all(isinstance(s, (tuple, list)) and len(s) > 0 for s in samples):
            images = self.batch([s[0] for s in samples])
            rest = default_collate([tuple(s[1:]) for s in samples]) if len(samples[0]) > 1 else []
            return [images, *rest]
        return self.batch(samples)

    # -- internals

    @property
    def _batched_layout(self) -> bool:
        return self.pipeline.layout in ("NCHW", "NHWC")

    def _threads(self) -> Optional[int]:
        if self.threads is not None:
            return self.threads
        from torch.utils.data import get_worker_info

        return 1 if get_worker_info() is not None else None

    def _input(self, image: Any) -> np.ndarray:
        """The kernel's input array (PIL images converted, everything checked)."""
        if not torch.is_tensor(image):
            return self.pipeline.input_array(image)
        if image.dtype != torch.uint8:
            raise TypeError(f"a tensor image must have dtype torch.uint8, got {image.dtype}")
        if image.device.type != "cpu":
            raise ValueError(f"pixelpact runs on the CPU; the tensor is on {image.device} (call .cpu() first)")
        channels = 1 if self.pipeline.input_color == "GRAY" else 4 if self.pipeline.input_color in ("RGBA", "BGRA") \
            else 3
        if image.dim() == 2 and channels == 1:
            return self.pipeline.input_array(image.numpy())
        axis = 0 if self.tensor_layout == "CHW" else 2
        if image.dim() != 3 or image.shape[axis] != channels:
            want = f"({channels}, H, W)" if self.tensor_layout == "CHW" else f"(H, W, {channels})"
            other = "HWC" if self.tensor_layout == "CHW" else "CHW"
            raise ValueError(
                f"a tensor image for input color {self.pipeline.input_color} must have shape {want} "
                f"(tensor_layout={self.tensor_layout!r}), got {tuple(image.shape)}; "
                f"pass tensor_layout={other!r} for {other} tensors")
        array = image.numpy()
        return self.pipeline.input_array(array.transpose(1, 2, 0) if self.tensor_layout == "CHW" else array)

    @staticmethod
    def _out_array(out: torch.Tensor, full: tuple, expected: tuple, what: str) -> np.ndarray:
        """``out`` (of shape ``expected``) as a numpy view of shape ``full`` (the kernel's)."""
        if not torch.is_tensor(out):
            raise TypeError(f"out must be a torch tensor, got {type(out).__name__}")
        if out.device.type != "cpu" or not out.is_contiguous():
            raise ValueError("out must be a contiguous CPU tensor")
        if tuple(out.shape) != tuple(expected):
            raise ValueError(f"out has shape {tuple(out.shape)}, {what} has shape {tuple(expected)}")
        return out.numpy().reshape(full)  # a view of out's memory

"""Reading a tensor of any shape as an image: which axis is the channel axis,
which are height and width, which are batch axes of length 1."""
from __future__ import annotations

import dataclasses
import itertools

import numpy as np

CONTRACT_LAYOUTS = {("N", "C", "H", "W"): "NCHW", ("N", "H", "W", "C"): "NHWC", ("C", "H", "W"): "CHW",
                    ("H", "W", "C"): "HWC"}
ROLES = {layout: roles for roles, layout in CONTRACT_LAYOUTS.items()}
MAX_NDIM = 6


@dataclasses.dataclass(frozen=True)
class Layout:
    """One reading of a tensor shape: roles[i] is "N" (a batch axis of length 1),
    "C" (3 channels), "H" or "W" for axis i."""

    roles: tuple
    shape: tuple

    @property
    def core(self) -> tuple:
        return tuple(r for r in self.roles if r != "N")

    @property
    def batch_axes(self) -> int:
        return self.roles.count("N")

    @property
    def channels_first(self) -> bool:
        return self.core.index("C") < self.core.index("H")

    @property
    def hw_swapped(self) -> bool:
        return self.core.index("W") < self.core.index("H")

    @property
    def size(self) -> tuple:
        """(height, width) of the image this reading describes."""
        return self.shape[self.roles.index("H")], self.shape[self.roles.index("W")]

    @property
    def contract_layout(self) -> str | None:
        """The contract layout with exactly these roles, or None."""
        return CONTRACT_LAYOUTS.get(self.roles)

    @property
    def nearest_contract_layout(self) -> str:
        """The contract layout a contract states this tensor with, the rest done
        by a transposition/reshape outside the contract."""
        exact = self.contract_layout
        if exact:
            return exact
        batch = self.batch_axes > 0
        if self.channels_first:
            return "NCHW" if batch else "CHW"
        return "NHWC" if batch else "HWC"

    def to_hwc(self, tensor: np.ndarray) -> np.ndarray:
        """The tensor as an (H, W, 3) view."""
        core = self.core
        squeezed = tensor.reshape([n for n, r in zip(self.shape, self.roles) if r != "N"])
        return squeezed.transpose([core.index(r) for r in "HWC"])

    def from_hwc(self, hwc: np.ndarray) -> np.ndarray:
        """An (H, W, 3) array laid out as this reading (a copy)."""
        return np.ascontiguousarray(hwc.transpose(["HWC".index(r) for r in self.core])).reshape(self.shape)

    def describe(self) -> str:
        name = self.contract_layout or "x".join(self.roles)
        return f"{name} {tuple(int(n) for n in self.shape)}"

    def outside_step(self) -> str | None:
        """What turns the contract's tensor into this one, if the contract cannot."""
        if self.contract_layout:
            return None
        source = Layout(ROLES[self.nearest_contract_layout], ())
        perm = tuple(source.core.index(r) for r in self.core)
        parts = []
        if perm != tuple(range(len(perm))):
            parts.append(f"transpose the axes to {perm} (roles {''.join(self.core)})")
        if source.batch_axes != self.batch_axes or len(self.roles) != len(source.roles):
            parts.append(f"reshape to {tuple(int(n) for n in self.shape)}")
        return f"the {self.nearest_contract_layout} tensor is then " + " and ".join(parts)


def readings(shape: tuple, channels: int = 3) -> list:
    """Every way to read `shape` as one image with `channels` channels: one
    channel axis, a height and a width axis, every other axis of length 1.
    Ordered: contract layouts first, then by how unusual the reading is."""
    shape = tuple(int(n) for n in shape)
    if not 3 <= len(shape) <= MAX_NDIM:
        return []
    found = []
    for c, h, w in itertools.permutations(range(len(shape)), 3):
        if shape[c] != channels:
            continue
        if any(shape[i] != 1 for i in range(len(shape)) if i not in (c, h, w)):
            continue
        roles = ["N"] * len(shape)
        roles[c], roles[h], roles[w] = "C", "H", "W"
        found.append(Layout(tuple(roles), shape))

    def unusual(layout: Layout) -> tuple:
        leading_batch = all(r == "N" for r in layout.roles[: layout.batch_axes])
        return (layout.contract_layout is None, layout.hw_swapped, not leading_batch, layout.batch_axes)

    return sorted(found, key=unusual)

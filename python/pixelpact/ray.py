"""pixelpact.ray: a contract over a Ray Data image column, on one machine or many.

>>> import ray, pixelpact.ray
>>> ds = ray.data.read_images("s3://bucket/photos/", mode="RGB")   # Image.open(f).convert("RGB")
>>> ds = pixelpact.ray.preprocess(ds, "contract.json", concurrency=8)
>>> ds.write_parquet("s3://bucket/tensors/")

or, with ``map_batches`` directly::

    ds.map_batches(pixelpact.ray.Preprocessor, fn_constructor_args=(contract,),
                   batch_format="numpy", compute=ray.data.ActorPoolStrategy(size=8))

The column may hold decoded images (uint8 arrays, of varying sizes, in the
contract's colour order, as ``read_images`` gives them) or encoded files (bytes,
as ``ray.data.read_binary_files`` gives them), which are decoded with Pillow and
converted as the contract's input says (docs/integrations.md). Each worker
compiles the contract once.

Needs Ray Data (``pip install 'pixelpact[ray]'``); ``import pixelpact`` alone never
imports it.
"""
from __future__ import annotations

import io
from typing import Any, Optional, Union

try:
    import ray
    import ray.data
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError("pixelpact.ray needs Ray Data: pip install 'pixelpact[ray]'") from exc

import numpy as np

from ._contract import ContractSource, read_document
from ._pipeline import Pipeline

__all__ = ["Preprocessor", "preprocess"]

# Rows per map_batches call in preprocess(): 64 float32 ImageNet tensors are 38 MB
# per worker (Ray's default of 1024 rows would hold 600 MB).
DEFAULT_BATCH_SIZE = 64


class Preprocessor:
    """A callable class for ``Dataset.map_batches(..., batch_format="numpy")``: runs
    the contract over ``batch[column]`` and adds ``batch[output_column]``.

    Rows whose tensors all have one shape become one (N, ...) array (computed by the
    kernel's thread pool); otherwise an object array of per-row tensors (Ray stores
    it as a variable-shaped tensor column). A row's tensor has no batch axis, as
    ``Pipeline.batch`` stacks them. threads: the kernel's threads per batch, by
    default the CPUs Ray assigned to this worker (1 unless ``num_cpus`` says more).
    A row that cannot be processed raises ValueError naming the row (and its
    ``path``, when the batch has that column)."""

    def __init__(self, contract: ContractSource | Pipeline, column: str = "image", output_column: str = "tensor",
                 *, threads: Optional[int] = None):
        self.pipeline = contract if isinstance(contract, Pipeline) else Pipeline(contract)
        self.column = column
        self.output_column = output_column
        self.threads = threads if threads is not None else _assigned_cpus()

    def __repr__(self) -> str:
        return (f"pixelpact.ray.Preprocessor(contract={self.pipeline.name!r}, "
                f"fingerprint={self.pipeline.fingerprint!r}, column={self.column!r}, "
                f"output_column={self.output_column!r})")

    def __call__(self, batch: dict) -> dict:
        if self.column not in batch:
            raise KeyError(f"the batch has no column {self.column!r} (columns: {sorted(batch)})")
        column = batch[self.column]
        paths = batch.get("path")
        images = []
        for i, value in enumerate(column):
            try:
                images.append(self._image(value))
            except (TypeError, ValueError, OSError) as err:
                raise ValueError(f"{_row(i, paths)}: {err}") from None
        shapes = []
        for i, image in enumerate(images):
            try:
                shapes.append(tuple(self.pipeline.output_shape(*image.shape[:2])))
            except ValueError as err:
                raise ValueError(f"{_row(i, paths)}: {err}") from None
        if len(set(shapes)) <= 1 and images:
            try:
                batch[self.output_column] = self.pipeline.batch(images, threads=self.threads)
                return batch
            except (TypeError, ValueError):
                pass  # find the row below
        batch[self.output_column] = self._one_by_one(images, paths)
        return batch

    def _image(self, value: Any):
        if isinstance(value, (bytes, bytearray, memoryview, np.bytes_)):
            from PIL import Image

            with Image.open(io.BytesIO(bytes(value))) as im:
                im.load()
                return self.pipeline.input_array(im)
        return self.pipeline.input_array(value)

    def _one_by_one(self, images: list, paths) -> np.ndarray:
        batched = self.pipeline.layout in ("NCHW", "NHWC")
        out = np.empty(len(images), dtype=object)
        for i, image in enumerate(images):
            try:
                tensor = self.pipeline(image)
            except (TypeError, ValueError) as err:
                raise ValueError(f"{_row(i, paths)}: {err}") from None
            out[i] = tensor[0] if batched else tensor
        return out


def preprocess(ds: "ray.data.Dataset", contract: ContractSource | Pipeline, *, column: str = "image",
               output_column: str = "tensor", concurrency: Union[int, tuple, None] = None,
               batch_size: Optional[int] = DEFAULT_BATCH_SIZE, threads: Optional[int] = None,
               **map_batches_args: Any) -> "ray.data.Dataset":
    """``ds`` with ``output_column`` added: the contract run over ``column`` by a pool
    of Preprocessor actors (the contract compiled once per actor).

    The contract is read and validated here, on the driver, and shipped as a
    document, so a path need not exist on the other nodes. concurrency: the actor
    pool's size (an int) or (min, max) for an autoscaling pool; None is Ray's
    default. batch_size: rows per call (see DEFAULT_BATCH_SIZE). Other keyword
    arguments go to ``map_batches`` (``num_cpus``, ``memory``, ...)."""
    doc = contract.contract if isinstance(contract, Pipeline) else read_document(contract)
    Pipeline(doc)  # invalid contracts fail here, not in every worker
    args = dict(map_batches_args)
    if concurrency is not None:
        args["compute"] = _actor_pool(concurrency)
        _warn_if_actors_take_every_cpu(args["compute"].initial_size, args.get("num_cpus", 1))
    return ds.map_batches(Preprocessor, fn_constructor_args=(doc,),
                          fn_constructor_kwargs={"column": column, "output_column": output_column,
                                                 "threads": threads},
                          batch_format="numpy", batch_size=batch_size, **args)


def _actor_pool(concurrency):
    if isinstance(concurrency, bool):
        raise ValueError(f"concurrency must be a positive int or (min, max), got {concurrency!r}")
    if isinstance(concurrency, int):
        if concurrency < 1:
            raise ValueError(f"concurrency must be a positive int or (min, max), got {concurrency!r}")
        return ray.data.ActorPoolStrategy(size=concurrency)
    low, high = concurrency
    return ray.data.ActorPoolStrategy(min_size=int(low), max_size=int(high))


def _warn_if_actors_take_every_cpu(actors: int, cpus_per_actor: float) -> None:
    """Ray Data starts the actors first; if they hold every CPU, the read tasks that feed
    them never run and the dataset hangs (ray-project/ray#44687, open in Ray 2.60)."""
    if not ray.is_initialized() or not cpus_per_actor:
        return
    total = ray.cluster_resources().get("CPU", 0)
    if total and actors * cpus_per_actor >= total:
        import warnings

        warnings.warn(
            f"{actors} preprocessing actor(s) x {cpus_per_actor} CPU take all {total:g} CPUs of the cluster: if the "
            "dataset is still to be read, its read tasks get no CPU and Ray Data hangs (ray-project/ray#44687). "
            "Use fewer actors, or a fraction of a CPU each (num_cpus=0.5).", RuntimeWarning, stacklevel=3)


def _assigned_cpus() -> int:
    if not ray.is_initialized():  # get_runtime_context() would start a local cluster
        return 1
    try:
        cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
    except AssertionError:  # the driver, not a worker (a Preprocessor called directly)
        return 1
    return max(1, int(cpus))


def _row(i: int, paths) -> str:
    if paths is not None and i < len(paths):
        return f"row {i} ({paths[i]})"
    return f"row {i}"

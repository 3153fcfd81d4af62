"""Preprocess a folder of images with a pixelpact contract on a Ray cluster.

    python preprocess_folder.py CONTRACT.json IMAGES/ OUT/ [--workers N] [--format parquet|npy]
                                [--model MODEL.onnx] [--address auto]

Reads every image file under IMAGES (JPEG, PNG, WebP, BMP, TIFF, GIF) as bytes, decodes it
with Pillow in the workers and converts it as the contract's input says (pixelpact.ray), runs
the contract (compiled once per worker), and writes

- ``--format parquet`` (default): Parquet files in OUT with columns ``path`` and ``tensor``;
- ``--format npy``: shards ``OUT/shard-*.npy`` (one stacked array per batch; the contract needs
  a fixed output size) with ``OUT/shard-*.txt`` listing the images' paths in the same order;
- with ``--model``: the tensors go through the ONNX model in onnxruntime (one session per
  worker) and its first output replaces ``tensor``. A model stamped by ``pixelpact onnx stamp``
  must carry this very contract, or the job refuses to start.

Without ``--address`` it starts a local cluster (``ray.init()``); ``--address auto`` joins the
cluster this machine belongs to (``ray start --head`` / ``ray start --address=...``). On a
cluster, IMAGES and OUT must be paths every node can read and write (a shared filesystem, or
``s3://``/``gs://`` URIs), and every node needs pixelpact installed. See docs/integrations.md.
"""
from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

import numpy as np

IMAGE_EXTENSIONS = ["jpg", "jpeg", "png", "webp", "bmp", "tif", "tiff", "gif"]


def predictor_class():
    """pixelpact.ray.Preprocessor extended with an ONNX model: one actor pool does both, so
    the tensors never leave the worker; one onnxruntime session per worker. The model's
    first output replaces the tensor column."""
    import pixelpact.ray

    class PreprocessAndPredict(pixelpact.ray.Preprocessor):
        def __init__(self, contract, model: bytes, **kwargs):
            import onnxruntime as ort

            super().__init__(contract, **kwargs)
            options = ort.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            self.session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
            self.input = self.session.get_inputs()[0].name

        def __call__(self, batch: dict) -> dict:
            batch = super().__call__(batch)
            tensors = batch[self.output_column]
            if tensors.dtype == object:
                raise ValueError("the model needs tensors of one shape: give the contract a fixed-size step")
            batch[self.output_column] = self.session.run(None, {self.input: tensors})[0]
            return batch

    return PreprocessAndPredict


def write_npy_shard(batch: dict, out: str, column: str = "tensor") -> dict:
    """Writes a batch's column as OUT/shard-<id>.npy and its paths as OUT/shard-<id>.txt
    (a task, not an actor: it holds no CPU between batches)."""
    tensors = batch[column]
    if tensors.dtype == object:
        raise ValueError("npy shards need tensors of one shape: give the contract a fixed-size step, "
                         "or write Parquet")
    name = f"shard-{uuid.uuid4().hex[:16]}"
    np.save(Path(out) / f"{name}.npy", tensors)
    (Path(out) / f"{name}.txt").write_text("".join(f"{p}\n" for p in batch["path"]), encoding="utf-8")
    return {"shard": np.array([name]), "rows": np.array([len(tensors)])}


def check_model(model_path: str, contract) -> bytes:
    """The model's bytes, after refusing a model stamped with another contract."""
    import pixelpact.onnx

    model = Path(model_path).read_bytes()
    try:
        pixelpact.onnx.check(model, contract)
        print(f"{model_path}: stamped with this contract")
    except pixelpact.onnx.StampError as err:
        if "carries no pixelpact contract" not in str(err):
            raise SystemExit(f"{model_path}: {err}")
        print(f"{model_path}: not stamped (pixelpact onnx stamp would record the contract in it)")
    return model


def run(contract_path: str, images: str, out: str, *, workers: int = 2, cpus_per_worker: float = 1,
        fmt: str = "parquet", model: str | None = None, batch_size: int = 32) -> dict:
    """The job, on the Ray cluster this process is connected to. Returns counts and timing."""
    import ray

    import pixelpact
    import pixelpact.ray

    contract = pixelpact.load(contract_path).contract  # validated here, shipped as a document
    model_bytes = check_model(model, contract) if model else None
    if "://" not in out:
        Path(out).mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    ds = ray.data.read_binary_files(images, include_paths=True, file_extensions=IMAGE_EXTENSIONS)
    if model_bytes is None:
        ds = pixelpact.ray.preprocess(ds, contract, column="bytes", concurrency=workers, batch_size=batch_size,
                                      num_cpus=cpus_per_worker)
    else:
        ds = ds.map_batches(predictor_class(), fn_constructor_args=(contract, model_bytes),
                            fn_constructor_kwargs={"column": "bytes"}, batch_format="numpy", batch_size=batch_size,
                            compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=cpus_per_worker)
    ds = ds.drop_columns(["bytes"])
    if fmt == "parquet":
        ds.write_parquet(out)
        rows = ray.data.read_parquet(out).count()  # from the files' metadata
    else:
        shards = ds.map_batches(write_npy_shard, fn_kwargs={"out": out}, batch_format="numpy").take_all()
        rows = int(sum(s["rows"] for s in shards))
    seconds = time.perf_counter() - start
    return {"images": rows, "seconds": seconds, "images_per_second": rows / seconds, "workers": workers}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("contract")
    parser.add_argument("images", help="folder (or s3://... prefix) of image files")
    parser.add_argument("out", help="output folder (or URI)")
    parser.add_argument("--workers", type=int, default=2, help="preprocessing actors (default 2)")
    parser.add_argument("--cpus-per-worker", type=float, default=1,
                        help="CPUs each actor reserves (default 1); leave the read tasks at least one CPU of "
                             "the cluster, or Ray Data waits forever (ray-project/ray#44687)")
    parser.add_argument("--format", choices=("parquet", "npy"), default="parquet")
    parser.add_argument("--model", help="an ONNX model taking the contract's tensor")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--address", default=None,
                        help="Ray cluster address ('auto': the cluster of `ray start`); default: a local cluster")
    args = parser.parse_args(argv)

    import ray

    ray.init(address=args.address, include_dashboard=False if args.address is None else None,
             logging_level="WARNING")
    try:
        ray.data.DataContext.get_current().enable_progress_bars = sys.stderr.isatty()
        result = run(args.contract, args.images, args.out, workers=args.workers, cpus_per_worker=args.cpus_per_worker,
                     fmt=args.format, model=args.model, batch_size=args.batch_size)
    finally:
        ray.shutdown()
    print(f"{result['images']} images -> {args.out} in {result['seconds']:.1f} s "
          f"({result['images_per_second']:.1f} images/s, {result['workers']} worker(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())

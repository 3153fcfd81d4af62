"""pixelpact.torch.Transform against the real torchvision pipelines it replaces: a
DataLoader over a folder of real images with worker processes (fork and spawn) yields the
batches of torchvision's ImageFolder with the transform the contract was imported from;
tensor and array inputs; no copy of the kernel's output; pickling; errors."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader
from torchvision import datasets
from torchvision import transforms as T
from torchvision.transforms import v2

import pixelpact
import pixelpact.torch
from helpers import assert_same, noise
from helpers.photos import photo_folder

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
TF = T.Compose([T.Resize(64), T.CenterCrop(56), T.ToTensor(), T.Normalize(MEAN, STD)])


def open_image(path):
    """A loader that leaves the mode as stored (P, L, CMYK, RGBA ...): the Transform converts."""
    with open(path, "rb") as f:
        im = Image.open(f)
        im.load()
        return im


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("photos")
    photo_folder(root)
    return root


def batches(loader):
    return [(images, labels) for images, labels in loader]


def assert_same_batches(actual, expected):
    assert len(actual) == len(expected)
    for (images, labels), (ref_images, ref_labels) in zip(actual, expected):
        assert_same(images.numpy(), ref_images.numpy())
        assert torch.equal(labels, ref_labels)


@pytest.fixture(scope="module")
def torchvision_batches(folder):
    """What training computed: ImageFolder's default loader (convert('RGB')) and TF, in-process."""
    return batches(DataLoader(datasets.ImageFolder(folder, transform=TF), batch_size=4))


@pytest.mark.slow  # worker processes
def test_dataloader_workers_match_torchvision(folder, torchvision_batches):
    transform = pixelpact.torch.Transform(pixelpact.from_torchvision(TF))
    loader = DataLoader(datasets.ImageFolder(folder, transform=transform), batch_size=4, num_workers=2)
    assert_same_batches(batches(loader), torchvision_batches)


@pytest.mark.slow  # worker processes
def test_dataloader_spawn_workers_pickle_the_transform(folder, torchvision_batches):
    """spawn pickles the dataset and its transform into each worker. The images reach it in
    their stored modes (RGB, L, P with transparency, CMYK, RGBA): a contract stating
    alpha 'drop' converts them as ImageFolder's loader does."""
    contract = pixelpact.from_torchvision(TF, input_color="RGBA", alpha="drop")
    dataset = datasets.ImageFolder(folder, transform=pixelpact.torch.Transform(contract), loader=open_image)
    assert {open_image(p).mode for p, _ in dataset.samples} == {"RGB", "L", "P", "CMYK", "RGBA"}
    loader = DataLoader(dataset, batch_size=4, num_workers=2, multiprocessing_context="spawn")
    assert_same_batches(batches(loader), torchvision_batches)


@pytest.mark.slow  # worker processes
def test_collate_runs_each_batch_on_the_thread_pool(folder, torchvision_batches):
    transform = pixelpact.torch.Transform(pixelpact.from_torchvision(TF, input_color="RGBA", alpha="drop"))
    loader = DataLoader(datasets.ImageFolder(folder, loader=open_image), batch_size=4, num_workers=2,
                        collate_fn=transform.collate)
    assert_same_batches(batches(loader), torchvision_batches)


@pytest.mark.slow  # worker processes
def test_rgb_contract_refuses_transparent_images_in_workers(folder):
    """Stored modes with an RGB contract: the GIF's and the PNG's transparent pixels are not
    determined by the contract, and the worker's error says so."""
    dataset = datasets.ImageFolder(folder, transform=pixelpact.torch.Transform(pixelpact.from_torchvision(TF)),
                                   loader=open_image)
    workers = iter(DataLoader(dataset, batch_size=4, num_workers=2))
    try:
        with pytest.raises(ValueError, match="mode RGBA with transparency"):
            list(workers)
    finally:
        workers._shutdown_workers()  # now, not when the traceback is collected


class Recorder:
    """A Pipeline stand-in that keeps the arrays the kernel returned."""

    def __init__(self, pipe):
        self.pipe, self.outputs = pipe, []

    def __call__(self, image, **kwargs):
        self.outputs.append(self.pipe(image, **kwargs))
        return self.outputs[-1]

    def batch(self, images, **kwargs):
        self.outputs.append(self.pipe.batch(images, **kwargs))
        return self.outputs[-1]

    def __getattr__(self, name):
        return getattr(self.pipe, name)


def test_output_shares_memory_with_the_kernel_output():
    transform = pixelpact.torch.Transform(pixelpact.from_torchvision(TF))
    transform.pipeline = Recorder(transform.pipeline)
    image = noise(70, 90, seed=1)
    tensor = transform(image)
    kernel = transform.pipeline.outputs[-1]
    assert tensor.data_ptr() == kernel.ctypes.data and np.shares_memory(tensor.numpy(), kernel)
    stacked = transform.batch([image, image[::-1]])
    kernel = transform.pipeline.outputs[-1]
    assert stacked.data_ptr() == kernel.ctypes.data and np.shares_memory(stacked.numpy(), kernel)
    # The E1-style NCHW contract: the image's tensor is the kernel's (1, C, H, W) output without N.
    nchw = pixelpact.torch.Transform({**pixelpact.from_torchvision(TF), "output": {
        "layout": "NCHW", "dtype": "float32", "color": "RGB"}})
    nchw.pipeline = Recorder(nchw.pipeline)
    tensor = nchw(image)
    kernel = nchw.pipeline.outputs[-1]
    assert kernel.shape == (1, 3, 56, 56) and tensor.shape == (3, 56, 56)
    assert tensor.data_ptr() == kernel.ctypes.data
    assert_same(tensor.numpy(), TF(Image.fromarray(image)).numpy())


def test_out_tensors_are_written_in_place():
    transform = pixelpact.torch.Transform(pixelpact.from_torchvision(TF))
    image = noise(81, 67, seed=2)
    out = torch.empty(3, 56, 56)
    assert transform(image, out=out) is out
    assert_same(out.numpy(), TF(Image.fromarray(image)).numpy())
    outs = torch.empty(2, 3, 56, 56)
    assert transform.batch([image, image], out=outs) is outs
    assert_same(outs.numpy()[1], TF(Image.fromarray(image)).numpy())
    pil = Image.fromarray(image).convert("P")
    assert transform(pil, out=out) is out and transform.batch([pil, image], out=outs) is outs
    assert_same(out.numpy(), TF(pil.convert("RGB")).numpy())
    assert_same(outs.numpy()[0], TF(pil.convert("RGB")).numpy())
    with pytest.raises(ValueError, match=r"out has shape \(3, 56, 55\), the image's tensor has shape \(3, 56, 56\)"):
        transform(image, out=torch.empty(3, 56, 55))
    with pytest.raises(TypeError, match="dtype"):
        transform(image, out=torch.empty(3, 56, 56, dtype=torch.float64))


def test_tensor_and_array_inputs():
    """uint8 CHW tensors (torchvision's layout), HWC tensors with tensor_layout='HWC', views
    with odd strides, tv_tensors.Image, numpy arrays: the pixels of the PIL image."""
    from torchvision import tv_tensors

    chw = pixelpact.torch.Transform(pixelpact.from_torchvision(TF))
    hwc = pixelpact.torch.Transform(pixelpact.from_torchvision(TF), tensor_layout="HWC")
    for h, w in [(1, 1), (1, 9), (13, 1), (61, 37), (300, 451)]:
        image = noise(h, w, seed=3)
        expected = TF(Image.fromarray(image)).numpy()
        tensor = torch.from_numpy(image)
        strided = torch.from_numpy(np.ascontiguousarray(np.pad(image, ((0, 0), (0, 5), (0, 0)))))[:, :w]
        for out in (chw(image), chw(tensor.permute(2, 0, 1)), chw(tensor.permute(2, 0, 1).contiguous()),
                    chw(tv_tensors.Image(tensor.permute(2, 0, 1))), chw(strided.permute(2, 0, 1)),
                    hwc(tensor), hwc(strided), chw(Image.fromarray(image))):
            assert_same(out.numpy(), expected)
    gray = pixelpact.torch.Transform(pixelpact.from_torchvision(TF, input_color="GRAY"))
    image = noise(40, 50, channels=0, seed=4)
    expected = TF(Image.fromarray(image).convert("RGB")).numpy()
    for x in (torch.from_numpy(image), torch.from_numpy(image)[None], image, Image.fromarray(image)):
        assert_same(gray(x).numpy(), expected)


def test_torch_engine_contract_on_tensors_is_torchvision_v2():
    tf = v2.Compose([v2.Resize(41, antialias=True), v2.CenterCrop(32), v2.ToDtype(torch.float32, scale=True),
                     v2.Normalize(MEAN, STD)])
    transform = pixelpact.torch.Transform(pixelpact.from_torchvision(tf, input="tensor"))
    for h, w in [(1, 1), (7, 300), (97, 131), (512, 383)]:
        tensor = torch.from_numpy(noise(h, w, seed=5)).permute(2, 0, 1)
        assert_same(transform(tensor).numpy(), tf(tensor).numpy())
    images = [torch.from_numpy(noise(h, w, seed=6)).permute(2, 0, 1) for h, w in [(50, 60), (33, 99), (64, 41)]]
    assert_same(transform.batch(images).numpy(), torch.stack([tf(t) for t in images]).numpy())


def test_uint8_output_contract():
    tf = T.Compose([T.Resize(30), T.CenterCrop(24), T.PILToTensor()])
    transform = pixelpact.torch.Transform(pixelpact.from_torchvision(tf))
    image = Image.fromarray(noise(45, 70, seed=7))
    assert_same(transform(image).numpy(), tf(image).numpy())
    assert transform(image).dtype == torch.uint8


def test_batch_is_identical_for_every_thread_count():
    contract = pixelpact.from_torchvision(TF)
    images = [noise(60 + i, 90 - i, seed=i) for i in range(9)]
    expected = np.stack([TF(Image.fromarray(im)).numpy() for im in images])
    for threads in (None, 1, 2, 3):
        assert_same(pixelpact.torch.Transform(contract, threads=threads).batch(images).numpy(), expected)


def test_repr_and_pickle():
    contract = {**pixelpact.from_torchvision(TF), "name": "imagenet-56"}
    transform = pixelpact.torch.Transform(contract)
    fingerprint = pixelpact.fingerprint(contract)
    assert repr(transform) == (f"pixelpact.torch.Transform(contract='imagenet-56', fingerprint='{fingerprint}', "
                               "output=CHW float32)")
    copy = pickle.loads(pickle.dumps(transform))
    assert repr(copy) == repr(transform) and copy.tensor_layout == "CHW"
    image = noise(50, 77, seed=8)
    assert_same(copy(image).numpy(), transform(image).numpy())
    pipe = pixelpact.load(contract, isa="reference", max_output_elements=10**6)
    clone = pickle.loads(pickle.dumps(pipe))
    assert clone.isa == "reference" and clone.fingerprint == fingerprint
    with pytest.raises(ValueError, match="max_output_elements|limit"):
        pickle.loads(pickle.dumps(pixelpact.load(contract, max_output_elements=100)))(image)


def test_errors_name_the_problem():
    transform = pixelpact.torch.Transform(pixelpact.from_torchvision(TF))
    hwc = torch.from_numpy(noise(20, 30, seed=9))
    with pytest.raises(ValueError, match=r"shape \(3, H, W\) \(tensor_layout='CHW'\), got \(20, 30, 3\); "
                                         r"pass tensor_layout='HWC'"):
        transform(hwc)
    with pytest.raises(TypeError, match="torch.uint8, got torch.float32"):
        transform(hwc.permute(2, 0, 1).float())
    with pytest.raises(ValueError, match="on the CPU; the tensor is on meta"):
        transform(torch.empty(3, 4, 4, dtype=torch.uint8, device="meta"))
    with pytest.raises(ValueError, match=r"got \(2, 3, 20, 30\)"):
        transform(hwc.permute(2, 0, 1)[None].expand(2, -1, -1, -1))
    with pytest.raises(ValueError, match="tensor_layout"):
        pixelpact.torch.Transform(pixelpact.from_torchvision(TF), tensor_layout="NCHW")
    with pytest.raises(ValueError, match="threads"):
        pixelpact.torch.Transform(pixelpact.from_torchvision(TF), threads=0)
    with pytest.raises(ValueError, match="batch outputs differ in shape"):
        pixelpact.torch.Transform(pixelpact.from_torchvision(T.Compose([T.Resize(20), T.ToTensor()]))).batch(
            [noise(20, 30, seed=1), noise(20, 40, seed=1)])
    with pytest.raises(pixelpact.ContractError):
        pixelpact.torch.Transform({"pixelpact": 1})

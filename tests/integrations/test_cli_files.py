"""pixelpact run over files, folders and globs, as a user runs it (a subprocess): a folder of
real photos with corrupt, truncated, empty and transparent files in it; one .npy per image or
a .npz / .safetensors pack; progress bar only on a terminal; failures listed with the reason
and exit code 1. Tensors are compared with torchvision on Image.open(path).convert("RGB")."""
from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys

import numpy as np
from PIL import Image
from torchvision import transforms as T

import pixelpact
from helpers import assert_same
from helpers.photos import photo_folder

MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
TF = T.Compose([T.Resize(40), T.CenterCrop(32), T.ToTensor(), T.Normalize(MEAN, STD)])
GOOD = ["a/astronaut", "a/camera", "a/coffee", "b/chelsea_37x61", "b/coffee_cmyk", "b/strip_1x97", "b/strip_53x1"]
TRANSPARENT = ["b/astronaut_alpha.png", "b/chelsea_palette.png"]


def cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "pixelpact", *map(str, args)], capture_output=True, text=True,
                          timeout=300, **kwargs)


def expected(path):
    with Image.open(path) as im:
        return TF(im.convert("RGB")).numpy()


def folder_with_bad_files(root):
    """The photo folder, plus a file that is not an image, a truncated JPEG, an empty PNG and
    a text file (not an image suffix: not picked up)."""
    photo_folder(root)
    (root / "a" / "broken.jpg").write_bytes(b"this is not a JPEG")
    data = (root / "a" / "astronaut.jpg").read_bytes()
    (root / "b" / "truncated.jpg").write_bytes(data[: len(data) // 2])
    (root / "b" / "empty.png").write_bytes(b"")
    (root / "notes.txt").write_text("not an image")
    return root


def contract_file(tmp_path, doc=None):
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(doc or pixelpact.from_torchvision(TF)))
    return path


def failures(stderr: str) -> dict:
    """path -> reason, from the list printed at the end."""
    lines = stderr.split("input(s) failed", 1)[1].splitlines()[1:]
    return dict(line.strip().split(": ", 1) for line in lines if line.startswith("  "))


def test_folder_with_unreadable_files(tmp_path):
    images = folder_with_bad_files(tmp_path / "images")
    res = cli("run", contract_file(tmp_path), images, "-o", tmp_path / "out")
    assert res.returncode == 1, res.stderr
    failed = failures(res.stderr)
    names = {os.path.relpath(p, images): reason for p, reason in failed.items()}
    assert set(names) == {"a/broken.jpg", "b/truncated.jpg", "b/empty.png", *TRANSPARENT}
    assert names["a/broken.jpg"] == "cannot identify image file (not an image Pillow can decode)"
    assert names["b/empty.png"] == "cannot identify image file (not an image Pillow can decode)"
    assert names["b/truncated.jpg"].startswith("image file is truncated")
    for name in TRANSPARENT:
        assert "with transparency" in names[name] and "input.alpha" in names[name]
    assert f"{len(GOOD)} tensor(s), float32 (3, 32, 32)" in res.stdout
    written = sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.npy"))
    assert written == [k + ".npy" for k in GOOD]
    for key in GOOD:
        source = next(images.glob(key + ".*"))
        assert_same(np.load(tmp_path / "out" / (key + ".npy")), expected(source))


def test_alpha_contract_takes_every_mode_and_threads_agree(tmp_path):
    images = tmp_path / "images"
    photo_folder(images)
    doc = pixelpact.from_torchvision(TF, input_color="RGBA", alpha="drop")
    one = cli("run", contract_file(tmp_path, doc), images, "-o", tmp_path / "one", "--threads", "1")
    three = cli("run", contract_file(tmp_path, doc), images, "-o", tmp_path / "three", "--threads", "3")
    assert one.returncode == 0 and three.returncode == 0, one.stderr + three.stderr
    assert "9 tensor(s)" in one.stdout and "3 thread(s)" in three.stdout
    for path in sorted(images.rglob("*.*")):
        key = path.relative_to(images).with_suffix(".npy")
        assert_same(np.load(tmp_path / "one" / key), expected(path))
        assert_same(np.load(tmp_path / "three" / key), expected(path))


def test_pack_npz_and_safetensors(tmp_path):
    from safetensors.numpy import load_file

    images = folder_with_bad_files(tmp_path / "images")
    contract = contract_file(tmp_path)
    for name in ("pack.npz", "pack.safetensors"):
        res = cli("run", contract, images, "-o", tmp_path / name, "--pack")
        assert res.returncode == 1 and len(failures(res.stderr)) == 5, res.stderr
        tensors = dict(np.load(tmp_path / name)) if name.endswith(".npz") else load_file(str(tmp_path / name))
        assert sorted(tensors) == GOOD
        for key, tensor in tensors.items():
            assert_same(tensor, expected(next(images.glob(key + ".*"))))
    res = cli("run", contract, images, "-o", tmp_path / "pack.tar", "--pack")
    assert res.returncode == 2 and "--pack writes a .npz or .safetensors file" in res.stderr


def test_files_globs_and_missing_inputs(tmp_path):
    images = tmp_path / "images"
    photo_folder(images)
    np.save(tmp_path / "array.npy", np.asarray(Image.open(images / "a" / "coffee.png")))
    res = cli("run", contract_file(tmp_path), images / "a" / "astronaut.jpg", f"{images}/**/strip_*.png",
              tmp_path / "array.npy", tmp_path / "missing.jpg", f"{images}/*.webp", "-o", tmp_path / "out")
    assert res.returncode == 1
    failed = failures(res.stderr)
    assert failed == {str(tmp_path / "missing.jpg"): "no such file or directory",
                      f"{images}/*.webp": "no file matches this pattern"}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "array.npy", "astronaut.npy", "strip_1x97.npy", "strip_53x1.npy"]
    assert_same(np.load(tmp_path / "out" / "array.npy"), expected(images / "a" / "coffee.png"))
    assert_same(np.load(tmp_path / "out" / "strip_53x1.npy"), expected(images / "b" / "strip_53x1.png"))


def test_name_clashes_are_refused_before_running(tmp_path):
    images = tmp_path / "images"
    photo_folder(images)
    shutil.copy(images / "a" / "coffee.png", tmp_path / "coffee.jpg")
    res = cli("run", contract_file(tmp_path), images / "a" / "coffee.png", tmp_path / "coffee.jpg",
              "-o", tmp_path / "out")
    assert res.returncode == 2 and "would write the same tensor name" in res.stderr and "  coffee: " in res.stderr
    assert not (tmp_path / "out").exists()


def test_one_file_keeps_the_old_form(tmp_path):
    """pixelpact run CONTRACT IMAGE -o OUT writes OUT (np.save adds .npy), as before."""
    images = tmp_path / "images"
    photo_folder(images)
    res = cli("run", contract_file(tmp_path), images / "b" / "coffee_cmyk.jpg", "-o", tmp_path / "t")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == f"{tmp_path / 't'}: float32 (3, 32, 32)"
    assert_same(np.load(tmp_path / "t.npy"), expected(images / "b" / "coffee_cmyk.jpg"))
    res = cli("run", contract_file(tmp_path), images / "b" / "chelsea_palette.png", "-o", tmp_path / "p.npy")
    assert res.returncode == 1 and "with transparency" in res.stderr and not (tmp_path / "p.npy").exists()


def run_on_terminal(args, cwd, size=None):
    """Runs the CLI with stdout and stderr on a pseudo-terminal of ``size`` (rows, columns),
    or one reporting no size, as some CI terminals do; returns (exit code, output)."""
    master, slave = pty.openpty()
    if size:
        import fcntl
        import struct
        import termios

        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[0], size[1], 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "pixelpact", *map(str, args)], stdout=slave, stderr=slave,
                            stdin=subprocess.DEVNULL, cwd=cwd, close_fds=True)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def test_progress_bar_only_on_a_terminal(tmp_path):
    images = tmp_path / "images"
    photo_folder(images)
    contract = contract_file(tmp_path, pixelpact.from_torchvision(TF, input_color="RGBA", alpha="drop"))
    for size in (None, (30, 100)):
        code, output = run_on_terminal(["run", contract, images, "-o", tmp_path / "tty"], tmp_path, size)
        assert code == 0, output
        assert "100%|" in output and "9/9" in output and "img/s" in output  # tqdm's bar
    piped = cli("run", contract, images, "-o", tmp_path / "piped")
    assert piped.returncode == 0 and "9/9" not in piped.stderr + piped.stdout and piped.stderr == ""
    code, output = run_on_terminal(["run", contract, images, "-o", tmp_path / "quiet", "--no-progress"], tmp_path)
    assert code == 0 and "9/9" not in output
    forced = cli("run", contract, images, "-o", tmp_path / "forced", "--progress")
    assert forced.returncode == 0 and "9/9" in forced.stderr

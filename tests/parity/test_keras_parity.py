"""Parity of pixelpact.from_keras with real Keras 3 on its TensorFlow backend
(TensorFlow 2.21): the preprocessing layers Resizing, Rescaling, Normalization
(adapted statistics) and CenterCrop, inside a model (float32 input) and as a list;
keras.utils.load_img (Pillow, nearest by default) with img_to_array; the
image_dataset_from_directory resize; the importer's refusals. Each case runs Keras in
a fresh interpreter (helpers.keras_tf): the suite's other tests use Keras on torch."""
from __future__ import annotations

import pytest

from helpers.keras_tf import run_keras_tf

pytestmark = pytest.mark.slow  # subprocesses importing TensorFlow


def test_layers_in_a_model_and_as_a_list():
    out = run_keras_tf("""
    n = 0
    rng = np.random.default_rng(0)
    sizes = [(1, 1), (1, 40), (40, 1), (97, 131), (480, 640), (4000, 30), (224, 224), (31, 17)]
    for method in ["bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5"]:
        for antialias in (False, True):
            for i, hw in enumerate(sizes):
                img = noise(*hw, seed=i)
                out_hw = [(224, 224), (17, 301), (1, 1), (300, 7)][i % 4]
                norm = keras.layers.Normalization()
                norm.adapt(rng.random((64, 3)).astype("float32") * [50, 60, 70] + [100, 110, 120])
                layers = [keras.layers.Resizing(*out_hw, interpolation=method, antialias=antialias),
                          keras.layers.Rescaling(1 / 255.0, offset=-0.25),
                          norm]
                if out_hw[0] >= 5 and out_hw[1] >= 5:
                    layers.append(keras.layers.CenterCrop(out_hw[0] - 3, out_hw[1] - 4))
                model = keras.Sequential([keras.Input((None, None, 3))] + layers)
                expected = model(img[None]).numpy()
                assert expected.dtype == np.float32
                for source in (model, layers):
                    doc = pixelpact.from_keras(source)
                    assert_same(pixelpact.load(doc)(img), expected)
                    n += 1
    print(n)
    """)
    assert int(out.split()[-1]) == 6 * 2 * 8 * 2


def test_resizing_to_aspect_ratio():
    """Resizing(crop_to_aspect_ratio / pad_to_aspect_ratio): Keras' float32 window
    (center_crop rules keras_crop_to_aspect_ratio / keras_pad_to_aspect_ratio) before
    tf.image.resize, with arithmetic after; every side 1..40 against a few targets."""
    out = run_keras_tf("""
    n = 0
    sizes = [(1, 1), (1, 40), (40, 1), (97, 131), (480, 640), (4000, 30), (224, 224), (31, 17), (3, 1000)]
    targets = [(224, 224), (17, 301), (1, 1), (300, 7), (3, 5)]
    for mode in ("crop", "pad"):
        for method, antialias in [("bilinear", False), ("nearest", False), ("bicubic", True), ("area", False),
                                  ("lanczos3", True)]:
            for i, hw in enumerate(sizes):
                img = noise(*hw, seed=i)
                out_hw = targets[i % len(targets)]
                fill = {} if mode == "crop" or i % 2 else {"fill_value": 114.0}
                layers = [keras.layers.Resizing(*out_hw, interpolation=method, antialias=antialias,
                                                **{mode + "_to_aspect_ratio": True}, **fill),
                          keras.layers.Rescaling(1 / 127.5, offset=-1)]
                model = keras.Sequential([keras.Input((None, None, 3))] + layers)
                expected = model(img[None]).numpy()
                for source in (model, layers):
                    assert_same(pixelpact.load(pixelpact.from_keras(source))(img), expected)
                    n += 1
        for box in [(224, 224), (17, 301), (3, 5), (100, 37), (7, 1)]:
            pipe = pixelpact.load(pixelpact.from_keras([keras.layers.Resizing(
                *box, interpolation="nearest", **{mode + "_to_aspect_ratio": True})]))
            layer = keras.layers.Resizing(*box, interpolation="nearest", **{mode + "_to_aspect_ratio": True})
            for h in range(1, 41):
                for w in (1, 2, 3, 7, 13, 29, 40, 97):
                    img = np.ascontiguousarray(np.arange(h * w * 3, dtype=np.uint32).reshape(h, w, 3) % 251
                                               ).astype(np.uint8)
                    expected = layer(img[None].astype("float32")).numpy()
                    assert_same(pipe(img), expected)
                    n += 1
    print(n)
    """)
    assert int(out.split()[-1]) == 2 * (5 * 9 * 2 + 5 * 40 * 8)


def test_rescaling_and_normalization_without_resize():
    out = run_keras_tf("""
    img = noise(45, 67, seed=2)
    cases = [
        [keras.layers.Rescaling(1 / 127.5, offset=-1)],
        [keras.layers.Rescaling([1 / 58.4, 1 / 57.1, 1 / 57.4])],
        [keras.layers.Normalization(mean=[123.7, 116.3, 103.5], variance=[3409.8, 3262.7, 3291.6])],
        [keras.layers.Normalization(mean=5.0, variance=0.0, axis=None)],  # sqrt(0) -> epsilon
        [keras.layers.Rescaling(1 / 255.0), keras.layers.Normalization(mean=[0.485, 0.456, 0.406],
                                                                       variance=[0.0524, 0.0502, 0.0506])],
    ]
    for layers in cases:
        model = keras.Sequential([keras.Input((None, None, 3))] + layers)
        expected = model(img[None]).numpy()
        assert_same(pixelpact.load(pixelpact.from_keras(model))(img), expected)
    print(len(cases))
    """)
    assert out.split()[-1] == "5"


def test_load_img_then_layers(tmp_path):
    out = run_keras_tf(f"""
    import PIL.Image
    n = 0
    for i, (hw, target) in enumerate([((97, 131), (224, 224)), ((480, 640), (33, 301)), ((1, 50), (7, 7)),
                                      ((300, 200), (300, 200))]):
        path = {str(tmp_path)!r} + f"/img{{i}}.png"
        PIL.Image.fromarray(noise(*hw, seed=i)).save(path)
        for interpolation in [None, "nearest", "bilinear", "bicubic", "hamming", "box", "lanczos"]:
            kw = dict(target_size=target) | ({{}} if interpolation is None else {{"interpolation": interpolation}})
            expected = keras.utils.img_to_array(keras.utils.load_img(path, **kw))
            rgb = np.asarray(PIL.Image.open(path).convert("RGB"))
            assert_same(pixelpact.load(pixelpact.from_keras(load_img=kw, layout="HWC"))(rgb), expected)
            layers = [keras.layers.Rescaling(1 / 255.0)]
            if target[0] >= 4 and target[1] >= 6:  # the size load_img gives is known: a CenterCrop fits
                layers.append(keras.layers.CenterCrop(target[0] - 3, target[1] - 6))
            model = keras.Sequential([keras.Input((None, None, 3))] + layers)
            doc = pixelpact.from_keras(layers, load_img=kw)
            assert_same(pixelpact.load(doc)(rgb), model(expected[None]).numpy())
            n += 1
    print(n)
    """)
    assert out.split()[-1] == str(4 * 7)


def test_image_dataset_from_directory_resize(tmp_path):
    """The dataset's resize of the decoded pixels (PNG: lossless, decoder-independent),
    plain, with crop_to_aspect_ratio (smart_resize) and with pad_to_aspect_ratio
    (tf.image.resize_with_pad), target sizes wider, taller and far from the images'."""
    out = run_keras_tf(f"""
    import PIL.Image
    import shutil
    root = {str(tmp_path)!r}
    os.makedirs(root + "/a")
    images = {{}}
    for i, hw in enumerate([(97, 131), (480, 640), (1, 1), (300, 7), (7, 300)]):
        images[f"img{{i}}.png"] = noise(*hw, seed=i)
        PIL.Image.fromarray(images[f"img{{i}}.png"]).save(root + f"/a/img{{i}}.png")
    n = 0
    for interpolation in ["bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5", "gaussian",
                          "mitchellcubic"]:
        for window in ({{}}, {{"crop_to_aspect_ratio": True}}, {{"pad_to_aspect_ratio": True}}):
            for size in ((61, 83), (83, 61), (300, 7)):
                kw = dict(image_size=size, interpolation=interpolation, batch_size=None, shuffle=False,
                          labels=None, **window)
                if window.get("crop_to_aspect_ratio") and interpolation in ("gaussian", "mitchellcubic"):
                    try:  # smart_resize refuses these methods; so must the importer
                        pixelpact.from_keras(image_dataset_from_directory=kw)
                    except pixelpact.UnsupportedTransform as e:
                        assert "smart_resize refuses" in str(e), str(e)
                    else:
                        raise AssertionError(f"{{kw}} was not refused")
                    continue
                doc = pixelpact.from_keras(image_dataset_from_directory=kw, layout="HWC")
                folder = root
                if window.get("pad_to_aspect_ratio"):
                    # resize_with_pad makes the 7x300 image 0 rows high in a (300, 7) box: TensorFlow
                    # fails the whole dataset then, pixelpact refuses that image alone.
                    folder = root + "_pad"
                    if not os.path.isdir(folder):
                        shutil.copytree(root, folder)
                        os.remove(folder + "/a/img4.png")
                    if size == (300, 7):
                        try:
                            pixelpact.load(doc)(images["img4.png"])
                        except ValueError:
                            pass
                        else:
                            raise AssertionError("a 7x300 image padded into (300, 7) was not refused")
                ds = keras.utils.image_dataset_from_directory(folder, **kw)
                names = [os.path.basename(p) for p in ds.file_paths]
                assert len(names) == len(ds)
                for name, got in zip(names, ds):
                    got = got.numpy()
                    assert got.dtype == (np.uint8 if interpolation == "nearest" else np.float32)
                    assert_same(pixelpact.load(doc)(images[name]), got)
                    n += 1
    try:
        pixelpact.from_keras(image_dataset_from_directory=dict(crop_to_aspect_ratio=True, pad_to_aspect_ratio=True))
    except pixelpact.UnsupportedTransform as e:
        assert "only one of" in str(e)
    else:
        raise AssertionError("crop and pad together were not refused")
    print(n)
    """)
    assert out.split()[-1] == str(3 * (8 * 5 + 6 * 5 + 8 * 4)), out


def test_refusals():
    out = run_keras_tf("""
    from pixelpact import UnsupportedTransform
    refused = [
        ([keras.layers.RandomFlip()], "random augmentation"),
        ([keras.layers.RandomRotation(0.1)], "random augmentation"),
        ([keras.layers.Rescaling(0.5), keras.layers.Resizing(10, 10, pad_to_aspect_ratio=True)],
         "put the Resizing first"),
        ([keras.layers.Resizing(10, 10, pad_to_aspect_ratio=True, fill_value=0.5)], "not a byte"),
        ([keras.layers.Resizing(10, 10, pad_to_aspect_ratio=True, fill_value=256)], "not a byte"),
        ([keras.layers.Resizing(10, 10), keras.layers.Resizing(5, 5)], "second resize"),
        ([keras.layers.CenterCrop(10, 10)], "smart_resize"),
        ([keras.layers.Resizing(10, 10), keras.layers.CenterCrop(11, 10)], "smart_resize"),
        ([keras.layers.Normalization()], "not adapted"),
        ([keras.layers.Conv2D(3, 3)], "not supported"),
    ]
    for layers, message in refused:
        try:
            pixelpact.from_keras(layers)
        except UnsupportedTransform as e:
            assert message in str(e), (message, str(e))
        else:
            raise AssertionError(f"{layers} was not refused")
    for kw, message in [(dict(target_size=(5, 5), keep_aspect_ratio=True), "box"),
                        (dict(target_size=(5, 5), interpolation="cubic"), "interpolation")]:
        try:
            pixelpact.from_keras(load_img=kw)
        except UnsupportedTransform as e:
            assert message in str(e), (message, str(e))
        else:
            raise AssertionError(f"{kw} was not refused")
    print("ok")
    """)
    assert out.split()[-1] == "ok"


def test_image_dataset_from_directory_files_end_to_end(tmp_path):
    """Files -> image_dataset_from_directory batches == pipe.run_encoded(file bytes): the
    imported contract decodes with the "tensorflow" decoder (TensorFlow's fast IDCT) and
    resizes with tf.image.resize. Photographs as JPEG at odd sizes, every subsampling,
    progressive, a grayscale JPEG, a CMYK JPEG and PNGs."""
    out = run_keras_tf(f"""
    import PIL.Image
    from helpers.encoded import photos
    root = {str(tmp_path)!r}
    os.makedirs(root + "/a")
    os.makedirs(root + "/b")
    pics = photos()
    k = 0
    for name, image in pics.items():
        for (h, w), sub, quality, progressive in [((301, 451), 2, 75, False), ((97, 131), 0, 90, False),
                                                 ((224, 224), 1, 95, True), ((33, 17), 2, 60, True)]:
            im = PIL.Image.fromarray(np.ascontiguousarray(image[:h, :w]))
            im.save(root + f"/{{'ab'[k % 2]}}/p{{k:02d}}.jpg", quality=quality, subsampling=sub,
                    progressive=progressive)
            k += 1
    PIL.Image.fromarray(pics["chelsea"][:80, :90]).convert("L").save(root + "/a/gray.jpg", quality=85)
    PIL.Image.fromarray(pics["coffee"][:70, :50]).convert("CMYK").save(root + "/b/cmyk.jpg", quality=85)
    PIL.Image.fromarray(pics["astronaut"][:45, :64]).save(root + "/a/rgb.png")
    PIL.Image.fromarray(pics["camera"][:64, :40]).save(root + "/b/gray.png")
    n = 0
    for interpolation, size in [("bilinear", (61, 83)), ("nearest", (224, 224)), ("area", (40, 30)),
                                ("bicubic", (256, 256))]:
        kw = dict(image_size=size, interpolation=interpolation, batch_size=5, shuffle=False)
        ds = keras.utils.image_dataset_from_directory(root, **kw)
        doc = pixelpact.from_keras(image_dataset_from_directory=kw)
        assert doc["input"]["decode"] == {{"decoder": "tensorflow"}}, doc["input"]
        pipe = pixelpact.load(doc)
        paths = iter(ds.file_paths)
        for images, labels in ds:
            images = images.numpy()
            assert images.dtype == (np.uint8 if interpolation == "nearest" else np.float32)
            mine = [pipe.run_encoded(next(paths)) for _ in range(len(images))]
            assert_same(np.concatenate(mine) if mine[0].ndim == 4 else np.stack(mine), images)
            n += len(images)
    # the same files decoded by Pillow differ: the decoder is what makes them equal
    pillow = dict(doc, input={{"color": "RGB"}})
    differ = sum(not np.array_equal(pixelpact.load(pillow).run_encoded(p), pipe.run_encoded(p))
                 for p in ds.file_paths if p.endswith(".jpg"))
    print(n, differ)
    """)
    n, differ = out.split()[-2:]
    assert n == str(4 * 20) and int(differ) >= 10, out

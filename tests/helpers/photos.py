"""A folder of real photos as users keep them, for the integration tests."""
from __future__ import annotations

from pathlib import Path

import numpy as np


def photo_folder(root) -> list[Path]:
    """A folder of real photos as users have them (scikit-image's samples), in two class
    subfolders as torchvision's ImageFolder expects: JPEG and PNG; RGB, L, CMYK; an RGBA PNG
    and a palette PNG with transparent pixels; odd sizes and 1-pixel-wide and -tall images.
    Returns the image paths, sorted as ImageFolder sorts them."""
    import skimage.data
    from PIL import Image

    root = Path(root)
    for sub in ("a", "b"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    chelsea, coffee = Image.fromarray(skimage.data.chelsea()), Image.fromarray(skimage.data.coffee())
    Image.fromarray(skimage.data.astronaut()).save(root / "a" / "astronaut.jpg", quality=90)
    coffee.save(root / "a" / "coffee.png")
    Image.fromarray(skimage.data.camera()).save(root / "a" / "camera.png")
    chelsea.resize((61, 37), Image.Resampling.BILINEAR).save(root / "b" / "chelsea_37x61.jpg", quality=75)
    palette = chelsea.convert("P", palette=Image.Palette.ADAPTIVE)
    palette.save(root / "b" / "chelsea_palette.png", transparency=int(np.asarray(palette)[0, 0]))  # a used index
    coffee.resize((301, 199), Image.Resampling.BICUBIC).convert("CMYK").save(root / "b" / "coffee_cmyk.jpg",
                                                                            quality=95)
    astronaut = np.asarray(Image.fromarray(skimage.data.astronaut()).resize((173, 211), Image.Resampling.BILINEAR))
    ramp = np.linspace(0, 255, 173 * 211).astype(np.uint8).reshape(211, 173)  # transparent to opaque
    Image.fromarray(np.dstack([astronaut, ramp])).save(root / "b" / "astronaut_alpha.png")
    coffee.resize((97, 1), Image.Resampling.BOX).save(root / "b" / "strip_1x97.png")
    chelsea.resize((1, 53), Image.Resampling.BOX).save(root / "b" / "strip_53x1.png", compress_level=1)
    return sorted(p for p in root.rglob("*") if p.is_file())

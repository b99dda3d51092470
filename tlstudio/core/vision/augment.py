"""Training-time image augmentation with PIL and numpy: flips, crops and colour jitter.

``RunConfig.augment`` names the transforms (``"flip,crop,color"``, or
``"none"``).  Each is mild by default, because strong changes hurt fine-tuning
on small datasets more than they help; a horizontal flip is wrong for data
whose meaning depends on handedness (digits, text), so the user picks it.
Validation and prediction images are never augmented.
"""

from __future__ import annotations

import random

from ..errors import ConfigError

AUGMENTATIONS = ("flip", "crop", "color")
DESCRIPTIONS = {
    "flip": "mirror left to right half of the time",
    "crop": "keep a random 80-100% of the image (aspect 3:4 to 4:3), resized back",
    "color": "vary brightness, contrast and saturation by up to 20%",
}


def parse_augment(value: str | None) -> tuple[str, ...]:
    text = (value or "none").strip().lower()
    if text in ("", "none", "off"):
        return ()
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [n for n in names if n not in AUGMENTATIONS]
    if unknown:
        raise ConfigError(
            f"unknown augmentation(s): {', '.join(unknown)}.",
            f"Choose among {', '.join(AUGMENTATIONS)} (comma-separated), or 'none'.",
        )
    return names


class Augmenter:
    """Applies the chosen transforms to a PIL image, with its own seeded random source."""

    def __init__(self, names: tuple[str, ...], seed: int = 0):
        self.names = names
        self.random = random.Random(seed)

    def __call__(self, image):
        from PIL import Image, ImageEnhance

        rnd = self.random
        if "crop" in self.names:
            width, height = image.size
            area = width * height * rnd.uniform(0.8, 1.0)
            ratio = rnd.uniform(3 / 4, 4 / 3)
            w = max(1, min(width, round((area * ratio) ** 0.5)))
            h = max(1, min(height, round((area / ratio) ** 0.5)))
            left, top = rnd.randint(0, width - w), rnd.randint(0, height - h)
            image = image.crop((left, top, left + w, top + h)).resize((width, height), Image.Resampling.BILINEAR)
        if "flip" in self.names and rnd.random() < 0.5:
            image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        if "color" in self.names:
            for enhancer in (ImageEnhance.Brightness, ImageEnhance.Contrast, ImageEnhance.Color):
                image = enhancer(image).enhance(rnd.uniform(0.8, 1.2))
        return image


def preview(image, names: tuple[str, ...], count: int = 6, seed: int = 0) -> list:
    """``count`` augmented versions of ``image`` (the app's preview strip)."""
    augmenter = Augmenter(names, seed)
    return [augmenter(image.copy()) for _ in range(count)]


def preview_strip(paths, names: tuple[str, ...], *, count: int = 5, seed: int = 0, side: int = 96):
    """The first readable image of ``paths`` and ``count`` augmented versions of it, as thumbnails.

    Returns ``(path, [original, *augmented], unreadable)``: the image shown, the thumbnails (RGB PIL
    images no larger than ``side`` pixels) and the paths skipped because they were missing or not images.
    Augmenting happens at the image's full size, as in training; the thumbnails are made afterwards.
    """
    from ..errors import DataError
    from .images import open_image

    unreadable = []
    for path in paths:
        try:
            image = open_image(path)
        except DataError:
            unreadable.append(path)
            continue
        strip = [image, *preview(image, names, count, seed)] if names else [image]
        for picture in strip:
            picture.thumbnail((side, side))
        return path, strip, unreadable
    return None, [], unreadable

"""Small image data and a tiny ViT built from a config, for the image-classification tests."""

from __future__ import annotations

import csv
from pathlib import Path

# Three classes a tiny ViT tells apart in a few dozen steps: the colour of a noisy image.
CLASSES = {"blue": 2, "green": 1, "red": 0}
SIZE = 16


def draw(kind: str, seed: int):
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 90, (SIZE, SIZE, 3), dtype=np.uint8)
    pixels[..., CLASSES[kind]] = rng.integers(150, 256, (SIZE, SIZE), dtype=np.uint8)
    return Image.fromarray(pixels)


def write_image_folder(root: Path, per_class: int = 12) -> Path:
    for kind in CLASSES:
        (root / kind).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            draw(kind, hash((kind, i)) % 10_000).save(root / kind / f"{kind}_{i:02d}.png")
    return root


def write_image_csv(folder: Path, per_class: int = 8) -> Path:
    """``labels.csv`` naming images in ``pics/`` relative to itself."""
    (folder / "pics").mkdir(parents=True, exist_ok=True)
    with open(folder / "labels.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "kind"])
        for kind in CLASSES:
            for i in range(per_class):
                name = f"pics/{kind}-{i}.png"
                draw(kind, 500 + i).save(folder / name)
                writer.writerow([name, kind])
    return folder / "labels.csv"


def make_tiny_vit(folder: Path) -> Path:
    import torch
    from transformers import ViTConfig, ViTForImageClassification
    from transformers.models.vit.image_processing_pil_vit import ViTImageProcessorPil

    torch.manual_seed(0)
    config = ViTConfig(
        image_size=SIZE, patch_size=8, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64
    )
    ViTForImageClassification(config).save_pretrained(folder)
    ViTImageProcessorPil(size={"height": SIZE, "width": SIZE}).save_pretrained(folder)
    return folder

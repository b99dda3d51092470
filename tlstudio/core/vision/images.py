"""Opening images and turning them into a model's pixel values.

Preprocessing is the backbone's own image processor (``preprocessor_config.json``:
resize, rescale, normalize), loaded with transformers' PIL backend, so the
exported folder preprocesses exactly as training did when it is loaded with
``pipeline("image-classification")``.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import BackboneError, DataError


def open_image(source):
    """An RGB PIL image from a path, bytes-like file or PIL image (grey and palette images converted)."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(source, Image.Image):
        image = source
    else:
        try:
            image = Image.open(source)
            image.load()
        except FileNotFoundError:
            raise DataError(f"image {source} does not exist.") from None
        except (UnidentifiedImageError, OSError, ValueError) as exc:
            raise DataError(
                f"{source} is not a readable image ({type(exc).__name__}).",
                "Use PNG, JPEG, BMP, GIF, WebP or TIFF files.",
            ) from None
    return image if image.mode == "RGB" else image.convert("RGB")


def load_image_processor(path: str | Path, image_size: int | None = None):
    """The backbone's image processor (PIL backend), resized to ``image_size`` when given."""
    from transformers import AutoImageProcessor

    path = Path(path)
    if not (path / "preprocessor_config.json").is_file():
        raise BackboneError(
            f"{path} has no preprocessor_config.json, so tlstudio cannot tell how to prepare images for it.",
            "Choose an image model (ViT, ConvNeXt, ResNet, EfficientNet...).",
        )
    from ..backbones import DAMAGED_HINT, error_reason, load_config
    from ..errors import DamagedModelError

    if (path / "config.json").is_file():
        load_config(path)  # the processor reads config.json too: a bad one is named as itself
    try:
        processor = AutoImageProcessor.from_pretrained(str(path), backend="pil", trust_remote_code=False)
    except Exception as exc:  # noqa: BLE001 - the folder's files are the only input
        if isinstance(exc, MemoryError):
            raise
        raise DamagedModelError(
            f"the image processor in {path} (preprocessor_config.json) cannot be loaded: {error_reason(exc)}.",
            DAMAGED_HINT,
        ) from None
    if image_size:
        set_processor_size(processor, image_size)
    return processor


def set_processor_size(processor, size: int) -> None:
    """Resize every image to ``size`` x ``size`` (and crop, for processors that crop, to the same)."""
    processor.size = {"height": size, "width": size}
    if getattr(processor, "do_center_crop", False):
        processor.crop_size = {"height": size, "width": size}


def processor_size(processor) -> int | None:
    size = getattr(processor, "crop_size", None) if getattr(processor, "do_center_crop", False) else None
    size = size or getattr(processor, "size", None) or {}
    if isinstance(size, int):
        return size
    return size.get("height") or size.get("shortest_edge")


def pixel_values(processor, images: list):
    """A float tensor batch ``(n, 3, H, W)`` for PIL images."""
    return processor(images=images, return_tensors="pt")["pixel_values"]


class ImageDataset:
    """Map-style dataset for the Trainer: opens, augments and preprocesses one image per item."""

    def __init__(self, paths: list[Path], labels: list[int], processor, augmenter=None):
        self.paths = paths
        self.labels = labels
        self.processor = processor
        self.augmenter = augmenter

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> dict:
        image = open_image(self.paths[index])
        if self.augmenter is not None:
            image = self.augmenter(image)
        return {"pixel_values": pixel_values(self.processor, [image])[0], "labels": self.labels[index]}

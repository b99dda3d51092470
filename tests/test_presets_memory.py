"""Presets and the peak-memory estimate the Model page shows before a run."""

from __future__ import annotations

import pytest

from tlstudio.core.config import RunConfig
from tlstudio.core.errors import ConfigError
from tlstudio.core.memory_estimate import estimate_training_memory, fits
from tlstudio.core.model_info import count_parameters, describe_model_folder, dimensions
from tlstudio.core.presets import PRESETS, apply_preset, matching_preset


def test_presets_change_only_training_settings_and_make_valid_runs():
    base = RunConfig(data="d.csv", output="out", backbone="some/folder", text_column="t", label_column="l")
    for preset in PRESETS:
        config = apply_preset(base, preset.name)
        assert (config.data, config.output, config.backbone, config.text_column) == ("d.csv", "out", "some/folder", "t")
        config.validate()
        assert matching_preset(config) == preset.name
    assert matching_preset(RunConfig()) == "balanced"  # the defaults are the balanced preset
    quick, best = apply_preset(base, "quick"), apply_preset(base, "best")
    assert quick.epochs < best.epochs and quick.max_length < best.max_length
    assert best.early_stopping_patience > 0
    assert matching_preset(RunConfig(batch_size=7)) is None
    with pytest.raises(ConfigError, match="unknown preset"):
        apply_preset(base, "fastest")


def test_parameters_are_counted_from_safetensors_headers(tiny_backbone):
    import torch
    from transformers import AutoModel

    params, weight_bytes, dtype = count_parameters(tiny_backbone)
    model = AutoModel.from_pretrained(tiny_backbone)
    expected = sum(p.numel() for p in model.state_dict().values() if isinstance(p, torch.Tensor))
    assert params == expected and weight_bytes == 4 * params and dtype == "F32"
    info = describe_model_folder(tiny_backbone)
    assert info.dims.hidden == 32 and info.dims.layers == 2 and info.dims.heads == 2 and info.dims.intermediate == 64
    assert info.disk_bytes > weight_bytes and "2 layers" in info.summary()


def test_dimensions_understand_other_architectures_names():
    gpt2 = dimensions({"n_embd": 768, "n_layer": 12, "n_head": 12, "vocab_size": 50257, "n_positions": 1024})
    assert (gpt2.hidden, gpt2.layers, gpt2.heads, gpt2.intermediate) == (768, 12, 12, 3072)
    t5 = dimensions(
        {"d_model": 512, "num_layers": 6, "num_heads": 8, "d_ff": 2048, "is_encoder_decoder": True, "vocab_size": 32128}
    )
    assert t5.decoder_layers == 6
    assert dimensions({"model_type": "mystery"}) is None


def _measured_activation_bytes(model, batch: int, length: int) -> int:
    """Bytes autograd keeps for the backward pass (parameters excluded), measured with saved-tensor hooks."""
    import torch

    params = {p.data_ptr() for p in model.parameters()}
    seen = {}

    def pack(tensor):
        if tensor.data_ptr() not in params:
            seen[(tensor.data_ptr(), tensor.dtype, tuple(tensor.shape))] = tensor.numel() * tensor.element_size()
        return tensor

    ids = torch.randint(5, model.config.vocab_size, (batch, length))
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(input_ids=ids, attention_mask=torch.ones_like(ids), labels=torch.zeros(batch, dtype=torch.long))
    return sum(seen.values())


@pytest.mark.parametrize("batch,length", [(8, 32), (16, 64), (4, 128)])
def test_activation_estimate_tracks_what_autograd_saves(tiny_backbone, batch, length):
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(tiny_backbone, num_labels=2)
    model.train()
    info = describe_model_folder(tiny_backbone)
    estimate = estimate_training_memory(info.dims, info.parameters, batch_size=batch, sequence_length=length)
    measured = _measured_activation_bytes(model, batch, length)
    assert abs(estimate.activations - measured) <= 0.15 * measured
    assert 0 < estimate.backward_working < estimate.activations


def test_memory_estimate_parts_scale_as_training_does():
    dims = dimensions(
        {
            "hidden_size": 384,
            "num_hidden_layers": 6,
            "num_attention_heads": 12,
            "intermediate_size": 1536,
            "vocab_size": 30522,
        }
    )
    small = estimate_training_memory(dims, 22_700_000, batch_size=8, sequence_length=128)
    double = estimate_training_memory(dims, 22_700_000, batch_size=16, sequence_length=128)
    assert small.weights == 4 * 22_700_000 and small.optimizer == 2 * small.gradients
    assert double.activations == pytest.approx(2 * small.activations, rel=1e-6)
    gpu = estimate_training_memory(
        dims, 22_700_000, batch_size=8, sequence_length=128, device="cuda:0", precision="bf16"
    )
    assert gpu.activations < small.activations / 2  # 16-bit values and no attention maps kept
    assert gpu.runtime > 0 and small.runtime == 0
    assert small.total == max(small.backward_peak, small.step_peak)
    assert "activations (batch 8 x 128 tokens)" in small.describe()
    assert fits(small, 100 * small.total) is None
    assert "lower the batch size" in fits(small, small.total // 2)


def test_translation_on_an_encoder_counts_the_encoder_decoder_it_trains(tiny_backbone):
    # An encoder-only backbone becomes two copies of itself plus cross-attention for translation; the
    # estimate once counted the encoder alone and came out at about half.
    from transformers import AutoModel, AutoModelForCausalLM, EncoderDecoderModel

    from tlstudio.core.memory_estimate import training_shape
    from tlstudio.core.model_info import describe_model_folder

    info = describe_model_folder(tiny_backbone)
    encoder = AutoModel.from_pretrained(tiny_backbone)
    decoder = AutoModelForCausalLM.from_pretrained(tiny_backbone, is_decoder=True, add_cross_attention=True)
    real = sum(p.numel() for p in EncoderDecoderModel(encoder=encoder, decoder=decoder).parameters())
    dims, parameters = training_shape(info.dims, info.parameters, "translation")
    assert abs(parameters - real) / real < 0.02
    assert dims.decoder_layers == info.dims.layers
    assert training_shape(info.dims, info.parameters, "text-classification") == (info.dims, info.parameters)

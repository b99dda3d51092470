"""The model for a sequence-to-sequence run, and the generation settings saved with it.

A seq2seq backbone (T5, BART, Marian, mBART...) loads as it is.  An
encoder-only backbone such as the bundled MiniLM becomes an encoder-decoder
warm-started from it on both sides: the decoder is a copy of the encoder with
causal attention, new cross-attention layers and an output layer tied to the
word embeddings.  Either way the decoder-start, end and padding ids and the
run's beam search settings go into ``generation_config.json``, so
``AutoModelForSeq2SeqLM.from_pretrained(DIR).generate()`` works with no
extra arguments.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

from ..errors import BackboneError

# Encoder architectures transformers can also run as a decoder with cross-attention.
WARM_START_TYPES = (
    "bert",
    "roberta",
    "electra",
    "xlm-roberta",
    "camembert",
    "ernie",
    "bert-generation",
    "xlm-roberta-xl",
    "rembert",
    "big_bird",
)


def _config(path: Path) -> dict:
    try:
        return json.loads((Path(path) / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def is_seq2seq_backbone(path: Path) -> bool:
    config = _config(path)
    return bool(config.get("is_encoder_decoder")) or config.get("model_type") == "encoder-decoder"


def decoder_start_id(backbone_path: Path, tokenizer) -> int | None:
    """The token the decoder starts from: the seq2seq model's own, or [CLS] for a warm-started one."""
    if is_seq2seq_backbone(backbone_path):
        return _config(backbone_path).get("decoder_start_token_id")
    return tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id


def special_ids(model_config, tokenizer) -> dict[str, int]:
    """Decoder-start, end and padding ids: the model's own, else the tokenizer's ([CLS]/[SEP] for BERT-likes)."""
    start = getattr(model_config, "decoder_start_token_id", None)
    if start is None:
        start = tokenizer.cls_token_id if tokenizer.cls_token_id is not None else tokenizer.bos_token_id
    end = getattr(model_config, "eos_token_id", None)
    if end is None:
        end = tokenizer.sep_token_id if tokenizer.sep_token_id is not None else tokenizer.eos_token_id
    pad = getattr(model_config, "pad_token_id", None)
    if pad is None:
        pad = tokenizer.pad_token_id
    if None in (start, end, pad):
        raise BackboneError(
            "the backbone's tokenizer has no start, end or padding token, so it cannot generate.",
            "Choose a seq2seq backbone (T5, BART, Marian) or a BERT-like encoder.",
        )
    return {"decoder_start_token_id": int(start), "eos_token_id": int(end), "pad_token_id": int(pad)}


def load_seq2seq(backbone_path: Path, tokenizer, config, *, allow_pickle: bool = False):
    """``(model, warm_started)`` for a run; raises BackboneError for a backbone that cannot generate."""
    from transformers import AutoModel, AutoModelForCausalLM, AutoModelForSeq2SeqLM, EncoderDecoderModel

    from ..backbones import load_model

    if is_seq2seq_backbone(backbone_path):
        model, warm = load_model(AutoModelForSeq2SeqLM, backbone_path, allow_pickle=allow_pickle), False
    else:
        model_type = _config(backbone_path).get("model_type")
        if model_type not in WARM_START_TYPES:
            raise BackboneError(
                f"a {model_type or 'model of unknown type'} backbone cannot be used for translation or summarization.",
                "Choose a seq2seq backbone (T5, BART, Marian, mBART) or a BERT-like encoder such as 'minilm'.",
            )
        encoder = load_model(AutoModel, backbone_path, allow_pickle=allow_pickle)
        decoder = load_model(
            AutoModelForCausalLM, backbone_path, allow_pickle=allow_pickle, is_decoder=True, add_cross_attention=True
        )
        model, warm = EncoderDecoderModel(encoder=encoder, decoder=decoder), True
        # EncoderDecoderModel warns on every forward pass with labels about a change made in 2021; it is
        # addressed to people porting old checkpoints, not to our users.
        warnings.filterwarnings("ignore", message="Version v4.12.0 introduces a better way", category=FutureWarning)
    configure_generation(model, tokenizer, config)
    return model, warm


def configure_generation(model, tokenizer, config) -> None:
    """Special ids on both configs (transformers 5's generate() reads generation_config), and the run's beams."""
    ids = special_ids(model.config, tokenizer)
    for target in (model.config, model.generation_config):
        for key, value in ids.items():
            setattr(target, key, value)
    generation = model.generation_config
    generation.num_beams = config.num_beams
    generation.max_new_tokens = config.max_new_tokens
    generation.length_penalty = config.length_penalty
    generation.early_stopping = config.num_beams > 1

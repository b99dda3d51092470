"""Fixtures: a tiny BERT built from a config (nothing is downloaded) and small datasets."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from helpers import make_sentence, write_sentiment_csv

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def tiny_backbone(tmp_path_factory) -> Path:
    """A 2-layer BERT (no task head) with a WordPiece tokenizer trained on the fixture vocabulary."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-bert")
    rng = random.Random(1)
    corpus = [make_sentence(rng, rng.choice(["positive", "negative"])) for _ in range(400)]
    corpus += ["the quick brown fox jumps over the lazy dog", "hello world", "some text to predict"]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=400, special_tokens=specials))
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tokenizer.decoder = decoders.WordPiece()
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]", model_max_length=128)
    config = BertConfig(vocab_size=fast.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    import torch

    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


@pytest.fixture
def sentiment_csv(tmp_path) -> Path:
    return write_sentiment_csv(tmp_path / "reviews.csv")


@pytest.fixture
def sentiment_csv(tmp_path) -> Path:
    return write_sentiment_csv(tmp_path / "reviews.csv")


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, tiny_backbone) -> Path:
    """A finished tiny run folder (exports read it; tests must not modify it)."""
    from helpers import tiny_config
    from tlstudio.core.training.engine import train

    folder = tmp_path_factory.mktemp("trained")
    data = write_sentiment_csv(folder / "reviews.csv", rows=160)
    result = train(tiny_config(data, folder / "run", tiny_backbone, epochs=4))
    assert result.status == "completed"
    return folder / "run"

"""What the Data page tells a user before training: problems in plain words, token lengths."""

from __future__ import annotations

import pandas as pd

from tlstudio.core.data.health import classification_health
from tlstudio.core.data.token_stats import histogram, measure_token_lengths


def levels(health):
    return {f.level for f in health.findings}


def test_healthy_data_reports_counts_and_no_problems():
    frame = pd.DataFrame({"text": [f"review number {i}" for i in range(40)], "label": ["pos", "neg"] * 20})
    health = classification_health(frame, "text", "label")
    assert health.ok and health.label_counts == {"neg": 20, "pos": 20} and health.labelled == 40
    assert levels(health) == {"info"}


def test_labels_are_counted_as_a_run_would_normalise_them():
    frame = pd.DataFrame({"text": ["a", "b", "c", "d", "e"], "label": ["1", "1.0", 1, "2", None]})
    health = classification_health(frame, "text", "label")
    assert health.label_counts == {"1": 3, "2": 1} and health.unlabelled == 1


def test_problems_are_named_in_plain_words():
    texts = [f"text {i}" for i in range(30)] + ["same", "same", "", "lonely"]
    labels = ["big"] * 30 + ["small", "small", "small", "single"]
    health = classification_health(pd.DataFrame({"text": texts, "label": labels}), "text", "label")
    joined = " ".join(f.text for f in health.findings)
    assert "skewed" in joined and "'big' has 30.0x the rows of 'single'" in joined
    assert "single row (single)" in joined
    assert "repeat an earlier text" in joined and health.duplicates == 1
    assert "empty 'text'" in joined and health.empty_text == 1
    assert health.ok  # warnings, not errors


def test_blocking_problems_are_errors():
    one_class = pd.DataFrame({"text": ["a", "b"], "label": ["x", "x"]})
    assert not classification_health(one_class, "text", "label").ok
    assert not classification_health(one_class, "text", "text").ok
    assert not classification_health(one_class, "text", None).ok


def test_token_lengths_use_the_backbones_tokenizer_and_mark_truncation(tiny_backbone):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_backbone)
    texts = ["hello world"] * 10 + [" ".join(["world"] * 50)] + [None, "  "]
    stats = measure_token_lengths(tokenizer, texts)
    assert stats.total_rows == 11 and not stats.sampled
    assert stats.percentile(50) == 4 and stats.longest == 52  # [CLS] ... [SEP]
    measured = [t for t in texts if t and t.strip()]  # what the tokenizer's own call counts, special tokens in
    assert stats.lengths == tuple(len(ids) for ids in tokenizer(measured, truncation=False)["input_ids"])
    assert stats.truncated_share(16) == 1 / 11 and stats.truncated_share(64) == 0
    assert "1 of" not in stats.describe(16) and "9.1% are longer than max length 16" in stats.describe(16)
    edges, counts = histogram(stats)
    assert sum(counts) == 11 and len(edges) == len(counts) + 1

    sampled = measure_token_lengths(tokenizer, [f"text {i}" for i in range(500)], limit=100)
    assert sampled.sampled and len(sampled.lengths) == 100 and "a sample of 100 of 500 rows" in sampled.describe(8)

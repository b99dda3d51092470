"""Two runs side by side (core.runs.comparison): which figures, which is better, which settings explain it."""

from __future__ import annotations

import pytest

from helpers import write_run
from tlstudio.core.config import RunConfig
from tlstudio.core.errors import ConfigError
from tlstudio.core.runs.comparison import compare_runs, find_counterpart, without_adaptation


def test_metrics_side_by_side_say_which_run_is_better_each_way(tmp_path):
    a = write_run(tmp_path, "plain", {"accuracy": 0.80, "macro_f1": 0.70, "train_runtime_seconds": 100.0})
    b = write_run(
        tmp_path,
        "adapted",
        {"accuracy": 0.85, "macro_f1": 0.66, "train_runtime_seconds": 160.0},
        adapt_source="dataset",
        started="2026-01-02",
    )
    comparison = compare_runs(a, b)
    rows = {row.key: row for row in comparison.metrics}
    assert list(rows) == ["accuracy", "macro_f1", "train_runtime_seconds"]
    assert rows["accuracy"].better == "b" and rows["accuracy"].difference == pytest.approx(0.05)
    assert rows["macro_f1"].better == "a"
    assert rows["train_runtime_seconds"].better == "a" and not rows["train_runtime_seconds"].quality  # lower wins
    assert comparison.metrics[-1].key == "train_runtime_seconds"
    assert comparison.adaptation == (False, True)
    changed = {name: (va, vb) for name, va, vb in comparison.settings}
    # Only the adaptation stage differs (the output folders never count); its settings show for the adapted run.
    assert changed["adapt_source"] == ("off", "dataset") and changed["adapt_epochs"] == (None, 1.0)
    assert all(name.startswith("adapt") or name == "mlm_probability" for name in changed)
    assert "adapted scores better: accuracy 0.800 → 0.850" in comparison.summary()
    assert "adapted had the domain-adaptation stage" in comparison.summary()
    assert not comparison.notes  # same data, same split, enough rows


def test_lora_settings_show_only_for_the_run_that_used_them_and_split_changes_are_flagged(tmp_path):
    a = write_run(tmp_path, "full", {"macro_f1": 0.7}, eval_size=50)
    b = write_run(tmp_path, "lora", {"macro_f1": 0.7}, strategy="lora", lora_rank=4, seed=7, eval_size=50)
    comparison = compare_runs(a, b)
    settings = {name: (va, vb) for name, va, vb in comparison.settings}
    assert settings["strategy"] == ("full", "lora") and settings["lora_rank"] == (None, 4)
    assert "lora_alpha" in settings and settings["seed"] == (42, 7)
    assert any("different validation rows" in note for note in comparison.notes)
    assert any("Only 50 validation rows" in note for note in comparison.notes)
    assert "Both runs score the same macro-F1" in comparison.summary()


def test_runs_of_different_tasks_are_refused_in_words(tmp_path):
    a = write_run(tmp_path, "cls", {"accuracy": 0.8})
    b = write_run(tmp_path, "ner", {"f1": 0.5}, task="token-classification")
    with pytest.raises(ConfigError, match="same task"):
        compare_runs(a, b)
    with pytest.raises(ConfigError, match="not a readable tlstudio run"):
        compare_runs(a, tmp_path / "missing")


def test_the_counterpart_of_an_adapted_run_is_the_same_run_without_adaptation(tmp_path):
    adapted = write_run(tmp_path, "adapted", {"accuracy": 0.9}, adapt_source="dataset", adapt_epochs=3.0)
    other_lr = write_run(tmp_path, "other-lr", {"accuracy": 0.8}, learning_rate=1e-3)
    stopped = write_run(tmp_path, "stopped", {}, status="stopped")
    older = write_run(tmp_path, "plain-old", {"accuracy": 0.7}, started="2026-01-01")
    newer = write_run(tmp_path, "plain-new", {"accuracy": 0.8}, started="2026-01-03", device="cpu")
    candidates = [adapted, other_lr, stopped, older, newer]
    assert find_counterpart(adapted, candidates) == newer.resolve()
    assert find_counterpart(newer, candidates) == adapted.resolve()
    assert find_counterpart(other_lr, candidates) is None
    baseline = without_adaptation(RunConfig(adapt_source="folder", adapt_path="/texts", output="/runs/x"))
    assert (baseline.adapt_source, baseline.output) == ("off", "")

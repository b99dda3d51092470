"""The Model page's settings form shows only the rows that apply to the choices made, and follows them live."""

from __future__ import annotations

LORA = ("lora_rank", "lora_alpha", "lora_dropout", "lora_target_modules")
ADAPT = ("adapt_epochs", "adapt_max_steps", "adapt_learning_rate", "mlm_probability")


def _shown(form, names) -> list[bool]:
    return [form.is_shown(name) for name in names]


def test_strategy_and_adaptation_rows_appear_only_when_chosen(qtbot, window):
    page = window.model_page
    window.show_page("model")
    form = page.form
    assert window.session.config.strategy == "auto"
    assert _shown(form, LORA + ("gradual_stages", "layer_lr_decay")) == [False] * 6
    assert _shown(form, ADAPT + ("adapt_column", "adapt_path")) == [False] * 6
    assert form.is_shown("strategy") and form.is_shown("adapt_source")

    form.editor("strategy").setCurrentText("lora")  # as a user picks it
    assert window.session.config.strategy == "lora"
    assert _shown(form, LORA) == [True] * 4 and not form.is_shown("gradual_stages")
    form.editor("strategy").setCurrentText("gradual")
    assert form.is_shown("gradual_stages") and _shown(form, LORA) == [False] * 4
    form.editor("strategy").setCurrentText("llrd")
    assert form.is_shown("layer_lr_decay") and not form.is_shown("gradual_stages")

    form.editor("adapt_source").setCurrentText("dataset")
    assert _shown(form, ADAPT) == [True] * 4 and form.is_shown("adapt_column") and not form.is_shown("adapt_path")
    # The masked-LM learning rate reads as the number it is, not rounded to 0.000 by a spin box.
    assert form.editor("adapt_learning_rate").text() == "0.0001"
    assert form.editor("lora_rank").accessibleName() == "LoRA rank"
    form.editor("adapt_source").setCurrentText("folder")
    assert form.is_shown("adapt_path") and not form.is_shown("adapt_column")
    form.editor("adapt_source").setCurrentText("off")
    assert _shown(form, ADAPT + ("adapt_path",)) == [False] * 5


def test_task_options_follow_the_task_and_its_modes(qtbot, window):
    page = window.model_page
    window.show_page("model")
    form = page.form
    assert not form.is_shown("label_delimiter") and not form.is_shown("window_overlap")
    form.editor("long_texts").setCurrentText("windows")
    assert form.is_shown("window_overlap")
    form.editor("long_texts").setCurrentText("truncate")
    assert not form.is_shown("window_overlap")

    page.select_task("text-classification", multi_label=True)
    assert form.is_shown("label_delimiter")
    page.select_task("translation")
    # Rows of other tasks go; the task's own come.
    assert form.is_shown("num_beams") and form.is_shown("source_prefix")
    assert not any(_shown(form, ("label_delimiter", "long_texts", "class_weighting", "temperature", "augment")))
    # A config loaded from elsewhere (re-run of a LoRA run) shows its rows too.
    window.session.replace_config(window.session.config.__class__(task="text-classification", strategy="lora"))
    assert _shown(form, LORA) == [True] * 4 and form.is_shown("long_texts")


def test_a_blank_learning_rate_shows_the_default_it_stands_for(qtbot, window):
    page = window.model_page
    window.show_page("model")
    rate = page.form.editor("learning_rate")
    assert window.session.config.learning_rate is None and rate.text() == ""
    assert rate.placeholderText() == "default 0.0001"
    page.form.editor("strategy").setCurrentText("frozen")  # the frozen strategy has its own measured rate
    assert rate.placeholderText() == "default 0.001"

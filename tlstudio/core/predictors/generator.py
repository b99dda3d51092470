"""A trained translation or summarization model writing text.

transformers 5 has no translation/summarization pipeline any more, so this
calls ``generate()`` directly, batched by input length, with the settings in
the model's ``generation_config.json`` unless the caller overrides them.
"""

from __future__ import annotations

from pathlib import Path

from ..backbones import load_model, load_tokenizer
from .folder import ModelFolder, inference_max_length, open_model_folder
from .results import GeneratedText

GENERATION_SETTINGS = ("num_beams", "max_new_tokens", "length_penalty")


def generate_texts(
    model, tokenizer, texts: list[str], *, max_length: int, batch_size: int = 16, cancel=None, **settings
) -> list[str]:
    """The model's output for each text, in the caller's order; ``settings`` override generation_config."""
    import torch

    from ..errors import RunCancelled

    settings = {k: v for k, v in settings.items() if v is not None}
    if "num_beams" in settings:
        settings.setdefault("early_stopping", settings["num_beams"] > 1)
    device = next(model.parameters()).device
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = [""] * len(texts)
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                if cancel is not None and cancel.cancelled:
                    raise RunCancelled()
                chunk = order[start : start + batch_size]
                batch = tokenizer(
                    [texts[i] for i in chunk],
                    truncation=True,
                    max_length=max_length,
                    padding=True,
                    return_tensors="pt",
                    return_token_type_ids=False,
                ).to(device)
                generated = model.generate(**batch, **settings)
                decoded = tokenizer.batch_decode(generated, skip_special_tokens=True, clean_up_tokenization_spaces=True)
                for index, text in zip(chunk, decoded):
                    out[index] = text.strip()
    finally:
        model.train(was_training)
    return out


class TextGenerator:
    def __init__(self, model_dir: str | Path | ModelFolder, device: str = "auto"):
        from transformers import AutoModelForSeq2SeqLM

        from ..hardware import choose_device

        folder = model_dir if isinstance(model_dir, ModelFolder) else open_model_folder(model_dir)
        self.folder = folder
        self.task = folder.task
        self.model_dir = folder.path
        self.tokenizer = load_tokenizer(folder.path)
        self.model = load_model(AutoModelForSeq2SeqLM, folder.path, allow_pickle=folder.allow_pickle)
        self.model.to(choose_device(device, "fp32").device)
        self.model.eval()
        self.max_length = inference_max_length(
            folder, self.tokenizer, getattr(self.model.config, "encoder", self.model.config)
        )
        self.prefix = folder.run_config.get("source_prefix") or ""

    @property
    def settings(self) -> dict:
        """The generation settings the model uses by default (for the app's try-it page)."""
        config = self.model.generation_config
        return {name: getattr(config, name, None) for name in GENERATION_SETTINGS}

    def generate(self, texts: list[str], *, cancel=None, batch_size: int = 16, **settings) -> list[str]:
        return generate_texts(
            self.model,
            self.tokenizer,
            [self.prefix + t for t in texts],
            max_length=self.max_length,
            batch_size=batch_size,
            cancel=cancel,
            **settings,
        )

    def predict(self, texts: list[str], *, cancel=None, **settings) -> list[GeneratedText]:
        return [GeneratedText(t) for t in self.generate(texts, cancel=cancel, **settings)]

    def predict_table(self, table, columns: dict, *, cancel=None) -> tuple[dict[str, list], dict[str, str]]:
        from ..data.columns import choose_column
        from ..data.roles import suggest_text_column
        from ..tasks.classification_rows import cell_text

        given = columns.get("source_column") or columns.get("text_column")
        column, _ = choose_column(table, given, suggest_text_column(table.frame), "--source-column")
        texts = [cell_text(v) for v in table.frame[column].tolist()]
        return {"prediction": self.generate(texts, cancel=cancel)}, {"source_column": column}

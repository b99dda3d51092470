"""A fine-tuned causal language model writing text: batch generation and a streaming API.

``CausalGenerator.stream(prompt)`` yields text as it is generated (a
``TextIteratorStreamer`` fed by ``generate()`` on a worker thread), so the app's
playground and ``tlstudio predict --stream`` show words as they come.  Stopping
is cooperative: setting the cancel token ends generation at the next token.
A model trained on prompt/response pairs gets the same template around each
prompt automatically.
"""

from __future__ import annotations

import threading
from pathlib import Path

from ..backbones import load_model, load_tokenizer
from ..errors import TlStudioError
from .folder import ModelFolder, inference_max_length, open_model_folder
from .results import GeneratedText

SETTINGS = ("max_new_tokens", "temperature", "top_p")


def _sampling(temperature: float | None, top_p: float | None, max_new_tokens: int | None) -> dict:
    settings: dict = {}
    if max_new_tokens is not None:
        settings["max_new_tokens"] = int(max_new_tokens)
    if temperature is not None:
        settings["do_sample"] = temperature > 0
        if temperature > 0:
            settings["temperature"] = float(temperature)
    if top_p is not None and settings.get("do_sample", True):
        settings["top_p"] = float(top_p)
    return settings


def _room(model, prompt_tokens: int, settings: dict) -> dict:
    """Cap max_new_tokens so prompt and text fit the model's positions (GPT-2: 1,024)."""
    config = model.config
    limit = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
    if not limit:
        return settings
    room = int(limit) - prompt_tokens
    if room < 1:
        from ..errors import DataError

        raise DataError(
            f"the prompt is {prompt_tokens} tokens long; this model reads at most {limit}.", "Shorten the prompt."
        )
    wanted = settings.get("max_new_tokens") or model.generation_config.max_new_tokens or room
    return {**settings, "max_new_tokens": min(int(wanted), room)}


class _CancelCriteria:
    """A StoppingCriteria that ends generation once the cancel token is set."""

    def __init__(self, cancel):
        self.cancel = cancel

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        stop = self.cancel is not None and self.cancel.cancelled
        return torch.full((input_ids.shape[0],), stop, dtype=torch.bool, device=input_ids.device)


def generate_continuations(
    model,
    tokenizer,
    prompts: list[str],
    *,
    max_new_tokens: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    seed: int | None = None,
    cancel=None,
    batch_size: int = 8,
) -> list[str]:
    """The text each prompt is continued with (without the prompt), in order.

    With ``seed`` the sampling is repeatable and the caller's random state is left as it was (the
    training run's data order and dropout do not change because samples were drawn).
    """
    import contextlib

    import torch
    from transformers import StoppingCriteriaList

    device = next(model.parameters()).device
    settings = _sampling(temperature, top_p, max_new_tokens)
    outputs: list[str] = []
    was_training = model.training
    model.eval()
    side, tokenizer.padding_side = tokenizer.padding_side, "left"
    devices = [device] if device.type == "cuda" else []
    fork = torch.random.fork_rng(devices=devices) if seed is not None else contextlib.nullcontext()
    try:
        with fork, torch.inference_mode():
            if seed is not None:
                torch.manual_seed(seed)
            for start in range(0, len(prompts), batch_size):
                chunk = prompts[start : start + batch_size]
                batch = tokenizer(chunk, return_tensors="pt", padding=True, return_token_type_ids=False).to(device)
                generated = model.generate(
                    **batch,
                    **_room(model, batch["input_ids"].shape[1], settings),
                    pad_token_id=tokenizer.pad_token_id,
                    stopping_criteria=StoppingCriteriaList([_CancelCriteria(cancel)]),
                )
                new = generated[:, batch["input_ids"].shape[1] :]
                outputs += [t.strip() for t in tokenizer.batch_decode(new, skip_special_tokens=True)]
    finally:
        tokenizer.padding_side = side
        model.train(was_training)
    return outputs


class CausalGenerator:
    task = "text-generation"
    runtime = "pytorch"
    pairs = False

    def __init__(self, model_dir: str | Path | ModelFolder, device: str = "auto"):
        from transformers import AutoModelForCausalLM

        from ..tasks.lm_data import template_of
        from ..hardware import choose_device

        folder = model_dir if isinstance(model_dir, ModelFolder) else open_model_folder(model_dir)
        if folder.task != self.task:
            raise TlStudioError(f"the model in {folder.path} does {folder.task}, not text generation.")
        self.folder = folder
        self.model_dir = folder.path
        self.tokenizer = load_tokenizer(folder.path)
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = load_model(AutoModelForCausalLM, folder.path, allow_pickle=folder.allow_pickle)
        self.model.to(choose_device(device, "fp32").device)
        self.model.eval()
        self.max_length = inference_max_length(folder, self.tokenizer, self.model.config)
        run = folder.run_config
        self.template = template_of(run) if run.get("prompt_column") else None

    @property
    def settings(self) -> dict:
        """The model's default generation settings (the playground's starting values)."""
        config = self.model.generation_config
        temperature = config.temperature if config.do_sample else 0.0
        return {
            "max_new_tokens": config.max_new_tokens or 64,
            "temperature": temperature,
            "top_p": config.top_p if config.do_sample else 1.0,
        }

    def format_prompt(self, prompt: str) -> str:
        from ..tasks.lm_data import prompt_part

        return prompt_part(self.template, prompt) if self.template else prompt

    def generate(
        self,
        prompts: list[str],
        *,
        cancel=None,
        max_new_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        seed: int | None = None,
    ) -> list[str]:
        return generate_continuations(
            self.model,
            self.tokenizer,
            [self.format_prompt(p) for p in prompts],
            max_new_tokens=max_new_tokens,
            temperature=temperature,
            top_p=top_p,
            seed=seed,
            cancel=cancel,
        )

    def predict(self, prompts: list[str], *, cancel=None, **settings) -> list[GeneratedText]:
        return [GeneratedText(t) for t in self.generate(prompts, cancel=cancel, **settings)]

    def stream(
        self,
        prompt: str,
        *,
        cancel=None,
        max_new_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        seed: int | None = None,
    ):
        """Yield the continuation of ``prompt`` piece by piece as the model writes it."""
        import torch
        from transformers import StoppingCriteriaList, TextIteratorStreamer

        device = next(self.model.parameters()).device
        inputs = self.tokenizer([self.format_prompt(prompt)], return_tensors="pt", return_token_type_ids=False).to(
            device
        )
        settings = _room(self.model, inputs["input_ids"].shape[1], _sampling(temperature, top_p, max_new_tokens))
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True, timeout=600)
        failure: list[BaseException] = []

        def run() -> None:
            try:
                with torch.inference_mode():
                    if seed is not None:
                        torch.manual_seed(seed)
                    self.model.generate(
                        **inputs,
                        **settings,
                        streamer=streamer,
                        pad_token_id=self.tokenizer.pad_token_id,
                        stopping_criteria=StoppingCriteriaList([_CancelCriteria(cancel)]),
                    )
            except BaseException as exc:  # handed to the consumer's thread below
                failure.append(exc)
                streamer.end()

        worker = threading.Thread(target=run, name="tlstudio-generate", daemon=True)
        worker.start()
        try:
            for piece in streamer:
                if piece:
                    yield piece
        finally:
            worker.join()
        if failure:
            raise failure[0]

    def predict_table(self, table, columns: dict, *, cancel=None) -> tuple[dict[str, list], dict[str, str]]:
        from ..data.columns import choose_column, require_column
        from ..data.roles import suggest_text_column
        from ..tasks.classification_rows import cell_text

        given = columns.get("prompt_column") or columns.get("text_column")
        if given:
            column = require_column(table, given, "--text-column")
        else:
            column, _ = choose_column(table, None, suggest_text_column(table.frame), "--text-column")
        prompts = [cell_text(v) for v in table.frame[column].tolist()]
        return {"generated": self.generate(prompts, cancel=cancel)}, {"text_column": column}

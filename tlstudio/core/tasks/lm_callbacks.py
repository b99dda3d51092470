"""Training-time additions for text generation: perplexity beside the loss, and sample texts.

Perplexity is ``exp(validation loss)``: the number of equally likely next tokens
the model is, on average, choosing among.  The first evaluation (before any
training step) is the baseline the drop is measured against.
"""

from __future__ import annotations

import math

from transformers import TrainerCallback

from ..progress import Message, SamplesGenerated


class SampleAndPerplexity(TrainerCallback):
    """Adds ``eval_perplexity`` to each evaluation and continues the sample prompts after it."""

    def __init__(self, data, tokenizer, config, sink):
        self.data = data
        self.tokenizer = tokenizer
        self.config = config
        self.sink = sink

    def on_evaluate(self, args, state, control, metrics=None, model=None, **kwargs):
        if metrics is None or "eval_loss" not in metrics:
            return
        loss = float(metrics["eval_loss"])
        metrics["eval_perplexity"] = math.exp(min(loss, 50.0))
        if state.global_step == 0 and "initial_eval_loss" not in self.data.summary:
            self.data.summary["initial_eval_loss"] = loss
        if model is None or not self.data.sample_prompts:
            return
        from ..predictors.causal_lm import generate_continuations

        try:
            texts = generate_continuations(
                model,
                self.tokenizer,
                self.data.sample_prompts,
                max_new_tokens=min(self.config.max_new_tokens, 64),
                temperature=self.config.temperature,
                top_p=self.config.top_p,
                seed=self.config.seed,
            )
        except RuntimeError as exc:  # a sample is a nicety; it must never stop the run
            self.sink.emit(Message("warning", f"could not generate sample texts ({exc})."))
            return
        self.sink.emit(
            SamplesGenerated(
                step=state.global_step,
                epoch=float(state.epoch or 0.0),
                samples=[{"prompt": p, "text": t} for p, t in zip(self.data.sample_prompts, texts)],
            )
        )


def example_losses(model, columns: dict, collator, *, batch_size: int = 8, cancel=None):
    """``(losses, counts)``: each example's mean token loss and how many tokens it was taken on."""
    import torch

    from ..errors import RunCancelled

    device = next(model.parameters()).device
    losses, counts = [], []
    was_training = model.training
    model.eval()
    count = len(columns["input_ids"])
    try:
        with torch.inference_mode():
            for start in range(0, count, batch_size):
                if cancel is not None and cancel.cancelled:
                    raise RunCancelled()
                features = [
                    {k: columns[k][i] for k in ("input_ids", "labels")}
                    for i in range(start, min(count, start + batch_size))
                ]
                batch = {k: v.to(device) for k, v in collator(features).items()}
                logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits.float()
                # Token t predicts token t+1, as the model's own loss does.
                targets = batch["labels"][:, 1:]
                token_loss = torch.nn.functional.cross_entropy(
                    logits[:, :-1].reshape(-1, logits.shape[-1]),
                    targets.reshape(-1),
                    ignore_index=-100,
                    reduction="none",
                ).view(targets.shape)
                mask = targets != -100
                for row_loss, row_mask in zip(token_loss, mask):
                    n = int(row_mask.sum())
                    counts.append(n)
                    losses.append(float(row_loss[row_mask].sum() / n) if n else 0.0)
    finally:
        model.train(was_training)
    return losses, counts

"""Summarization: a document in, a short summary out; scored with ROUGE."""

from __future__ import annotations

from ..metrics import generation as gen_metrics
from .seq2seq import Seq2SeqTask


class SummarizationTask(Seq2SeqTask):
    name = "summarization"
    title = "Summarization"
    headline_metrics = ("rouge1", "rouge2", "rougeL", "rougeLsum")
    shortens_text = True
    case_matters = False  # ROUGE ignores case
    scored_by = "ROUGE"

    def score(self, generated: list[str], references: list[str], sources: list[str]) -> dict[str, float]:
        return gen_metrics.with_copy_baseline(gen_metrics.rouge, generated, references, sources)

"""Translation: text in one language in, the same text in another out; scored with sacreBLEU and chrF."""

from __future__ import annotations

from ..metrics import generation as gen_metrics
from .seq2seq import Seq2SeqTask


class TranslationTask(Seq2SeqTask):
    name = "translation"
    title = "Translation"
    headline_metrics = ("bleu", "chrf")
    scored_by = "BLEU and chrF"
    vocabulary_advice = (
        "For real translation choose a seq2seq backbone whose vocabulary covers the target language "
        "(a Marian or mT5 model, for example)."
    )

    def score(self, generated: list[str], references: list[str], sources: list[str]) -> dict[str, float]:
        return gen_metrics.with_copy_baseline(gen_metrics.bleu_chrf, generated, references, sources)

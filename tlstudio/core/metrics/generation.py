"""Metrics on generated text: sacreBLEU and chrF for translation, ROUGE for summarization.

All figures are on sacreBLEU's 0-100 scale (ROUGE F-measures times 100), so
they read alike in one report.  Each is computed for the model and for the
copy-the-source baseline (the input returned unchanged), which shows what
the model adds beyond echoing its input.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def bleu_chrf(generated: list[str], references: list[str]) -> dict[str, float]:
    import sacrebleu

    return {
        "bleu": float(sacrebleu.corpus_bleu(generated, [references]).score),
        "chrf": float(sacrebleu.corpus_chrf(generated, [references]).score),
    }


def rouge(generated: list[str], references: list[str]) -> dict[str, float]:
    from rouge_score import rouge_scorer

    kinds = ("rouge1", "rouge2", "rougeL", "rougeLsum")
    scorer = rouge_scorer.RougeScorer(list(kinds), use_stemmer=True)
    totals = dict.fromkeys(kinds, 0.0)
    for hypothesis, reference in zip(generated, references):
        # rougeLsum scores sentence by sentence: one sentence per line.
        scores = scorer.score(
            "\n".join(_SENTENCE_END.split(reference.strip())), "\n".join(_SENTENCE_END.split(hypothesis.strip()))
        )
        for kind in kinds:
            totals[kind] += scores[kind].fmeasure
    count = max(1, len(generated))
    return {kind: 100.0 * total / count for kind, total in totals.items()}


def with_copy_baseline(score, generated: list[str], references: list[str], sources: list[str]) -> dict[str, float]:
    """The model's figures, and ``copy_<name>`` for the sources scored as if they were the output."""
    report = score(generated, references)
    report.update({f"copy_{key}": value for key, value in score(sources, references).items()})
    return report


def length_stats(generated: list[str], references: list[str]) -> dict[str, float]:
    def mean_words(texts: list[str]) -> float:
        return sum(len(t.split()) for t in texts) / max(1, len(texts))

    return {
        "generated_words_mean": mean_words(generated),
        "reference_words_mean": mean_words(references),
        "empty_outputs": sum(1 for t in generated if not t.strip()),
    }

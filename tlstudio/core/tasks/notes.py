"""Plain warnings about a backbone's limits for a task, before and during a run.

A small English uncased encoder can be fine-tuned for anything, but some
choices cannot work well with it: tagging names without seeing capitals,
writing French with a vocabulary that has no accents, or generating text
with a decoder that starts untrained.  The CLI prints these notes, the model
card lists them, and the app shows them next to the task and backbone
pickers (``task_notes``).
"""

from __future__ import annotations

import re
import unicodedata

SAMPLE = 200


def is_uncased(tokenizer) -> bool:
    try:
        return tokenizer.tokenize("Paris London") == tokenizer.tokenize("paris london")
    except Exception:  # a tokenizer that cannot even do this has bigger problems, reported elsewhere
        return False


def uncased_note(tokenizer, backbone: str, purpose: str) -> str | None:
    if not is_uncased(tokenizer):
        return None
    return (f"the backbone '{backbone}' is uncased: it reads 'Paris' and 'paris' alike, so capital letters, a "
            f"strong clue for names, are lost to {purpose}. A cased backbone (bert-base-cased, for example) "
            "usually tags entities better.")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def vocabulary_note(tokenizer, texts: list[str], task: str = "translation", what: str = "target texts") -> str | None:
    """A note when the tokenizer cannot write ``texts`` back exactly (lowercasing, stripped accents, unknowns).

    ROUGE ignores case, so for summarization lower case alone is not worth a note.
    """
    sample = [t for t in texts[:SAMPLE] if t and t.strip()]
    if not sample:
        return None
    lowercased = accents = unknown = other = 0
    for text in sample:
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        decoded = _squash(tokenizer.decode(ids, skip_special_tokens=False))
        if decoded == _squash(text):
            continue
        if decoded == _squash(text.lower()):
            lowercased += 1
        elif decoded == _squash(_strip_accents(text.lower())):
            accents += 1
        elif tokenizer.unk_token and tokenizer.unk_token in decoded:
            unknown += 1
        else:
            other += 1
    if task == "summarization":
        lowercased = 0
    if not (lowercased or accents or unknown or other):
        return None
    problems = []
    if lowercased or accents:
        problems.append(f"writes only lower case ({lowercased + accents} of {len(sample)} sampled {what} have "
                        "capitals)")
    if accents:
        problems.append(f"strips accents (é becomes e) from {accents} of them")
    if unknown:
        problems.append(f"has no tokens for some characters in {unknown} of them")
    if other:
        problems.append(f"changes {other} of them in other ways")
    metrics = "ROUGE" if task == "summarization" else "BLEU and chrF"
    advice = ("For real translation choose a seq2seq backbone whose vocabulary covers the target language (a "
              "Marian or mT5 model, for example)." if task == "translation" else
              "Choose a backbone whose vocabulary covers the texts' language.")
    return (f"the backbone's vocabulary {', '.join(problems)}, so the model cannot write those texts exactly, and "
            f"{metrics} against the references stay lower for that reason alone. {advice}")


WARM_START_NOTE = (
    "the backbone is an encoder only, so tlstudio builds an encoder-decoder from two copies of it; the decoder's "
    "cross-attention and output layer start untrained. Expect it to need many thousands of steps (hours on a "
    "CPU) before its output is useful; a pretrained seq2seq backbone (T5, BART, Marian) learns in far fewer."
)


NOTED_TASKS = ("token-classification", "translation", "summarization")


def task_notes(task: str, backbone: str = "minilm", sample_texts: list[str] | None = None) -> list[str]:
    """What to tell a user who picks ``backbone`` for ``task`` (for the app's model page)."""
    if task not in NOTED_TASKS:
        return []
    from ..backbones import load_tokenizer, resolve_backbone

    resolved = resolve_backbone(backbone)
    try:
        tokenizer = load_tokenizer(resolved.path)
    except (OSError, ValueError):  # advice only: a backbone without a usable tokenizer is reported at launch
        return []
    notes = []
    if task == "token-classification":
        note = uncased_note(tokenizer, backbone, "entity tagging")
        notes += [note] if note else []
    if task in ("translation", "summarization"):
        from .seq2seq_model import is_seq2seq_backbone

        if not is_seq2seq_backbone(resolved.path):
            notes.append(WARM_START_NOTE)
        if sample_texts:
            note = vocabulary_note(tokenizer, sample_texts, task)
            notes += [note] if note else []
    return notes

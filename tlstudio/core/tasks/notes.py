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
    return (
        f"the backbone '{backbone}' is uncased: it reads 'Paris' and 'paris' alike, so capital letters, a "
        f"strong clue for names, are lost to {purpose}. A cased backbone (bert-base-cased, for example) "
        "usually tags entities better."
    )


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def vocabulary_note(
    tokenizer,
    texts: list[str],
    *,
    case_matters: bool = True,
    scored_by: str = "BLEU and chrF",
    advice: str = "Choose a backbone whose vocabulary covers the texts' language.",
    what: str = "target texts",
) -> str | None:
    """A note when the tokenizer cannot write ``texts`` back exactly (lowercasing, stripped accents, unknowns).

    ``scored_by`` names the metrics the lost characters lower; where they ignore case (ROUGE), ``case_matters`` is
    False and lower case alone is not worth a note.
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
    if not case_matters:
        lowercased = 0
    if not (lowercased or accents or unknown or other):
        return None
    problems = []
    if lowercased or accents:
        problems.append(
            f"writes only lower case ({lowercased + accents} of {len(sample)} sampled {what} have capitals)"
        )
    if accents:
        problems.append(f"strips accents (é becomes e) from {accents} of them")
    if unknown:
        problems.append(f"has no tokens for some characters in {unknown} of them")
    if other:
        problems.append(f"changes {other} of them in other ways")
    return (
        f"the backbone's vocabulary {', '.join(problems)}, so the model cannot write those texts exactly, and "
        f"{scored_by} against the references stay lower for that reason alone. {advice}"
    )


WARM_START_NOTE = (
    "the backbone is an encoder only, so tlstudio builds an encoder-decoder from two copies of it; the decoder's "
    "cross-attention and output layer start untrained. Expect it to need many thousands of steps (hours on a "
    "CPU) before its output is useful; a pretrained seq2seq backbone (T5, BART, Marian) learns in far fewer."
)


def task_notes(task: str, backbone: str = "minilm", sample_texts: list[str] | None = None) -> list[str]:
    """What to tell a user who picks ``backbone`` for ``task`` (for the app's model page)."""
    from . import find_task

    found = find_task(task)
    if found is None or not found.has_backbone_notes:  # and no tokenizer to load: an image CNN has none
        return []
    from ..backbones import load_tokenizer, resolve_backbone

    resolved = resolve_backbone(backbone)
    try:
        tokenizer = load_tokenizer(resolved.path)
    except (OSError, ValueError):  # advice only: a backbone without a usable tokenizer is reported at launch
        return []
    return found.backbone_notes(tokenizer, backbone, resolved.path, sample_texts)

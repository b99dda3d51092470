"""Word tags on sub-word tokens, and back.

A tokenizer splits a word such as ``Lisbon`` into several sub-word tokens.
For training, the first sub-token of each word carries the word's tag and
the rest are ignored by the loss (label -100); at prediction, a word's tag is
the one predicted on its first sub-token.  Sentences longer than the model's
limit are predicted in consecutive chunks of words, so no word goes untagged.
"""

from __future__ import annotations

from dataclasses import dataclass

IGNORE = -100


@dataclass(frozen=True)
class EncodedWords:
    features: dict[str, list[list[int]]]
    first_positions: list[list[tuple[int, int]]]  # per sentence: (word index, token position) of each kept word
    lengths: list[int]
    truncated: int  # sentences that lost words to max_length


def require_fast(tokenizer) -> None:
    if not getattr(tokenizer, "is_fast", False):
        from ..errors import BackboneError

        raise BackboneError(
            "entity tagging needs a 'fast' tokenizer (tokenizer.json) to map words to sub-word tokens; "
            "this backbone has only a slow one.",
            "Choose a backbone that ships tokenizer.json (most current models do).",
        )


def encode_words(
    tokenizer, sentences: list[list[str]], max_length: int, tag_ids: list[list[int]] | None = None
) -> EncodedWords:
    """Tokenize pre-split sentences; with ``tag_ids`` add ``labels`` on each word's first sub-token."""
    require_fast(tokenizer)
    encoded = tokenizer(sentences, is_split_into_words=True, truncation=True, max_length=max_length)
    labels, firsts, truncated = [], [], 0
    for i, words in enumerate(sentences):
        word_ids = encoded.word_ids(i)
        row, first, previous = [], [], None
        for position, word in enumerate(word_ids):
            if word is not None and word != previous:
                first.append((word, position))
                row.append(tag_ids[i][word] if tag_ids is not None else IGNORE)
            else:
                row.append(IGNORE)
            previous = word
        labels.append(row)
        firsts.append(first)
        last_word = max((w for w in word_ids if w is not None), default=-1)
        truncated += last_word < len(words) - 1
    features = {key: list(values) for key, values in encoded.items()}
    if tag_ids is not None:
        features["labels"] = labels
    return EncodedWords(features, firsts, [len(ids) for ids in features["input_ids"]], truncated)


def chunk_words(tokenizer, words: list[str], max_length: int) -> list[tuple[int, int]]:
    """``(start, end)`` word ranges that each fit in ``max_length`` tokens with the special tokens."""
    budget = max_length - tokenizer.num_special_tokens_to_add(pair=False)
    counts = [max(1, len(tokenizer.tokenize(w))) for w in words] if words else []
    chunks, start, used = [], 0, 0
    for i, n in enumerate(counts):
        if used + n > budget and i > start:
            chunks.append((start, i))
            start, used = i, 0
        used += n
    chunks.append((start, len(words)))
    return chunks


def word_probabilities(
    model, tokenizer, sentences: list[list[str]], *, max_length: int, batch_size: int = 32, cancel=None
):
    """Per sentence, a (words, num_tags) array of tag probabilities (a word with no sub-token gets all "O")."""
    import numpy as np
    import torch

    from ..errors import RunCancelled
    from ..predictors.outputs import softmax

    pieces = []  # (sentence, first word, words)
    for index, words in enumerate(sentences):
        for start, end in chunk_words(tokenizer, words, max_length):
            pieces.append((index, start, words[start:end]))
    num_tags = model.config.num_labels
    outside = model.config.label2id.get("O", 0)
    results = []
    for words in sentences:
        probs = np.zeros((len(words), num_tags))
        probs[:, outside] = 1.0
        results.append(probs)
    device = next(model.parameters()).device
    order = sorted(range(len(pieces)), key=lambda i: len(pieces[i][2]))
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for begin in range(0, len(order), batch_size):
                if cancel is not None and cancel.cancelled:
                    raise RunCancelled()
                chunk = [pieces[i] for i in order[begin : begin + batch_size]]
                encoded = encode_words(tokenizer, [words for _, _, words in chunk], max_length)
                batch = tokenizer.pad({k: v for k, v in encoded.features.items()}, return_tensors="pt")
                logits = model(**batch.to(device)).logits.float().cpu().numpy()
                for row, ((index, start, _), firsts) in enumerate(zip(chunk, encoded.first_positions)):
                    for word, position in firsts:
                        results[index][start + word] = softmax(logits[row, position])
    finally:
        model.train(was_training)
    return results

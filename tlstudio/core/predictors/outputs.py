"""Running a sequence classifier over many texts: batched by length, results in the caller's order."""

from __future__ import annotations


def softmax(logits):
    import numpy as np

    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def sigmoid(logits):
    import numpy as np

    return 1.0 / (1.0 + np.exp(-np.asarray(logits, dtype=np.float64)))


def classifier_logits(model, tokenizer, texts: list[str], pairs: list[str] | None = None, *, max_length: int,
                      batch_size: int = 64, cancel=None, overlap: int | None = None):
    """``(logits, doc_index)``: one row of logits per text, or per window when ``overlap`` is given.

    ``doc_index[i]`` is the text row ``i`` belongs to (the identity without windows).
    """
    import numpy as np
    import torch

    from ..errors import RunCancelled

    if overlap is not None:
        from ..tasks.windows import encode_windows

        windows = encode_windows(tokenizer, texts, max_length, overlap, pairs)
        features, doc_index = windows.features, windows.doc_index
    else:
        encoded = tokenizer(texts, pairs, truncation=True, max_length=max_length)
        features, doc_index = {k: list(v) for k, v in encoded.items()}, list(range(len(texts)))
    count = len(features["input_ids"])
    device = next(model.parameters()).device
    order = sorted(range(count), key=lambda i: len(features["input_ids"][i]))
    out = np.zeros((count, model.config.num_labels), dtype=np.float64)
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            for start in range(0, count, batch_size):
                if cancel is not None and cancel.cancelled:
                    raise RunCancelled()
                chunk = order[start:start + batch_size]
                batch = tokenizer.pad([{k: v[i] for k, v in features.items()} for i in chunk], return_tensors="pt")
                out[chunk] = model(**batch.to(device)).logits.float().cpu().numpy()
    finally:
        model.train(was_training)
    return out, doc_index

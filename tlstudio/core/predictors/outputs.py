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


def classifier_logits(
    model,
    tokenizer,
    texts: list[str],
    pairs: list[str] | None = None,
    *,
    max_length: int,
    batch_size: int = 64,
    cancel=None,
    overlap: int | None = None,
):
    """``(logits, doc_index)``: one row of logits per text, or per window when ``overlap`` is given.

    ``doc_index[i]`` is the text row ``i`` belongs to (the identity without windows).
    """
    import torch

    device = next(model.parameters()).device

    def forward(rows: list[dict]):
        batch = tokenizer.pad(rows, return_tensors="pt")
        return model(**batch.to(device)).logits.float().cpu().numpy()

    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            return batched_logits(
                forward,
                tokenizer,
                texts,
                pairs,
                num_labels=model.config.num_labels,
                max_length=max_length,
                batch_size=batch_size,
                cancel=cancel,
                overlap=overlap,
            )
    finally:
        model.train(was_training)


def batched_logits(
    forward,
    tokenizer,
    texts: list[str],
    pairs: list[str] | None = None,
    *,
    num_labels: int,
    max_length: int,
    batch_size: int = 64,
    cancel=None,
    overlap: int | None = None,
):
    """The runtime-independent part of :func:`classifier_logits`.

    ``forward(rows)`` turns a list of tokenized rows into a ``(len(rows), num_labels)`` array; the
    PyTorch and ONNX classifiers differ only there, so both read pairs and long-text windows alike.
    """
    import numpy as np

    from ..errors import RunCancelled

    if overlap is not None:
        from ..tasks.windows import encode_windows

        windows = encode_windows(tokenizer, texts, max_length, overlap, pairs)
        features, doc_index = windows.features, windows.doc_index
    else:
        encoded = tokenizer(texts, pairs, truncation=True, max_length=max_length)
        features, doc_index = {k: list(v) for k, v in encoded.items()}, list(range(len(texts)))
    count = len(features["input_ids"])
    # Shortest first, so each batch pads to a similar length and little time goes to padding.
    order = sorted(range(count), key=lambda i: len(features["input_ids"][i]))
    out = np.zeros((count, num_labels), dtype=np.float64)
    for start in range(0, count, batch_size):
        if cancel is not None and cancel.cancelled:
            raise RunCancelled()
        chunk = order[start : start + batch_size]
        out[chunk] = forward([{k: v[i] for k, v in features.items()} for i in chunk])
    return out, doc_index

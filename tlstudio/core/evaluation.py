"""Scoring a trained classifier on a labelled file it has not seen."""

from __future__ import annotations

from .data.columns import choose_column
from .data.labels import normalize_label
from .data.readers import read_table
from .data.roles import suggest_roles
from .data.table import list_numbers
from .errors import DataError
from .metrics import classification as cls_metrics


def evaluate_file(model_dir, data_path, *, text_column=None, label_column=None, cancel=None, runtime="auto",
                  allow_pickle: bool = False) -> dict:
    from .predictors import open_predictor

    classifier = open_predictor(model_dir, runtime, allow_pickle=allow_pickle)
    table = read_table(data_path)
    suggestions = suggest_roles(table.frame)
    text_column, _ = choose_column(table, text_column, suggestions["text"], "--text-column")
    label_column, _ = choose_column(table, label_column, suggestions["label"], "--label-column")
    known = {name: i for i, name in enumerate(classifier.labels)}
    texts, labels, unknown_rows, unknown = [], [], [], set()
    skipped = 0
    for number, (text, label) in enumerate(zip(table.frame[text_column].tolist(), table.frame[label_column].tolist()), 1):
        label = normalize_label(label)
        if label is None or text is None or (isinstance(text, float) and text != text) or not str(text).strip():
            skipped += 1
            continue
        if label not in known:
            unknown.add(label)
            unknown_rows.append(number)
            continue
        texts.append(str(text))
        labels.append(known[label])
    if unknown:
        raise DataError(
            f"{data_path} has label(s) the model does not know: {', '.join(sorted(unknown)[:10])} "
            f"(data row(s) {list_numbers(unknown_rows)}).",
            f"The model knows: {', '.join(classifier.labels)}.",
        )
    if not texts:
        raise DataError(f"{data_path} has no rows with both a text and a label.")
    predicted = classifier.probabilities(texts, cancel=cancel).argmax(-1).tolist()
    report = cls_metrics.full_report(labels, predicted, classifier.labels)
    report.update(rows=len(texts), unlabelled_skipped=skipped, text_column=text_column, label_column=label_column,
                  runtime=classifier.runtime)
    warning = cls_metrics.barely_beats_majority(report)
    if warning:
        report["warning"] = warning
    return report

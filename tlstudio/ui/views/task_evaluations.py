"""Evaluation views for multi-label, regression, entity tagging and text generation.

Each reads the core's report and records for its task (single-label
classification, with its confusion matrix, lives in
``classification_evaluation.py``).
"""

from __future__ import annotations

import html

from .report_view import ReportView
from ..widgets.entity_text import EntityColors, highlight_words


def _present(report: dict, names) -> list[list]:
    return [
        [title, report[key]]
        for key, title in names
        if isinstance(report.get(key), (int, float)) and not isinstance(report.get(key), bool)
    ]


def _per(report: dict, key: str) -> list[list]:
    return [[name, r["precision"], r["recall"], r["f1"], r["support"]] for name, r in (report.get(key) or {}).items()]


def _short(items) -> str:
    return ", ".join(str(i) for i in items)


class MultiLabelEvaluation(ReportView):
    ROW_COLUMNS = [
        ("row", "row"),
        ("text", "text"),
        ("text_pair", "second text"),
        ("labels_text", "true labels"),
        ("predicted_text", "predicted"),
        ("missed", "missed"),
        ("extra", "extra"),
    ]
    BREAKDOWN = ["label", "precision", "recall", "F1", "support"]
    BREAKDOWN_TITLE = "Per label"

    def overall_rows(self, report):
        return _present(
            report,
            (
                ("micro_f1", "Micro F1"),
                ("macro_f1", "Macro F1"),
                ("weighted_f1", "Weighted F1"),
                ("micro_precision", "Micro precision"),
                ("micro_recall", "Micro recall"),
                ("exact_match", "Rows with exactly the right labels"),
                ("threshold", "Decision threshold"),
                ("micro_f1_at_0.5", "Micro F1 at 0.5"),
                ("rows", "Rows scored"),
            ),
        )

    def breakdown_rows(self, report):
        return _per(report, "per_class")

    def is_wrong(self, record):
        return set(record.get("labels") or []) != set(record.get("predicted") or [])

    def row_values(self, record):
        truth, predicted = set(record.get("labels") or []), set(record.get("predicted") or [])
        return {
            "row": record.get("row"),
            "text": record.get("text"),
            "text_pair": record.get("text_pair"),
            "labels_text": _short(sorted(truth)),
            "predicted_text": _short(sorted(predicted)),
            "missed": _short(sorted(truth - predicted)),
            "extra": _short(sorted(predicted - truth)),
        }

    def detail_html(self, record):
        scores = record.get("scores") or {}
        shown = " · ".join(f"{html.escape(k)} {v:.2f}" for k, v in sorted(scores.items(), key=lambda kv: -kv[1]))
        return f"{self.texts_html(record)}<p><small>Scores: {shown}</small></p>"


class RegressionEvaluation(ReportView):
    ROW_COLUMNS = [
        ("row", "row"),
        ("text", "text"),
        ("text_pair", "second text"),
        ("label", "true value"),
        ("predicted", "predicted"),
        ("error", "error"),
    ]
    BREAKDOWN = ["metric", "model", "always the training mean"]
    BREAKDOWN_TITLE = "Against the simplest guess"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.only_wrong.setText("Only the 200 largest errors")

    def overall_rows(self, report):
        return _present(
            report,
            (
                ("mse", "MSE"),
                ("rmse", "RMSE"),
                ("mae", "MAE"),
                ("r2", "R²"),
                ("pearson", "Pearson correlation"),
                ("spearman", "Spearman correlation"),
                ("target_mean", "Mean of the true values"),
                ("rows", "Rows scored"),
            ),
        )

    def breakdown_rows(self, report):
        return [
            [title, report[key], report[base]]
            for key, base, title in (("mse", "mean_baseline_mse", "MSE"), ("mae", "mean_baseline_mae", "MAE"))
            if isinstance(report.get(key), (int, float)) and isinstance(report.get(base), (int, float))
        ]

    def is_wrong(self, record):
        return True  # every prediction misses by something; the view sorts by how much

    def shown_records(self):
        ordered = sorted(self.records, key=lambda r: -abs(float(r["predicted"]) - float(r["label"])))
        return ordered[:200] if self.only_wrong.isChecked() else ordered

    def row_values(self, record):
        return {**record, "error": float(record["predicted"]) - float(record["label"])}

    def detail_html(self, record):
        return f"{self.texts_html(record)}<p>True {record['label']:.4g}, predicted {record['predicted']:.4g}.</p>"


class EntityEvaluation(ReportView):
    ROW_COLUMNS = [("row", "row"), ("text", "sentence"), ("missed", "missed"), ("extra", "wrong or extra")]
    BREAKDOWN = ["entity type", "precision", "recall", "F1", "support"]
    BREAKDOWN_TITLE = "Per entity type"
    ROWS_NAME = "Sentences with mistakes"

    def __init__(self, parent=None):
        super().__init__(parent)
        self.colors = EntityColors()
        self.only_wrong.setText("Only sentences with a mistake")
        self.detail.setMaximumHeight(150)

    def overall_rows(self, report):
        return _present(
            report,
            (
                ("f1", "Entity F1"),
                ("precision", "Entity precision"),
                ("recall", "Entity recall"),
                ("accuracy", "Tag accuracy (per word)"),
                ("macro_f1", "Macro F1 over types"),
                ("entities", "Entities in the data"),
                ("predicted_entities", "Entities predicted"),
                ("rows", "Sentences scored"),
            ),
        )

    def breakdown_rows(self, report):
        return _per(report, "per_type")

    @staticmethod
    def _spans(spans) -> set:
        return {(s["start"], s["end"], s["label"]) for s in spans or []}

    def is_wrong(self, record):
        return self._spans(record.get("entities")) != self._spans(record.get("predicted_entities"))

    def row_values(self, record):
        tokens = record.get("tokens") or []
        truth, found = self._spans(record.get("entities")), self._spans(record.get("predicted_entities"))

        def words(spans):
            return "; ".join(f"{' '.join(tokens[a:b])} ({kind})" for a, b, kind in sorted(spans))

        return {
            "row": record.get("row"),
            "text": record.get("text"),
            "missed": words(truth - found),
            "extra": words(found - truth),
        }

    def detail_html(self, record):
        tokens = [str(t) for t in record.get("tokens") or []]
        truth = highlight_words(tokens, record.get("entities") or [], self.colors)
        found = highlight_words(tokens, record.get("predicted_entities") or [], self.colors)
        return f"<p><b>True:</b> {truth}</p><p><b>Predicted:</b> {found}</p>"


class GenerationEvaluation(ReportView):
    ROW_COLUMNS = [("row", "row"), ("source", "source"), ("reference", "reference"), ("generated", "generated")]
    BREAKDOWN = ["metric", "model", "copying the source"]
    BREAKDOWN_TITLE = "Against copying the source"
    ROWS_NAME = "Generated texts"
    METRICS = (
        ("bleu", "BLEU"),
        ("chrf", "chrF"),
        ("rouge1", "ROUGE-1"),
        ("rouge2", "ROUGE-2"),
        ("rougeL", "ROUGE-L"),
        ("rougeLsum", "ROUGE-Lsum"),
    )

    def __init__(self, parent=None):
        super().__init__(parent)
        self.only_wrong.setText("Only outputs that differ from the reference")
        self.detail.setMaximumHeight(170)

    def overall_rows(self, report):
        rows = _present(
            report,
            self.METRICS
            + (
                ("eval_loss", "Validation loss"),
                ("generated_words_mean", "Words per output"),
                ("reference_words_mean", "Words per reference"),
                ("empty_outputs", "Empty outputs"),
                ("rows", "Rows scored"),
            ),
        )
        settings = report.get("generation") or {}
        described = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in settings.items() if v is not None)
        if described:
            rows.append(["Generated with", described])
        return rows

    def breakdown_rows(self, report):
        return [
            [title, report[key], report[f"copy_{key}"]]
            for key, title in self.METRICS
            if isinstance(report.get(key), (int, float)) and isinstance(report.get(f"copy_{key}"), (int, float))
        ]

    def is_wrong(self, record):
        return " ".join(str(record.get("generated", "")).split()) != " ".join(str(record.get("reference", "")).split())

    def detail_html(self, record):
        return "".join(
            f"<p><b>{title}:</b> {html.escape(str(record.get(key, '')))}</p>"
            for key, title in (("source", "Source"), ("reference", "Reference"), ("generated", "Generated"))
        )

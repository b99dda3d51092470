"""Evaluating a text-generation model: perplexity before and after, the sample texts, the hardest rows."""

from __future__ import annotations

import html
import statistics

from .report_view import ReportView

METRICS = (
    ("perplexity", "Perplexity"),
    ("initial_perplexity", "Perplexity before fine-tuning"),
    ("perplexity_drop", "Perplexity drop (share)"),
    ("eval_loss", "Validation loss"),
    ("rows", "Rows scored"),
)


class LanguageModelEvaluation(ReportView):
    ROW_COLUMNS = [("row", "row"), ("perplexity", "perplexity"), ("text", "text")]
    BREAKDOWN = ["prompt", "generated"]
    BREAKDOWN_TITLE = "Sample generations"
    ROWS_NAME = "Validation rows by perplexity"

    def __init__(self, parent=None):
        super().__init__(parent)
        self._median: float | None = None
        self.only_wrong.setText("Only the harder half (perplexity above the median)")
        self.only_wrong.setAccessibleName("Show only rows with a perplexity above the median")

    def overall_rows(self, report):
        return [
            [title, report[key]]
            for key, title in METRICS
            if isinstance(report.get(key), (int, float)) and not isinstance(report.get(key), bool)
        ]

    def breakdown_rows(self, report):
        return [[sample.get("prompt", ""), sample.get("text", "")] for sample in report.get("samples") or []]

    def is_wrong(self, record):
        if self._median is None:
            values = [r["perplexity"] for r in self.records if isinstance(r.get("perplexity"), (int, float))]
            self._median = statistics.median(values) if values else 0.0
        return isinstance(record.get("perplexity"), (int, float)) and record["perplexity"] > self._median

    def show_report(self, report, records, source):
        self._median = None
        super().show_report(report, records, source)

    def sort_rows(self, records):
        return sorted(records, key=lambda r: -(r.get("perplexity") or 0.0))

    def detail_html(self, record):
        parts = [("prompt", "Prompt"), ("text", "Text")] if record.get("prompt") else [("text", "Text")]
        return "".join(f"<p><b>{title}:</b> {html.escape(str(record.get(key, '')))}</p>" for key, title in parts)

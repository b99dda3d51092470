"""The column pickers of the Data page: which column plays which role for the chosen task.

Text classification reads a text (and, for sentence pairs, a second text)
and a label; entity tagging reads tokens and tags; translation and
summarization read a source and a target.  Only the task's rows are shown,
each with the reason the core gave for its suggestion.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QWidget

NONE = "(none)"
# (RunConfig field, title, role of the core's suggestion, optional); a row shows when the task reads its field
# (the task's column_roles).
ROLES = (
    ("image_column", "Image column", "image", False),
    ("text_column", "Text column", "text", False),
    ("text_pair_column", "Second text (pairs)", None, True),
    ("prompt_column", "Prompt column", None, True),
    ("response_column", "Response column", None, True),
    ("label_column", "Label column", "label", False),
    ("tokens_column", "Tokens column", "tokens", False),
    ("tags_column", "Tags column", "tags", False),
    ("source_column", "Source column", "source", False),
    ("target_column", "Target column", "target", False),
)
TITLES = {
    "label_column": {"regression": "Number column", "multi-label": "Labels column"},
    "tokens_column": {"spans": "Text column"},
}
HINTS = {
    "image_column": "Each row's image file, relative to the data file; thumbnails show in the table.",
    "prompt_column": "Optional, for instruction tuning: the prompt, with the response column (instead of a text "
    "column).",
    "response_column": "Optional, with the prompt column: the answer the model learns to write.",
    "text_pair_column": "Optional: a second text for sentence pairs (paraphrase, entailment, question and answer); "
    "both texts are read together.",
    "tokens_column": "A list of tokens per row (or a text split on spaces); not needed for CoNLL files.",
    "tags_column": "One BIO or IO tag per token, or a list of {start, end, label} spans.",
}


def _fields_read(task: str) -> dict[str, str]:
    """The RunConfig column fields ``task`` reads (none for a task tlstudio does not know)."""
    from ...api import find_task

    found = find_task(task)
    return found.column_roles if found is not None else {}


class ColumnRoles(QGroupBox):
    """Signals: column_chosen(str field, object column or None)."""

    column_chosen = Signal(str, object)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Columns", parent)
        self.form = QFormLayout(self)
        self.combos: dict[str, QComboBox] = {}
        self.reasons: dict[str, QLabel] = {}
        self.labels: dict[str, QLabel] = {}
        for field, title, _role, _optional in ROLES:
            combo = QComboBox(self)
            combo.setAccessibleName(title)
            combo.setToolTip(HINTS.get(field, ""))
            combo.currentIndexChanged.connect(lambda _i, f=field: self._on_chosen(f))
            reason = QLabel(self)
            reason.setWordWrap(True)
            reason.setStyleSheet("color: palette(placeholder-text);")
            label = QLabel(title, self)
            label.setBuddy(combo)
            self.form.addRow(label, combo)
            self.form.addRow("", reason)
            self.combos[field], self.reasons[field], self.labels[field] = combo, reason, label
        # Only the task's rows, from the start: ten rows of pickers made the Data page (and so the window)
        # too tall for a laptop screen before any file was open.
        read = _fields_read("text-classification")
        for field, _title, _role, _optional in ROLES:
            self.form.setRowVisible(self.combos[field], field in read)
            self.form.setRowVisible(self.reasons[field], field in read)

    def _on_chosen(self, field: str) -> None:
        text = self.combos[field].currentText()
        self.column_chosen.emit(field, None if text in ("", NONE) else text)

    def show_columns(self, columns: list[str], config, suggestions: dict) -> None:
        """Fill every picker for ``config``'s task, showing each suggestion's reason."""
        from ...api import mode_name

        read = _fields_read(config.task)
        mode = mode_name(config)
        spans = "spans" in ((suggestions.get("tags") and suggestions["tags"].reason) or "")
        for field, title, role, optional in ROLES:
            combo, reason = self.combos[field], self.reasons[field]
            shown = field in read
            self.form.setRowVisible(combo, shown)
            self.form.setRowVisible(reason, shown)
            self.labels[field].setText(
                TITLES.get(field, {}).get(mode if field == "label_column" else "spans" if spans else "", title)
            )
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(([NONE] if optional else []) + list(columns))
            chosen = getattr(config, field)
            if chosen in columns:
                combo.setCurrentText(chosen)
            else:
                combo.setCurrentIndex(0 if optional else -1)
            combo.blockSignals(False)
            suggestion = suggestions.get(role) if role else None
            if suggestion and suggestion.column:
                reason.setText(f"Suggested: {suggestion.reason}.")
            elif suggestion:
                reason.setText(f"Choose the column ({suggestion.reason}).")
            else:
                reason.setText(HINTS.get(field, ""))

    def chosen(self, field: str) -> str | None:
        text = self.combos[field].currentText()
        return None if text in ("", NONE) else text

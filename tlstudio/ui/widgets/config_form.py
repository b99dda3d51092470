"""A form over RunConfig fields, built from their metadata (help text, group, choices).

Adding a field to RunConfig adds a row here (and a CLI flag) with no UI code:
the help text becomes the tooltip and the accessible description.  Optional
integers (``max_steps``, ``eval_steps``...) show "auto" at zero.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...api import RunConfig, config_fields, controlling_settings, setting_applies

GROUP_TITLES = {
    "model": "Model",
    "task": "Task options",
    "generation": "Generating text",
    "training": "Training",
    "checkpoints": "Evaluation and checkpoints",
    "tracking": "Tracking",
    "hardware": "Hardware",
}
# Spin box ranges and steps for numeric fields: (minimum, maximum, step, decimals).
RANGES = {
    "epochs": (0.1, 1000, 0.5, 1),
    "warmup_ratio": (0.0, 0.99, 0.01, 2),
    "weight_decay": (0.0, 1.0, 0.01, 3),
    "eval_fraction": (0.01, 0.9, 0.01, 2),
    "batch_size": (1, 4096, 1, 0),
    "max_length": (8, 8192, 16, 0),
    "gradient_accumulation_steps": (1, 1024, 1, 0),
    "early_stopping_patience": (0, 100, 1, 0),
    "seed": (0, 2**31 - 1, 1, 0),
    "save_total_limit": (1, 100, 1, 0),
    "max_steps": (0, 10**8, 10, 0),
    "eval_steps": (0, 10**8, 10, 0),
    "logging_steps": (0, 10**6, 1, 0),
    "window_overlap": (0, 4096, 8, 0),
    "num_beams": (1, 64, 1, 0),
    "max_new_tokens": (1, 8192, 16, 0),
    "length_penalty": (0.0, 10.0, 0.1, 2),
    "generation_eval_rows": (0, 10**7, 50, 0),
    "checkpoint_steps": (0, 10**8, 10, 0),
}
_CONTROLLING = controlling_settings()
# Rates that span decades (1e-5 ... 1e-3): typed as numbers, never rounded to a spin box's decimals.
SCIENTIFIC = ("learning_rate", "adapt_learning_rate")
ACRONYMS = {"lora": "LoRA", "mlm": "MLM", "lr": "LR"}
NONE_TEXT = {
    "max_steps": "off (use epochs)",
    "eval_steps": "auto",
    "logging_steps": "auto",
    "checkpoint_steps": "at evaluations",
}


def label_for(name: str) -> str:
    words = [ACRONYMS.get(word, word) for word in name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


class ConfigForm(QWidget):
    """Rows for the RunConfig fields of ``groups``. Signals: value_changed(str name, object value)."""

    value_changed = Signal(str, object)

    def __init__(self, groups: tuple[str, ...], parent: QWidget | None = None, *, skip: tuple[str, ...] = ()):
        super().__init__(parent)
        self._editors: dict[str, QWidget] = {}
        self._fields = {f.name: f for f in config_fields() if f.metadata.get("group") in groups and f.name not in skip}
        self._loading = False
        self._rows: dict[str, tuple[QFormLayout, QWidget]] = {}
        self._boxes: dict[str, QGroupBox] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for group in groups:
            names = [name for name, f in self._fields.items() if f.metadata.get("group") == group]
            if not names:
                continue
            box = QGroupBox(GROUP_TITLES.get(group, group.title()), self)
            form = QFormLayout(box)
            for name in names:
                editor = self._make_editor(name)
                label = QLabel(label_for(name), box)
                label.setBuddy(editor)
                label.setToolTip(self._fields[name].metadata.get("help", ""))
                form.addRow(label, editor)
                self._rows[name] = (form, editor)
            layout.addWidget(box)
            self._boxes[group] = box
        layout.addStretch(1)

    # -- building ------------------------------------------------------------------
    def _make_editor(self, name: str) -> QWidget:
        f = self._fields[name]
        kind = str(f.type)
        choices = f.metadata.get("choices")
        if name == "augment":
            from .augment_picker import AugmentPicker

            editor = AugmentPicker(self)
            editor.changed.connect(lambda text, n=name: self._emit(n, text))
        elif choices:
            editor = QComboBox(self)
            editor.addItems(list(choices))
            editor.currentTextChanged.connect(lambda text, n=name: self._emit(n, text))
        elif kind.startswith("bool"):
            editor = QCheckBox(self)
            editor.toggled.connect(lambda on, n=name: self._emit(n, on))
        elif name in SCIENTIFIC:
            editor = QLineEdit(self)
            validator = QDoubleValidator(1e-8, 0.99, 10, editor)
            validator.setNotation(QDoubleValidator.ScientificNotation)
            editor.setValidator(validator)
            # Every valid keystroke counts, so F5 right after typing starts with the typed value.
            editor.textEdited.connect(lambda _text, n=name, e=editor: self._emit_float_text(n, e))
        elif kind.startswith("int"):
            low, high, step, _ = RANGES.get(name, (0, 10**9, 1, 0))
            editor = QSpinBox(self)
            editor.setRange(int(low), int(high))
            editor.setSingleStep(int(step))
            if "None" in kind:
                editor.setSpecialValueText(NONE_TEXT.get(name, "auto"))
            editor.valueChanged.connect(
                lambda value, n=name, k=kind: self._emit(n, None if ("None" in k and value == 0) else value)
            )
        elif kind.startswith("float"):
            low, high, step, decimals = RANGES.get(name, (0.0, 1e6, 0.1, 3))
            editor = QDoubleSpinBox(self)
            editor.setRange(low, high)
            editor.setSingleStep(step)
            editor.setDecimals(decimals)
            editor.valueChanged.connect(lambda value, n=name: self._emit(n, round(value, 10)))
        else:
            editor = QLineEdit(self)
            editor.editingFinished.connect(lambda n=name, e=editor: self._emit(n, e.text().strip() or None))
        help_text = f.metadata.get("help", "")
        editor.setToolTip(help_text)
        editor.setAccessibleName(label_for(name))
        editor.setAccessibleDescription(help_text)
        editor.setObjectName(f"field_{name}")
        self._editors[name] = editor
        return editor

    def set_task(self, config: RunConfig) -> None:
        """Show only the rows that apply to ``config``: its task's settings, and of those only the ones whose
        choices are made (LoRA rows with the lora strategy...). Groups left empty are hidden."""
        visible: dict[str, bool] = {}
        values = config.to_dict()  # once, not once per row
        for name, (form, editor) in self._rows.items():
            shown = setting_applies(self._fields[name], values)
            if form.isRowVisible(editor) != shown:
                form.setRowVisible(editor, shown)
            group = self._fields[name].metadata.get("group")
            visible[group] = visible.get(group, False) or shown
        for group, box in self._boxes.items():
            box.setVisible(visible.get(group, True))
        # A blank rate means the task's measured default: say which, since it moves with task and strategy.
        for name, editor in self._editors.items():
            if isinstance(editor, QLineEdit) and name in SCIENTIFIC:
                default = config.default_for(name)
                editor.setPlaceholderText(f"default {default:g}" if default is not None else "")

    @staticmethod
    def decides_rows(name: str) -> bool:
        """Whether a change of setting ``name`` can show or hide rows (then call set_task again)."""
        return name in _CONTROLLING

    def is_shown(self, name: str) -> bool:
        form, editor = self._rows[name]
        return form.isRowVisible(editor) and self._boxes[self._fields[name].metadata.get("group")].isVisibleTo(self)

    # -- values -----------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return list(self._editors)

    def editor(self, name: str) -> QWidget:
        return self._editors[name]

    def set_config(self, config: RunConfig) -> None:
        """Show ``config``'s values without emitting value_changed."""
        self._loading = True
        try:
            for name, editor in self._editors.items():
                self._show(editor, getattr(config, name))
        finally:
            self._loading = False

    @staticmethod
    def _show(editor: QWidget, value: Any) -> None:
        if hasattr(editor, "set_value"):  # a composite editor (augmentations)
            editor.set_value(value)
        elif isinstance(editor, QComboBox):
            editor.setCurrentText(str(value))
        elif isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QSpinBox):
            editor.setValue(int(value or 0))
        elif isinstance(editor, QDoubleSpinBox):
            editor.setValue(float(value))
        elif isinstance(editor, QLineEdit):
            if isinstance(value, float):
                try:
                    if float(editor.text().replace(",", ".")) == value:
                        return  # already shows it (perhaps as typed): do not reformat under the cursor
                except ValueError:
                    pass
            editor.setText("" if value is None else (f"{value:g}" if isinstance(value, float) else str(value)))

    def _emit(self, name: str, value: Any) -> None:
        if not self._loading:
            self.value_changed.emit(name, value)

    def _emit_float_text(self, name: str, editor: QLineEdit) -> None:
        try:
            value = float(editor.text().replace(",", "."))
        except ValueError:
            return
        if math.isfinite(value) and value > 0:
            self._emit(name, value)

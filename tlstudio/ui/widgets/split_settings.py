"""How the validation rows are chosen: a stratified share, a split column, or a separate file."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QButtonGroup, QComboBox, QDoubleSpinBox, QFormLayout, QGroupBox, QRadioButton, QWidget

from .fields import PathField

DATA_FILTER = "Data files (*.csv *.tsv *.txt *.json *.jsonl *.ndjson *.parquet *.xlsx *.conll *.iob);;All files (*)"


class SplitSettings(QGroupBox):
    """Signals: changed(dict) with the RunConfig fields eval_fraction, split_column and eval_data."""

    changed = Signal(dict)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Validation split", parent)
        form = QFormLayout(self)
        self.group = QButtonGroup(self)
        self.hold_out = QRadioButton("Hold out a share of the labelled rows (stratified by label)", self)
        self.by_column = QRadioButton("Use a split column (train / validation / test)", self)
        self.by_file = QRadioButton("Use a separate validation file", self)
        self.fraction = QDoubleSpinBox(self)
        self.fraction.setRange(1, 90)
        self.fraction.setSuffix(" %")
        self.fraction.setDecimals(0)
        self.fraction.setAccessibleName("Validation share in percent")
        self.column = QComboBox(self)
        self.column.setAccessibleName("Split column")
        self.file = PathField("Validation file", "open", DATA_FILTER, self)
        for i, radio in enumerate((self.hold_out, self.by_column, self.by_file)):
            self.group.addButton(radio, i)
            radio.setAccessibleName(radio.text())
        form.addRow(self.hold_out)
        form.addRow("Share", self.fraction)
        form.addRow(self.by_column)
        form.addRow("Column", self.column)
        form.addRow(self.by_file)
        form.addRow("File", self.file)
        self.group.idClicked.connect(lambda _id: self._on_changed())
        self.fraction.valueChanged.connect(lambda _v: self._on_changed())
        self.column.currentIndexChanged.connect(lambda _i: self._on_changed())
        self.file.path_changed.connect(lambda _p: self._on_changed())
        self.hold_out.setChecked(True)
        self._sync_enabled()

    def show_config(self, columns: list[str], config) -> None:
        """Offer ``columns`` and show ``config``'s split, without emitting ``changed``."""
        for widget in (self.column, self.fraction):
            widget.blockSignals(True)
        self.column.clear()
        self.column.addItems(columns)
        wanted = config.split_column or next((c for c in columns if c.lower() == "split"), None)
        self.column.setCurrentIndex(columns.index(wanted) if wanted in columns else -1)
        self.fraction.setValue(round(config.eval_fraction * 100))
        for widget in (self.column, self.fraction):
            widget.blockSignals(False)
        self.file.set_path(config.eval_data)
        chosen = self.by_file if config.eval_data else self.by_column if config.split_column else self.hold_out
        chosen.setChecked(True)
        self._sync_enabled()

    def _sync_enabled(self) -> None:
        self.fraction.setEnabled(self.hold_out.isChecked())
        self.column.setEnabled(self.by_column.isChecked())
        self.file.setEnabled(self.by_file.isChecked())

    def _on_changed(self) -> None:
        self._sync_enabled()
        self.changed.emit(
            {
                "eval_fraction": round(self.fraction.value() / 100, 4),
                "split_column": (self.column.currentText() or None) if self.by_column.isChecked() else None,
                "eval_data": (self.file.path or None) if self.by_file.isChecked() else None,
            }
        )

"""Export page: write the model to a folder of the user's choice, with their words in its card."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QComboBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QPlainTextEdit, QProgressBar, QPushButton, QSplitter, QTabWidget, QTextBrowser,
                               QVBoxLayout, QWidget)

from ...core.model_info import format_bytes
from ...core.progress import WorkProgressed
from ..widgets.fields import PathField, SnippetBox
from ..workers.background import LatestOnly, run_in_background
from .base import Page

LICENSES = ("apache-2.0", "mit", "bsd-3-clause", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0", "openrail", "other")


def _plan(run_dir: Path, destination: Path, fields: dict):
    from ...core.run_export import plan_export

    return plan_export(run_dir, destination, fields)


class ExportPage(Page):
    key, title = "export", "Export"

    def __init__(self, session, settings, parent=None):
        super().__init__(session, settings, parent)
        self.run_dir: Path | None = None
        self.plan = None
        self._export_job = None
        self._plans = LatestOnly(self, self._on_plan, self._on_plan_failed)
        self.set_subtitle("Finish a run to export its model as a standard Hugging Face folder.")
        self._build()
        self._preview_timer = QTimer(self, singleShot=True, interval=300, timeout=self.refresh_preview)
        session.run_opened.connect(self.set_run)
        self._set_enabled(False)

    def _build(self) -> None:
        where = QGroupBox("Where", self)
        where_form = QFormLayout(where)
        self.parent_field = PathField("Export into folder", "folder", parent=self)
        self.parent_field.set_path(self.settings.get("files/export_parent", str(Path.home() / "tlstudio-models")))
        self.parent_field.path_changed.connect(lambda _p: self._preview_timer.start())
        self.name_edit = QLineEdit(self)
        self.name_edit.setAccessibleName("Exported model folder name")
        self.name_edit.textChanged.connect(lambda _t: self._preview_timer.start())
        where_form.addRow("Into", self.parent_field)
        where_form.addRow("Folder name", self.name_edit)

        card = QGroupBox("Model card", self)
        card_form = QFormLayout(card)
        self.fields: dict[str, QWidget] = {}
        for key, title, hint in (("description", "Description", "What the model does, in a sentence or two."),
                                 ("intended_use", "Intended use", "Who should use it, for what."),
                                 ("limitations", "Limitations", "Where it fails or should not be used.")):
            edit = QPlainTextEdit(self)
            edit.setPlaceholderText(hint)
            edit.setAccessibleName(title)
            edit.setMaximumHeight(80)
            edit.textChanged.connect(lambda: self._preview_timer.start())
            card_form.addRow(title, edit)
            self.fields[key] = edit
        self.license = QComboBox(self)
        self.license.setEditable(True)
        self.license.addItems(LICENSES)
        self.license.setAccessibleName("Licence")
        self.license.currentTextChanged.connect(lambda _t: self._preview_timer.start())
        card_form.addRow("Licence", self.license)

        self.export_button = QPushButton("Export", self)
        self.export_button.setAccessibleName("Export the model")
        self.export_button.clicked.connect(self.export)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Export progress")
        self.progress.hide()
        self.result = QLabel(self)
        self.result.setWordWrap(True)
        self.snippet = SnippetBox("Code that loads the export", self)
        self.snippet.hide()
        self.open_folder = QPushButton("Open the folder", self)
        self.open_folder.setAccessibleName("Open the exported folder")
        self.open_folder.hide()
        self.open_folder.clicked.connect(lambda: self.exported and QDesktopServices.openUrl(
            QUrl.fromLocalFile(str(self.exported))))
        self.exported: Path | None = None

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(where)
        left_layout.addWidget(card)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.progress, 1)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.result)
        left_layout.addWidget(self.snippet)
        left_layout.addWidget(self.open_folder)
        left_layout.addStretch(1)

        self.files = QListWidget(self)
        self.files.setAccessibleName("Files that will be written")
        self.card_preview = QTextBrowser(self)
        self.card_preview.setAccessibleName("Model card preview")
        self.preview = QTabWidget(self)
        self.preview.setAccessibleName("Export preview")
        self.preview.addTab(self.files, "Files")
        self.preview.addTab(self.card_preview, "Model card (README.md)")
        preview_box = QGroupBox("What will be written", self)
        QVBoxLayout(preview_box).addWidget(self.preview)

        splitter = QSplitter(self)
        splitter.addWidget(left)
        splitter.addWidget(preview_box)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setChildrenCollapsible(False)
        self.outer.addWidget(splitter, 1)

    # -- state ---------------------------------------------------------------------------
    def _set_enabled(self, enabled: bool) -> None:
        for widget in (self.parent_field, self.name_edit, self.license, self.export_button, *self.fields.values()):
            widget.setEnabled(enabled)

    def set_run(self, run_dir: Path | None) -> None:
        if run_dir is None:
            if self.run_dir is not None and not self.run_dir.exists():  # its run was deleted
                self.run_dir, self.plan = None, None
                self.files.clear()
                self.card_preview.clear()
                self._set_enabled(False)
                self.set_subtitle("Finish a run to export its model as a standard Hugging Face folder.")
            return
        if not (Path(run_dir) / "config.json").is_file():
            return
        self.run_dir = Path(run_dir)
        self.exported = None
        record = json.loads((self.run_dir / "run.json").read_text(encoding="utf-8"))
        self.name_edit.setText(self.run_dir.name)
        self.license.setCurrentText(record.get("backbone_license") or "other")
        self.set_subtitle(f"Exporting the model of run {self.run_dir.name}. Weights are safetensors; checkpoints "
                          "and your validation rows stay behind.")
        self.result.clear()
        self.snippet.hide()
        self.open_folder.hide()
        self._set_enabled(True)
        self.refresh_preview()

    def card_fields(self) -> dict[str, str]:
        fields = {key: edit.toPlainText().strip() for key, edit in self.fields.items()}
        fields["license"] = self.license.currentText().strip()
        return fields

    def destination(self) -> Path:
        return Path(self.parent_field.path or ".").expanduser() / self.name_edit.text().strip()

    # -- preview ----------------------------------------------------------------------------
    def refresh_preview(self) -> None:
        if self.run_dir is None or not self.name_edit.text().strip():
            return
        run_dir, destination, fields = self.run_dir, self.destination(), self.card_fields()
        self._plans.request(lambda job: _plan(run_dir, destination, fields))

    def _on_plan(self, plan) -> None:
        self.plan = plan
        self.files.clear()
        for name, size in plan.files:
            self.files.addItem(f"{name}    {format_bytes(size)}")
        self.files.addItem(f"README.md    {format_bytes(len(plan.card.encode('utf-8')))}  (the model card)")
        self.files.addItem(f"— {len(plan.files) + 1} files, {format_bytes(plan.total_bytes)} in {plan.destination}")
        self.card_preview.setMarkdown(plan.card.split("---", 2)[-1] if plan.card.startswith("---") else plan.card)
        self.export_button.setEnabled(self._export_job is None)
        if self.exported is None or self.exported != plan.destination:
            self.result.setText("")

    def _on_plan_failed(self, failure) -> None:
        self.plan = None
        self.export_button.setEnabled(False)
        self.result.setText(f"<span style='color:#d32f2f'>{failure.text}</span>")

    # -- export ----------------------------------------------------------------------------------
    def export(self) -> None:
        from ...core.run_export import export_run, plan_export

        if self.run_dir is None or self._export_job is not None:
            return
        run_dir, destination, fields = self.run_dir, self.destination(), self.card_fields()
        self.settings.set("files/export_parent", self.parent_field.path)
        self.export_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.progress.show()
        self.result.setText(f"Exporting to {destination}…")
        self._export_job = run_in_background(
            lambda job: export_run(plan_export(run_dir, destination, fields), job, job.cancel_token),
            context=self, on_success=self._on_exported, on_progress=self._on_progress,
            on_failure=self._on_plan_failed, on_done=self._on_export_done)

    def _on_progress(self, event) -> None:
        if isinstance(event, WorkProgressed) and event.total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * event.done / event.total))

    def _on_exported(self, destination: Path) -> None:
        from ...core.run_export import usage_snippet

        self.exported = Path(destination)
        self.result.setText(f"Exported to <b>{destination}</b>. It loads with plain transformers:")
        self.snippet.set_text(usage_snippet(destination, self.plan.task if self.plan else "text-classification"))
        self.snippet.show()
        self.open_folder.show()
        self.status_message.emit(f"Exported to {destination}")

    def _on_export_done(self) -> None:
        self._export_job = None
        self.progress.hide()
        # After a successful export the same folder name is taken: the user picks a new one to export again.
        self.export_button.setEnabled(not self.exported or self.exported != self.destination())

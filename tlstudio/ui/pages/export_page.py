"""Export page: a Hugging Face folder, verified ONNX, a portable zip or a cluster run bundle, and Hub push.

Everything is done by ``core/export``: the page plans the export for its
preview (files and the model card with the user's words), runs it in the
background, shows the ONNX check's figures, and hands the result to the
Hub push box.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ...api import format_bytes
from ...api import RunFolder, RunRecord
from ..widgets.fields import PathField, SnippetBox
from ..workers.background import LatestOnly, run_in_background
from .base import Page
from .export_push import HubPush

LICENSES = ("apache-2.0", "mit", "bsd-3-clause", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-nc-4.0", "openrail", "other")
FORMATS = (
    (
        "hf",
        "Hugging Face folder",
        "Weights (safetensors), tokenizer, labels and model card; loads with plain transformers.",
    ),
    (
        "onnx",
        "ONNX, verified",
        "The folder plus onnx/model.onnx, checked against PyTorch at several text "
        "lengths and timed; optionally an int8 model.",
    ),
    (
        "bundle",
        "Portable zip",
        'One .zip with the model, predict.py and requirements.txt: unzip, install, run python predict.py "text".',
    ),
    (
        "run-bundle",
        "Run bundle for a cluster",
        "train.py (plain transformers), accelerate config, the data "
        "with checksums and the accelerate / torchrun / Slurm lines.",
    ),
)
NO_RUN = "Finish a run (or open one on the Runs page) to export its model."


def _plan(run_dir: Path, options):
    from ...api import plan_export

    return plan_export(run_dir, options)


def _export(run_dir: Path, options, job):
    from ...api import export
    from ...api import record_export

    result = export(run_dir, options, job, job.cancel_token)
    record_export(run_dir, result.output, result.format, options.card_fields)
    return result


def verification_text(report: dict | None) -> str:
    """The ONNX check and timings in a few plain lines (HTML)."""
    if not report:
        return ""
    check = report["check"]
    lines = [
        f"<b>Verified</b> in onnxruntime on {report.get('sample', 'sample texts')}: largest logit difference "
        f"{check['max_abs_diff']:.1e} (tolerance {report['tolerance']:g}), label agreement "
        f"{check['label_agreement']:.1%}."
    ]
    speed = report.get("latency") or {}
    titles = {"pytorch": "PyTorch", "onnx": "onnxruntime", "onnx-int8": "onnxruntime int8"}
    shown = [f"{titles[k]} {v['batch_1_ms_per_text']:.1f} ms" for k, v in speed.items() if k in titles]
    if shown:
        lines.append("One text at a time on this CPU: " + " · ".join(shown) + ".")
    int8 = report.get("int8")
    if int8:
        text = (
            f"int8 model: {int8['size_mb']:.0f} MB instead of {report['size_mb']:.0f} MB, label agreement "
            f"{int8['check']['label_agreement']:.1%}"
        )
        if int8.get("metric") is not None:
            text += (
                f", {int8['metric_name']} {int8['metric']:.4f} (fp32 {int8['reference_metric']:.4f}, "
                f"change {int8['metric'] - int8['reference_metric']:+.4f})"
            )
        lines.append(text + ".")
    return "<br>".join(lines)


class ExportPage(Page):
    key, title = "export", "Export"

    def __init__(self, session, settings, parent=None):
        super().__init__(session, settings, parent)
        self.run_dir: Path | None = None
        self.task = "text-classification"
        self.record: RunRecord | None = None
        self.plan = None
        self.result = None  # core.export.ExportResult of the last export
        self.exported: Path | None = None
        self._export_job = None
        self._plans = LatestOnly(self, self._on_plan, self._on_plan_failed)
        self.set_subtitle(NO_RUN)
        self._build()
        self._preview_timer = QTimer(self, singleShot=True, interval=300, timeout=self.refresh_preview)
        session.run_opened.connect(self.set_run)
        self._set_enabled(False)

    # -- layout -----------------------------------------------------------------------------
    def _build(self) -> None:
        where = QGroupBox("What and where", self)
        where_form = QFormLayout(where)
        self.format_group = QButtonGroup(self)
        self.format_buttons: dict[str, QRadioButton] = {}
        formats = QVBoxLayout()
        for index, (key, title, description) in enumerate(FORMATS):
            button = QRadioButton(title, self)
            button.setToolTip(description)
            button.setAccessibleName(f"Export format: {title}")
            button.setAccessibleDescription(description)
            self.format_group.addButton(button, index)
            self.format_buttons[key] = button
            formats.addWidget(button)
        self.format_buttons["hf"].setChecked(True)
        self.format_group.idClicked.connect(lambda _i: self._on_format_changed())
        self.format_note = QLabel(self)
        self.format_note.setWordWrap(True)
        self.format_note.setStyleSheet("color: palette(placeholder-text);")
        formats.addWidget(self.format_note)
        self.quantize = QCheckBox("Also an int8 model (smaller and faster; its accuracy change is measured)", self)
        self.quantize.setAccessibleName("Also write an int8 quantized ONNX model")
        self.with_onnx = QCheckBox("Carry the ONNX model (predict.py then needs only onnxruntime)", self)
        self.with_onnx.setAccessibleName("Put the ONNX model in the bundle")
        for box in (self.quantize, self.with_onnx):
            box.toggled.connect(lambda _on: self._on_format_changed())
            formats.addWidget(box)
        where_form.addRow("Format", formats)
        self.parent_field = PathField("Export into folder", "folder", parent=self)
        self.parent_field.set_path(self.settings.get("files/export_parent", str(Path.home() / "tlstudio-models")))
        self.parent_field.path_changed.connect(lambda _p: self._preview_timer.start())
        self.name_edit = QLineEdit(self)
        self.name_edit.setAccessibleName("Exported model folder name")
        self.name_edit.textChanged.connect(lambda _t: self._preview_timer.start())
        where_form.addRow("Into", self.parent_field)
        where_form.addRow("Name", self.name_edit)

        self.card_box = QGroupBox("Model card", self)
        card_form = QFormLayout(self.card_box)
        self.fields: dict[str, QWidget] = {}
        for key, title, hint in (
            ("description", "Description", "What the model does, in a sentence or two."),
            ("intended_use", "Intended use", "Who should use it, for what."),
            ("limitations", "Limitations", "Where it fails or should not be used."),
        ):
            edit = QPlainTextEdit(self)
            edit.setPlaceholderText(hint)
            edit.setAccessibleName(title)
            edit.setMaximumHeight(64)
            edit.setTabChangesFocus(True)
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
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAccessibleName("Cancel the export")
        self.cancel_button.clicked.connect(lambda: self._export_job and self._export_job.cancel())
        self.cancel_button.hide()
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setAccessibleName("Export progress")
        self.progress.hide()
        self.outcome = QLabel(self)
        self.outcome.setWordWrap(True)
        self.outcome.setAccessibleName("Export result")
        self.verification = QLabel(self)
        self.verification.setWordWrap(True)
        self.verification.setAccessibleName("ONNX verification")
        self.verification.hide()
        self.snippet = SnippetBox("Code that loads the export", self)
        self.snippet.hide()
        self.open_folder = QPushButton("Show in file manager", self)
        self.open_folder.setAccessibleName("Show the export in the file manager")
        self.open_folder.hide()
        self.open_folder.clicked.connect(self._reveal)
        self.push = HubPush(self)
        self.push.set_model(None)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(where)
        left_layout.addWidget(self.card_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.progress, 1)
        left_layout.addLayout(buttons)
        for widget in (self.outcome, self.verification, self.snippet, self.open_folder, self.push):
            left_layout.addWidget(widget)
        left_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)

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
        splitter.addWidget(scroll)
        splitter.addWidget(preview_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setChildrenCollapsible(False)
        self.outer.addWidget(splitter, 1)
        self.splitter = splitter

    SIDE_BY_SIDE_FROM = 1000  # px of page width; below it the preview goes under the settings

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        wanted = Qt.Horizontal if self.width() >= self.SIDE_BY_SIDE_FROM else Qt.Vertical
        if self.splitter.orientation() != wanted:
            self.splitter.setOrientation(wanted)

    # -- state ---------------------------------------------------------------------------------
    def _set_enabled(self, enabled: bool) -> None:
        for widget in (
            self.parent_field,
            self.name_edit,
            self.license,
            self.export_button,
            self.quantize,
            self.with_onnx,
            *self.format_buttons.values(),
            *self.fields.values(),
        ):
            widget.setEnabled(enabled)
        if enabled:
            self._on_format_changed(refresh=False)

    def set_run(self, run_dir: Path | None) -> None:
        if run_dir is None:
            if self.run_dir is not None and not self.run_dir.exists():  # its run was deleted
                self.run_dir, self.plan = None, None
                self.files.clear()
                self.card_preview.clear()
                self._set_enabled(False)
                self.push.set_model(None)
                self.set_subtitle(NO_RUN)
            return
        from ...api import is_multitask_run, subtask_names

        names = subtask_names(run_dir) if is_multitask_run(run_dir) else []
        if names:  # a multi-task run exports one sub-task's model at a time: its first, unless another is chosen
            run_dir = Path(run_dir) / "tasks" / names[0]
        if not (Path(run_dir) / "config.json").is_file():
            return
        another_run = self.run_dir is None or Path(run_dir).resolve() != self.run_dir.resolve()
        self.run_dir = Path(run_dir)
        self.exported, self.result = None, None
        self.record = RunFolder(self.run_dir).record_or_none()
        self.task = (self.record.task if self.record is not None else None) or "text-classification"
        self.name_edit.setText(self.run_dir.name)
        # The card describes this model: words typed for another run never carry over; this run's own words
        # from its last export come back.
        if another_run:  # the same run opened again keeps what the user is typing
            exports = self.record.exports if self.record is not None else ()
            previous = next((e.get("card") for e in reversed(exports) if isinstance(e.get("card"), dict)), None) or {}
            for key, edit in self.fields.items():
                edit.blockSignals(True)
                edit.setPlainText(str(previous.get(key, "")))
                edit.blockSignals(False)
            recorded_license = self.record.backbone_license if self.record is not None else None
            self.license.setCurrentText(previous.get("license") or recorded_license or "other")
        self.set_subtitle(
            f"Exporting the model of run {self.run_dir.name} ({self.task}). Weights are safetensors; "
            "checkpoints and your validation rows stay behind."
            + (
                f" This is sub-task '{names[0]}' of a multi-task run; the others are in "
                f"{self.run_dir.parent} ({', '.join(names)})."
                if names
                else ""
            )
        )
        for widget in (self.outcome, self.verification):
            widget.clear()
        for widget in (self.snippet, self.open_folder, self.verification):
            widget.hide()
        self.push.set_model(self.run_dir, f"the model of {self.run_dir.name}")
        self._set_enabled(True)
        self.refresh_preview()

    def chosen_format(self) -> str:
        return next(key for key, button in self.format_buttons.items() if button.isChecked())

    def choose_format(self, key: str) -> None:
        self.format_buttons[key].setChecked(True)
        self._on_format_changed()

    def _on_format_changed(self, refresh: bool = True) -> None:
        from ...api import supported_formats

        reasons = supported_formats(self.task)
        for key, button in self.format_buttons.items():
            allowed = reasons.get(key) is None and self.run_dir is not None
            button.setEnabled(allowed)
            button.setToolTip(reasons.get(key) or dict((k, d) for k, _, d in FORMATS)[key])
        if not self.format_buttons[self.chosen_format()].isEnabled():
            self.format_buttons["hf"].setChecked(True)
        chosen = self.chosen_format()
        self.format_note.setText(next(d for k, _, d in FORMATS if k == chosen))
        self.quantize.setVisible(chosen in ("onnx", "bundle"))
        self.with_onnx.setVisible(chosen == "bundle")
        self.card_box.setEnabled(chosen != "run-bundle" and self.run_dir is not None)
        if refresh:
            self._preview_timer.start()

    def card_fields(self) -> dict[str, str]:
        fields = {key: edit.toPlainText().strip() for key, edit in self.fields.items()}
        fields["license"] = self.license.currentText().strip()
        return fields

    def options(self):
        from ...api import ExportOptions

        chosen = self.chosen_format()
        output = Path(self.parent_field.path or ".").expanduser() / self.name_edit.text().strip()
        if chosen == "bundle" and output.suffix.lower() != ".zip":
            output = output.with_name(output.name + ".zip")
        return ExportOptions(
            chosen,
            output,
            quantize="int8" if self.quantize.isChecked() and chosen in ("onnx", "bundle") else None,
            with_onnx=self.with_onnx.isChecked() and chosen == "bundle",
            card_fields=self.card_fields(),
        )

    # -- preview --------------------------------------------------------------------------------
    def refresh_preview(self) -> None:
        if self.run_dir is None or not self.name_edit.text().strip():
            return
        run_dir, options = self.run_dir, self.options()
        self._plans.request(lambda job: _plan(run_dir, options))

    def _on_plan(self, plan) -> None:
        self.plan = plan
        self.files.clear()
        for name, size in plan.files:
            self.files.addItem(f"{name}    {format_bytes(size) if size is not None else '(made by the export)'}")
        self.files.addItem(
            f"— {len(plan.files)} files, {format_bytes(plan.known_bytes)} known so far, in {plan.output}"
        )
        for note in plan.notes:
            self.files.addItem(note)
        card = plan.card.split("---", 2)[-1] if plan.card.startswith("---") else plan.card
        self.card_preview.setMarkdown(card)
        self.export_button.setEnabled(self._export_job is None)
        if self.exported is None or self.exported != plan.output:
            self.outcome.setText("")

    def _on_plan_failed(self, failure) -> None:
        self.plan = None
        self.export_button.setEnabled(False)
        self.outcome.setText(f"<span style='color:#d32f2f'>{failure.text}</span>")

    # -- export ---------------------------------------------------------------------------------
    def export(self) -> None:
        if self.run_dir is None or self._export_job is not None:
            return
        run_dir, options = self.run_dir, self.options()
        self.settings.set("files/export_parent", self.parent_field.path)
        self.export_button.setEnabled(False)
        self.cancel_button.show()
        self.progress.show()
        self.verification.hide()
        self.outcome.setText(f"Exporting to {options.output}…")
        self._export_job = run_in_background(
            lambda job: _export(run_dir, options, job),
            context=self,
            on_success=self._on_exported,
            on_progress=self._on_progress,
            on_failure=self._on_export_failed,
            on_cancelled=lambda: self.outcome.setText("Cancelled; nothing was written."),
            on_done=self._on_export_done,
        )

    def _on_progress(self, event) -> None:
        from ...api import Message, StageChanged

        if isinstance(event, StageChanged):
            self.outcome.setText(f"{event.stage.capitalize()}: {event.detail}…")
        elif isinstance(event, Message) and event.level == "warning":
            self.status_message.emit(event.text[:1].upper() + event.text[1:])

    def _on_export_failed(self, failure) -> None:
        from .. import error_dialog

        self.outcome.setText(f"<span style='color:#d32f2f'>Not exported: {failure.message}</span>")
        error_dialog.show_failure(self, failure)

    def _on_exported(self, result) -> None:
        from ...api import usage_snippet

        self.result, self.exported = result, Path(result.output)
        self.outcome.setText(f"Exported to <b>{result.output}</b>." + "".join(f"<br>{n}" for n in result.notes))
        self.verification.setText(verification_text(result.verification))
        self.verification.setVisible(bool(result.verification))
        if result.format != "run-bundle":
            self.snippet.set_text(
                usage_snippet(result.output, self.task, self.record.to_dict() if self.record is not None else None)
            )
            self.snippet.show()
        if result.format in ("hf", "onnx"):  # the user's card travels with a pushed folder
            self.push.set_model(self.exported, f"the exported folder {self.exported.name}")
        self.open_folder.show()
        self.status_message.emit(f"Exported to {result.output}")

    def _on_export_done(self) -> None:
        self._export_job = None
        self.progress.hide()
        self.cancel_button.hide()
        # The same name is taken now: the user picks a new one to export again (the preview follows the name).
        self.export_button.setEnabled(self.exported is None or self.exported != self.options().output)
        if self.exported is None:
            self._preview_timer.start()

    def _reveal(self) -> None:
        if self.exported is not None:
            target = self.exported if self.exported.is_dir() else self.exported.parent
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))

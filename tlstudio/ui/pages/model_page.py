"""Model page: task, backbone, device, memory estimate, hyperparameters with presets."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ...api import ALIASES, BUNDLED, CONVERTED, DEFAULT_BACKBONE, looks_like_hub_id
from ...api import IMAGE_BACKBONE
from ...api import format_bytes
from ...api import PRESETS, apply_preset, matching_preset
from ...api import find_task
from ..widgets.config_form import ConfigForm
from ..widgets.device_picker import DevicePicker
from ..workers.background import LatestOnly, run_in_background
from .base import Page
from .hub_backbone import HubBackbone


def _describe_backbone(name: str):
    from ...api import resolve_backbone
    from ...api import describe_model_folder

    backbone = resolve_backbone(name)
    return describe_model_folder(backbone.path, license=backbone.license)


# The task picker's entries: (title, task, multi_label, regression).
TASK_CHOICES = (
    ("Text classification: one class per text", "text-classification", False, False),
    ("Text classification: several labels per text (multi-label)", "text-classification", True, False),
    ("Text classification: a number per text (regression)", "text-classification", False, True),
    ("Entity tagging (NER): names, places, organisations… in each sentence", "token-classification", False, False),
    ("Translation: source text → target text", "translation", False, False),
    ("Summarization: long text → short summary", "summarization", False, False),
    ("Image classification: one class per image", "image-classification", False, False),
    ("Text generation: continue text or answer prompts (GPT-style)", "text-generation", False, False),
    (
        "Multi-task: several tasks sharing one backbone (e.g. sentiment and topic, or classes and entities)",
        "multi-task",
        False,
        False,
    ),
)
TASK_HELP = {
    "text-classification": "Sentence pairs: choose a second text column on the Data page. Long texts: see "
    "'Long texts' under Task options.",
    "token-classification": "Data: a tokens list and a tags list per row (JSON/JSONL), a CoNLL file, or a text "
    "with {start, end, label} spans.",
    "translation": "Data: a source column and a target column.",
    "summarization": "Data: a long text column and a short summary column.",
    "multi-task": "One backbone learns every sub-task below, each with its own head; each gets its own model "
    "folder (tasks/NAME). Sub-tasks read the open data file unless they name another.",
}


def _reads_images(task: str) -> bool:
    found = find_task(task)
    return found is not None and found.input_kind == "image"


def _has_notes(task: str) -> bool:
    found = find_task(task)
    return found is not None and found.has_backbone_notes


def _task_notes(task: str, backbone: str, texts: list[str]):
    from ...api import task_notes

    return task_notes(task, backbone, texts)


def _devices():
    from ...api import devices

    return devices()


class ModelPage(Page):
    key, title = "model", "Model"

    def __init__(self, session, settings, parent=None):
        super().__init__(session, settings, parent)
        self.set_subtitle(
            "Choose what to learn, which pretrained model to start from and how to train it. "
            "Hover over a setting to see what it does."
        )
        self.info = None  # ModelInfo of the chosen backbone
        self.plan = None  # core.run_plan.RunPlan of the settings shown (what `tlstudio train --dry-run` prints)
        self._info_jobs = LatestOnly(self, self._on_info, self._on_info_failed, uses_transformers=False)
        self._note_jobs = LatestOnly(self, self._on_notes, lambda failure: self.task_notes.hide())

        content = QWidget(self)
        # Two columns side by side on a wide window; one above the other on a laptop's (every control stays
        # reachable by scrolling down, never off to the right).
        self.columns = QBoxLayout(QBoxLayout.LeftToRight, content)
        left_box, right_box = QWidget(content), QWidget(content)
        left, right = QVBoxLayout(left_box), QVBoxLayout(right_box)
        for box in (left, right):
            box.setContentsMargins(0, 0, 0, 0)
        self.columns.addWidget(left_box, 1)
        self.columns.addWidget(right_box, 1)
        left.addWidget(self._build_task())
        from ..widgets.subtask_editor import SubtaskEditor

        self.subtasks = SubtaskEditor(self)
        self.subtasks.subtasks_changed.connect(lambda entries: self.session.update_config(subtasks=entries))
        self.subtasks.compare_changed.connect(lambda on: self.session.update_config(compare_single_task=on))
        self.subtasks.hide()
        left.addWidget(self.subtasks)
        left.addWidget(self._build_backbone())
        self.device_picker = DevicePicker(self)
        self.device_picker.device_chosen.connect(lambda device: self.session.update_config(device=device))
        self.device_picker.precision_chosen.connect(lambda value: self.session.update_config(precision=value))
        left.addWidget(self.device_picker)
        left.addWidget(self._build_memory())
        left.addStretch(1)
        right.addWidget(self._build_presets())
        self.form = ConfigForm(
            ("model", "task", "generation", "training", "checkpoints", "tracking"),
            self,
            skip=("backbone", "multi_label", "regression"),
        )
        self.form.value_changed.connect(self._on_form_value)
        right.addWidget(self.form, 1)
        scroll = QScrollArea(self)
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.outer.addWidget(scroll, 1)
        self.scroll = scroll

        self._estimate_timer = QTimer(self, singleShot=True, interval=100, timeout=self._update_estimate)
        session.config_changed.connect(self._on_config_changed)
        session.token_lengths_changed.connect(lambda _l: self._estimate_timer.start())
        self._load_config()
        # Listing devices imports torch (seconds, holding the GIL): done when the page is first shown,
        # not while the window is starting (docs/benchmarks.md, start-up).
        self._devices_probed = False
        self._describe()

    # -- layout ---------------------------------------------------------------------
    TWO_COLUMNS_FROM = 1000  # px of page width; below it the settings go under the task and backbone

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        wide = self.width() >= self.TWO_COLUMNS_FROM
        direction = QBoxLayout.LeftToRight if wide else QBoxLayout.TopToBottom
        if self.columns.direction() != direction:
            self.columns.setDirection(direction)

    def _build_task(self) -> QGroupBox:
        from ...api import task_names

        box = QGroupBox("Task", self)
        form = QFormLayout(box)
        self.task_combo = QComboBox(self)
        for title, task, multi, regression in TASK_CHOICES:
            if task in task_names():
                self.task_combo.addItem(title, (task, multi, regression))
        self.task_combo.setAccessibleName("Task")
        self.task_combo.currentIndexChanged.connect(self._on_task_chosen)
        form.addRow("What to learn", self.task_combo)
        # Opening a file switches the task to what the data is for; a pinned task stays whatever is opened.
        self.pin_task = QCheckBox("Keep this task when I open other files", self)
        self.pin_task.setAccessibleName("Keep this task when opening other files")
        self.pin_task.setToolTip(
            "Without this, opening a file suggests the task from its columns (labels, token "
            "lists, source and target texts) and switches to it, saying why."
        )
        self.pin_task.setChecked(bool(self.settings.get("model/pin_task", False, bool)))
        self.session.task_pinned = self.pin_task.isChecked()
        self.pin_task.toggled.connect(self._on_pin_toggled)
        form.addRow(self.pin_task)
        self.task_help = QLabel(self)
        self.task_help.setWordWrap(True)
        self.task_help.setStyleSheet("color: palette(placeholder-text);")
        form.addRow(self.task_help)
        self.task_notes = QLabel(self)
        self.task_notes.setWordWrap(True)
        self.task_notes.setStyleSheet("color: #c77700;")
        self.task_notes.setAccessibleName("Notes on this backbone for this task")
        self.task_notes.hide()
        form.addRow(self.task_notes)
        return box

    def _on_pin_toggled(self, pinned: bool) -> None:
        self.session.task_pinned = pinned
        self.settings.set("model/pin_task", pinned)

    def _on_task_chosen(self, index: int) -> None:
        task, multi, regression = self.task_combo.itemData(index)
        self.session.set_task(task, multi_label=multi, regression=regression)

    def _show_task(self) -> None:
        config = self.session.config
        wanted = (config.task, config.multi_label, config.regression)
        index = next((i for i in range(self.task_combo.count()) if self.task_combo.itemData(i) == wanted), 0)
        self.task_combo.blockSignals(True)
        self.task_combo.setCurrentIndex(index)
        self.task_combo.blockSignals(False)
        self.task_help.setText(TASK_HELP.get(config.task, ""))
        self.form.set_task(config)
        self._show_subtasks()

    def _show_subtasks(self) -> None:
        config = self.session.config
        task = find_task(config.task)
        multi = task is not None and task.has_subtasks
        self.subtasks.setVisible(multi)
        if not multi:
            return
        self.subtasks.default_data = config.data
        if isinstance(config.subtasks, list):
            self.subtasks.set_entries(config.subtasks, config.compare_single_task)
        else:  # a fresh multi-task set-up: two sub-tasks to fill in
            self.subtasks.set_entries([{"name": "task1"}, {"name": "task2"}], config.compare_single_task)
            self.session.update_config(subtasks=self.subtasks.entries())

    def select_task(self, task: str, multi_label: bool = False, regression: bool = False) -> None:
        """Choose a task in the picker as a user would (tests, screenshots)."""
        for i in range(self.task_combo.count()):
            if self.task_combo.itemData(i) == (task, multi_label, regression):
                self.task_combo.setCurrentIndex(i)

    def _refresh_notes(self) -> None:
        """The backbone's limits for the task (uncased, no accents, an untrained decoder), from the core."""
        config, table = self.session.config, self.session.table
        if not _has_notes(config.task):  # nothing to say (and no tokenizer to load: an image CNN has none)
            self._note_jobs.clear()
            self.task_notes.hide()
            return
        field = find_task(config.task).notes_sample_field  # the texts the notes sample (a seq2seq target)
        column = getattr(config, field) if field else None
        texts = []
        if table is not None and column in table.columns:
            texts = [str(v) for v in table.frame[column].head(200).tolist() if v is not None]
        task, backbone = config.task, config.backbone
        self._note_jobs.request(lambda job: _task_notes(task, backbone, texts))

    def _on_notes(self, notes: list[str]) -> None:
        if not _has_notes(self.session.config.task):  # the task changed while the notes were read
            return
        self.task_notes.setText("<br>".join("Note: " + n[:1].upper() + n[1:] for n in notes))
        self.task_notes.setVisible(bool(notes))

    def _build_backbone(self) -> QGroupBox:
        box = QGroupBox("Backbone (the pretrained model to start from)", self)
        layout = QVBoxLayout(box)
        self.source_group = QButtonGroup(self)
        self.bundled_radio = QRadioButton(self)
        self.local_radio = QRadioButton("A model folder on this computer", self)
        self.hub_radio = QRadioButton("A Hugging Face Hub id (downloaded once, then offline)", self)
        for i, radio in enumerate((self.bundled_radio, self.local_radio, self.hub_radio)):
            radio.setAccessibleName(radio.text())
            self.source_group.addButton(radio, i)
        self.bundled_note = bundled_note = QLabel(self)
        bundled_note.setWordWrap(True)
        from ..widgets.fields import PathField

        self.local_field = PathField("Backbone folder", "folder", parent=self)
        self.local_field.path_changed.connect(lambda _p: self._on_source_changed())
        self.hub = HubBackbone(self)
        self.hub.id_changed.connect(lambda _id: self._on_source_changed())
        self.hub.downloaded.connect(lambda _path: self._describe())
        self.source_group.idClicked.connect(lambda _id: self._on_source_changed())
        for widget in (self.bundled_radio, bundled_note, self.local_radio, self.local_field, self.hub_radio, self.hub):
            layout.addWidget(widget)
        self.backbone_info = QLabel(self)
        self.backbone_info.setWordWrap(True)
        self.backbone_info.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.backbone_info)
        return box

    def _build_memory(self) -> QGroupBox:
        box = QGroupBox("Memory needed", self)
        layout = QVBoxLayout(box)
        self.memory_label = QLabel("Choose a backbone to see an estimate.", self)
        self.memory_label.setWordWrap(True)
        self.memory_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.memory_label.setAccessibleName("Peak memory estimate")
        layout.addWidget(self.memory_label)
        return box

    def _build_presets(self) -> QGroupBox:
        box = QGroupBox("Presets", self)
        layout = QVBoxLayout(box)
        row = QHBoxLayout()
        self.preset_buttons = {}
        for preset in PRESETS:
            button = QPushButton(preset.title, self)
            button.setCheckable(True)
            button.setToolTip(preset.description)
            button.setAccessibleName(f"{preset.title} preset")
            button.setAccessibleDescription(preset.description)
            button.clicked.connect(lambda _=False, name=preset.name: self.apply_preset(name))
            row.addWidget(button)
            self.preset_buttons[preset.name] = button
        layout.addLayout(row)
        self.preset_note = QLabel(self)
        self.preset_note.setWordWrap(True)
        layout.addWidget(self.preset_note)
        return box

    # -- session <-> widgets ---------------------------------------------------------------
    def _load_config(self) -> None:
        config = self.session.config
        self._show_task()
        self.form.set_config(config)
        self.device_picker.show_choice(config.device, config.precision)
        self._show_bundled()
        backbone = config.backbone or DEFAULT_BACKBONE
        if ALIASES.get(backbone.lower(), backbone.lower()) in {**BUNDLED, **CONVERTED}:
            self.bundled_radio.setChecked(True)
        elif looks_like_hub_id(backbone):
            self.hub_radio.setChecked(True)
            self.hub.set_id(backbone)
        else:
            self.local_radio.setChecked(True)
            self.local_field.set_path(backbone)
        self._sync_source_enabled()
        self._show_preset()

    def _bundled_key(self) -> str:
        """The offline backbone for this task: the bundled text encoder, or the image CNN for images."""
        return IMAGE_BACKBONE if _reads_images(self.session.config.task) else DEFAULT_BACKBONE

    def _show_bundled(self) -> None:
        bundled = {**BUNDLED, **CONVERTED}[self._bundled_key()]
        self.bundled_radio.setText(f"Bundled: {bundled.title}")
        self.bundled_radio.setAccessibleName(self.bundled_radio.text())
        self.bundled_note.setText(bundled.description)

    def _sync_source_enabled(self) -> None:
        self.local_field.setEnabled(self.local_radio.isChecked())
        self.hub.setEnabled(self.hub_radio.isChecked())

    def _chosen_backbone(self) -> str:
        if self.local_radio.isChecked():
            return self.local_field.path
        if self.hub_radio.isChecked():
            return self.hub.repo_id
        return self._bundled_key()

    def _on_source_changed(self) -> None:
        self._sync_source_enabled()
        backbone = self._chosen_backbone()
        if backbone:
            self.session.update_config(backbone=backbone)

    def _on_config_changed(self, name: str) -> None:
        if name == "":
            self._load_config()
            self._describe()
            self._refresh_notes()
        elif name == "backbone":
            self._describe()
            self._refresh_notes()
        elif name == "task":
            self._show_bundled()
            self._describe()  # the offline backbone follows the task (text encoder or image CNN)
            self._show_task()
            self.form.set_config(self.session.config)
            self._refresh_notes()
        elif name in ("target_column",):
            self._refresh_notes()
        if name in self.form.names:
            self.form.set_config(self.session.config)
        if self.form.decides_rows(name):  # strategy -> LoRA rows, adapt_source -> adaptation rows...
            self.form.set_task(self.session.config)
        self._show_preset()
        if name in ("", "task", "batch_size", "max_length", "device", "precision", "strategy", "lora_rank"):
            self._estimate_timer.start()
        if name in ("", "task", "image_column"):
            self._offer_preview_images()

    def _offer_preview_images(self) -> None:
        """The augmentation preview draws from the data's own images (the first 200 rows)."""
        config, table = self.session.config, self.session.table
        paths = []
        if _reads_images(config.task) and table is not None and config.image_column in table.columns:
            from ...api import image_root, resolve_image

            root = image_root(table)
            values = table.frame[config.image_column].head(200).tolist()
            paths = [path for path in (resolve_image(v, root) for v in values) if path is not None]
        self.form.editor("augment").set_images(paths)

    def _on_form_value(self, name: str, value) -> None:
        try:
            self.session.update_config(**{name: value})
        except (TypeError, ValueError):
            pass

    def apply_preset(self, name: str) -> None:
        self.session.replace_config(apply_preset(self.session.config, name))
        self.status_message.emit(f"Preset applied: {dict((p.name, p.title) for p in PRESETS)[name]}")

    def _show_preset(self) -> None:
        active = matching_preset(self.session.config)
        for name, button in self.preset_buttons.items():
            button.setChecked(name == active)
        preset = next((p for p in PRESETS if p.name == active), None)
        self.preset_note.setText(preset.description if preset else "Custom settings.")

    # -- backbone info and memory ---------------------------------------------------------
    def _describe(self) -> None:
        name = self.session.config.backbone
        self._describing = None
        if self.hub_radio.isChecked() and not self.hub.is_cached():
            self.info = None
            self.backbone_info.setText("Look the model up to see its size and licence, then download it.")
            self._estimate_timer.start()
            return
        if ALIASES.get(name.lower(), name.lower()) in CONVERTED:
            # Converting it imports torch and transformers (seconds); the first run does that. A CNN has no
            # transformer dimensions to estimate memory from.
            self.info = None
            self.backbone_info.setText(
                "Converted once from its PyPI package into tlstudio's cache when the first run starts."
            )
            self._estimate_timer.start()
            return
        self.backbone_info.setText("Reading the backbone…")
        self._describing = name
        self._info_jobs.request(lambda job: (name, _describe_backbone(name)))

    def _on_info(self, result) -> None:
        name, info = result
        if name != self.session.config.backbone:
            return  # the backbone changed since (a task switch picks another offline one): its own job follows
        self.info = info
        self.backbone_info.setText(info.summary())
        self._estimate_timer.start()

    def _on_info_failed(self, failure) -> None:
        if self._describing != self.session.config.backbone:
            return  # a later choice already shows its own description
        self.info = None
        self.backbone_info.setText(f"<span style='color:#d32f2f'>{failure.text}</span>")
        self._estimate_timer.start()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.probe_devices()

    def probe_devices(self) -> None:
        """Fill the device list in the background (once)."""
        if not self._devices_probed:
            self._devices_probed = True
            run_in_background(lambda job: _devices(), context=self, on_success=self._on_devices)

    def _on_devices(self, devices: list[dict]) -> None:
        self.device_picker.set_devices(devices)
        self._estimate_timer.start()

    def _update_estimate(self) -> None:
        """Show the run's plan (strategy, longest batch, memory, disk), decided in the core exactly as
        ``tlstudio train --dry-run`` decides it."""
        from ...api import plan_run

        name = self.session.config.backbone.strip().lower()
        reason = ""
        if self.info is None and ALIASES.get(name, name) not in CONVERTED:
            reason = "no estimate: the backbone's size is not known yet"
        elif self.info is None:
            reason = "no estimate for this architecture: the estimate covers transformer models only"
        config = self.session.config
        device = self.device_picker.device() or {"id": "cpu", "name": "CPU"}
        self.plan = plan = plan_run(
            config,
            self.info,
            device=device,
            precision=self.device_picker.precision(),
            token_lengths=self.session.token_lengths,
            no_info_reason=reason,
        )
        self.session.memory_warning = plan.memory_warning  # the Train page asks before a run that will not fit
        if plan.estimate is None:
            self.memory_label.setText(plan.no_estimate[:1].upper() + plan.no_estimate[1:] + ".")
            return
        rows = "".join(
            f"<tr><td>{part}</td><td align='right'>&nbsp;{format_bytes(size)}</td></tr>"
            for part, size in plan.estimate.parts()
        )
        where = "GPU memory" if plan.device.startswith("cuda") else "RAM"
        disk = (
            f"<br>Disk: about {format_bytes(plan.disk_during)} while training, "
            f"{format_bytes(plan.disk_after or 0)} once finished"
            + ("" if config.keep_checkpoints else " (its checkpoints are deleted then)")
        )
        text = (
            f"<b>About {format_bytes(plan.estimate.total)} of {where} at the peak</b> on {plan.device_name}."
            f"<table>{rows}</table><span>{' '.join(plan.notes)}</span>{disk}"
        )
        if plan.memory_warning:
            text += f"<p style='color:#d32f2f'>This run {plan.memory_warning}</p>"
        self.memory_label.setText(text)
        self.memory_label.setAccessibleDescription(plan.estimate.describe())

"""What the Data page shows before a file is open: open, a sample, or a recent file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget


class Welcome(QWidget):
    """Signals: open_requested(), file_chosen(str path), sample_chosen(str sample name)."""

    open_requested = Signal()
    file_chosen = Signal(str)
    sample_chosen = Signal(str)

    def __init__(self, settings, parent: QWidget | None = None):
        super().__init__(parent)
        self.settings = settings
        layout = QVBoxLayout(self)
        layout.setAlignment(Qt.AlignTop)
        intro = QLabel(
            "<h3>Start with your data</h3>"
            "<p>tlstudio fine-tunes a pretrained transformer on your own data: texts and labels, "
            "sentences with tagged entities, or source and target texts to translate or summarise. "
            "Open a file, or try a sample first.</p>",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        buttons = QHBoxLayout()
        open_button = QPushButton("Open a data file…", self)
        open_button.setAccessibleName("Open a data file")
        open_button.clicked.connect(self.open_requested)
        buttons.addWidget(open_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        from ...api import available_samples
        from ...api import task_names

        layout.addWidget(QLabel("<b>Samples</b> (written for tlstudio; each opens with its task chosen)", self))
        for sample in available_samples():
            if sample.task not in task_names():
                continue
            button = QPushButton(f"{sample.title}  ·  {sample.task}", self)
            button.setAccessibleName(f"Open the {sample.name} sample")
            button.setStyleSheet("text-align: left; padding: 4px 10px;")
            button.clicked.connect(lambda _=False, name=sample.name: self.sample_chosen.emit(name))
            layout.addWidget(button)
        self.recent_title = QLabel("<b>Recent files</b>", self)
        layout.addWidget(self.recent_title)
        self.recent = QListWidget(self)
        self.recent.setAccessibleName("Recent files")
        self.recent.itemActivated.connect(lambda item: self.file_chosen.emit(item.data(Qt.UserRole)))
        layout.addWidget(self.recent)
        self.refresh()

    def refresh(self) -> None:
        self.recent.clear()
        files = self.settings.recent_files()
        for path in files:
            item = QListWidgetItem(f"{Path(path).name}    —    {Path(path).parent}")
            item.setData(Qt.UserRole, path)
            item.setToolTip(path)
            self.recent.addItem(item)
        self.recent_title.setVisible(bool(files))
        self.recent.setVisible(bool(files))

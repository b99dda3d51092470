"""Choosing a Hub backbone: look up its size and licence, download it with progress, once."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QProgressBar, QPushButton, QWidget

from ...api import format_bytes
from ...api import WorkProgressed
from ..workers.background import run_in_background


def _cached_folder(repo_id: str) -> str | None:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo_id, "config.json")
    return str(found).rsplit("/", 1)[0] if isinstance(found, str) else None


class HubBackbone(QWidget):
    """Signals: id_changed(str), downloaded(str folder)."""

    id_changed = Signal(str)
    downloaded = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._cached: str | None = None
        self._job = None
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("organisation/model, e.g. distilbert/distilbert-base-uncased")
        self.edit.setAccessibleName("Hub model id")
        self.edit.editingFinished.connect(self._on_edited)
        self.lookup = QPushButton("Look up", self)
        self.lookup.setAccessibleName("Look up the Hub model's size and licence")
        self.lookup.clicked.connect(self.look_up)
        self.download = QPushButton("Download", self)
        self.download.setAccessibleName("Download the Hub model")
        self.download.clicked.connect(self.start_download)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName("Download progress")
        self.progress.hide()
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 0, 0)
        layout.addWidget(self.lookup, 0, 1)
        layout.addWidget(self.download, 0, 2)
        layout.addWidget(self.progress, 1, 0, 1, 3)
        layout.addWidget(self.note, 2, 0, 1, 3)
        self.note.hide()

    @property
    def repo_id(self) -> str:
        return self.edit.text().strip()

    def set_id(self, repo_id: str) -> None:
        self.edit.setText(repo_id)
        self._check_cache()

    def is_cached(self) -> bool:
        return self._cached is not None

    def _on_edited(self) -> None:
        self._check_cache()
        self.id_changed.emit(self.repo_id)

    def _check_cache(self) -> None:
        repo_id = self.repo_id
        self._cached = None
        if repo_id.count("/") != 1:
            self._say("")
            return
        run_in_background(
            lambda job: _cached_folder(repo_id),
            context=self,
            on_success=lambda folder: self._on_cache_checked(repo_id, folder),
            on_failure=lambda failure: None,
        )

    def _on_cache_checked(self, repo_id: str, folder: str | None) -> None:
        if repo_id != self.repo_id:
            return
        self._cached = folder
        self._say(f"In the local cache: {folder}" if folder else "Not downloaded yet: Look up, then Download.")
        if folder:
            self.downloaded.emit(folder)

    def _say(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def look_up(self) -> None:
        from ...api import hub_summary

        repo_id = self.repo_id
        if not repo_id:
            return
        self._say(f"Looking up {repo_id}…")
        run_in_background(
            lambda job: hub_summary(repo_id),
            context=self,
            on_success=self._on_summary,
            on_failure=lambda failure: self._say(failure.text),
        )

    def _on_summary(self, summary) -> None:
        parts = [
            f"{summary.files} files to download, {format_bytes(summary.download_bytes)}",
            f"licence {summary.license or 'not stated'}",
        ]
        if summary.pipeline_tag:
            parts.append(f"made for {summary.pipeline_tag}")
        if not summary.has_safetensors:
            parts.append("no safetensors weights: tlstudio will refuse to load it")
        self._say("; ".join(parts) + ".")

    def start_download(self) -> None:
        from ...api import download_backbone

        repo_id = self.repo_id
        if not repo_id or self._job is not None:
            return
        self.progress.setRange(0, 0)
        self.progress.show()
        self.download.setText("Cancel")
        self.download.clicked.disconnect()
        self.download.clicked.connect(self.cancel_download)
        self._job = run_in_background(
            lambda job: download_backbone(repo_id, job, job.cancel_token),
            context=self,
            on_success=self._on_downloaded,
            on_progress=self._on_progress,
            on_failure=lambda failure: self._say(failure.text),
            on_cancelled=lambda: self._say("Download cancelled."),
            on_done=self._on_download_done,
        )

    def cancel_download(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def _on_progress(self, event) -> None:
        if isinstance(event, WorkProgressed) and event.total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * event.done / event.total))
            self.progress.setFormat(f"{format_bytes(event.done)} of {format_bytes(event.total)}")

    def _on_downloaded(self, folder: str) -> None:
        self._cached = folder
        self._say(f"Downloaded to {folder}")
        self.downloaded.emit(folder)

    def _on_download_done(self) -> None:
        self._job = None
        self.progress.hide()
        self.download.setText("Download")
        self.download.clicked.disconnect()
        self.download.clicked.connect(self.start_download)

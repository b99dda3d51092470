"""Pushing a model to the Hugging Face Hub from the Export page.

The token is asked for in a password dialog on the GUI thread only when
neither ``HF_TOKEN`` nor the system keyring holds one, and the core keeps it
in the keyring (never in settings).  The keyring look-up and the upload run
in the background.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..workers.background import run_in_background

TOKEN_HELP = (
    "Paste a Hugging Face access token with write permission (Settings → Access Tokens on the Hub). "
    "tlstudio keeps it in the system keyring, never in its settings."
)


class HubPush(QGroupBox):
    """Signals: pushed(str url)."""

    pushed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Share on the Hugging Face Hub", parent)
        self.model_dir: Path | None = None
        self.store = None  # core.export.hub_push.TokenStore; None = the system keyring
        self.api_factory = None  # huggingface_hub.HfApi unless replaced (tests)
        self._job = None
        self.repo = QLineEdit(self)
        self.repo.setPlaceholderText("your-name/model-name")
        self.repo.setAccessibleName("Hub repository id")
        self.private = QCheckBox("Private repository", self)
        self.private.setAccessibleName("Create the repository as private")
        self.button = QPushButton("Push", self)
        self.button.setAccessibleName("Push the model to the Hub")
        self.button.clicked.connect(self.push)
        self.forget = QPushButton("Forget the stored token", self)
        self.forget.setAccessibleName("Remove the Hub token from the keyring")
        self.forget.clicked.connect(self.forget_token)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setMaximumHeight(6)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Pushing")
        self.progress.hide()
        self.result = QLabel(self)
        self.result.setWordWrap(True)
        self.result.setOpenExternalLinks(True)
        row = QHBoxLayout()
        row.addWidget(self.repo, 1)
        row.addWidget(self.private)
        row.addWidget(self.button)
        row.addWidget(self.forget)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.result)

    def _token_store(self):
        from ...api import TokenStore

        return self.store or TokenStore()

    def set_model(self, model_dir: Path | None, what: str = "") -> None:
        self.model_dir = model_dir
        self.setEnabled(model_dir is not None)
        self.result.setText(f"Uploads {what or 'the model'} with its model card." if model_dir else "")

    def ask_token(self) -> str:
        """The token typed by the user, or '' when they cancel (replaced in tests)."""
        token, ok = QInputDialog.getText(self, "Hugging Face token", TOKEN_HELP, QLineEdit.Password)
        return token.strip() if ok else ""

    def push(self) -> None:
        from ...api import ConfigError
        from .. import error_dialog
        from ..workers.failures import failure_from_exception

        repo_id, model_dir = self.repo.text().strip(), self.model_dir
        if model_dir is None or self._job is not None:
            return
        if "/" not in repo_id:
            error_dialog.show_failure(
                self,
                failure_from_exception(
                    ConfigError(
                        f"'{repo_id or '(empty)'}' is not a Hub repository id.", "Type it as your-name/model-name."
                    )
                ),
            )
            return
        store = self._token_store()
        self.button.setEnabled(False)
        self.result.setText("Looking for a stored token…")
        # The keyring can be slow (a desktop keyring unlocking): ask it in the background.
        run_in_background(
            lambda job: bool(os.environ.get("HF_TOKEN") or store.get()),
            context=self,
            on_success=lambda stored: self._push(repo_id, model_dir, store, stored),
            on_failure=lambda failure: self._push(repo_id, model_dir, store, False),
        )

    def _push(self, repo_id: str, model_dir: Path, store, stored: bool) -> None:
        token = "" if stored else self.ask_token()
        if not stored and not token:
            self.button.setEnabled(True)
            self.result.setText("Not pushed: no token given.")
            return
        from ...api import push_model

        private, factory = self.private.isChecked(), self.api_factory
        self.progress.show()
        self.result.setText(f"Pushing {model_dir.name} to {repo_id}…")
        self._job = run_in_background(
            lambda job: push_model(
                model_dir,
                repo_id,
                private=private,
                ask_token=lambda: token,
                sink=job,
                cancel=job.cancel_token,
                store=store,
                api_factory=factory,
            ),
            context=self,
            on_success=self._on_pushed,
            on_progress=self._on_progress,
            on_failure=self._on_failed,
            on_done=self._on_done,
        )

    def _on_progress(self, event) -> None:
        from ...api import Message, StageChanged

        if isinstance(event, StageChanged):
            self.result.setText(f"{event.stage.capitalize()}: {event.detail}")
        elif isinstance(event, Message):
            self.result.setText(event.text[:1].upper() + event.text[1:])

    def _on_pushed(self, url: str) -> None:
        self.result.setText(f"Pushed: <a href='{url}'>{url}</a>")
        self.pushed.emit(url)

    def _on_failed(self, failure) -> None:
        from .. import error_dialog

        self.result.setText("Not pushed.")
        error_dialog.show_failure(self, failure)

    def _on_done(self) -> None:
        self._job = None
        self.progress.hide()
        self.button.setEnabled(True)

    def forget_token(self) -> None:
        store = self._token_store()
        run_in_background(
            lambda job: store.forget(),
            context=self,
            on_success=lambda gone: self.result.setText(
                "The stored token was removed from the keyring." if gone else "No token was stored."
            ),
        )

"""Offering unsaved edits back after a crash, a kill, or a quit without saving."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from ...api import journal_path, pending_journals, read_journal


def pending(journal_dir: Path | None):
    """Journals with unsaved edits whose data file still exists, newest first."""
    return [r for r in pending_journals(journal_dir) if Path(r.data_path).is_file()]


def journal_for(data_path, journal_dir: Path | None):
    path = journal_path(data_path, journal_dir)
    if not path.is_file():
        return None
    try:
        recovered = read_journal(path)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return recovered if recovered.net_changes() else None


def ask_to_recover(parent, recovered, *, opened: bool = False) -> bool:
    """Yes: apply the edits.  No: they are dropped when the file is next edited (said so plainly)."""
    count = len(recovered.net_changes())
    when = datetime.fromtimestamp(recovered.updated).strftime("%Y-%m-%d %H:%M")
    text = (
        f"{count:,} label edit(s) to {Path(recovered.data_path).name} were not saved (last edit {when}).\n\n"
        "Recover them? They are applied to the table; nothing is written to the file until you press Save."
    )
    if recovered.data_changed:
        text += "\n\nThe file has changed since those edits were made; check the recovered rows before saving."
    if opened:
        text += "\n\nIf you choose No, they are discarded when you edit this file."
    else:
        text += "\n\nIf you choose No, they stay in the journal and are offered again next time."
    return QMessageBox.question(parent, "Recover unsaved labels", text) == QMessageBox.Yes


class RecoveryActions:
    """Mixed into :class:`~.label_page.LabelPage`: the offers at start and when a journaled file opens."""

    # -- recovery -------------------------------------------------------------------------------
    def offer_recovery(self) -> None:
        """At start: journals left by a crash (or a quit without saving) are offered, newest first."""
        for recovered in pending(self.journal_dir()):
            if ask_to_recover(self, recovered):
                self._pending_recovery = recovered
                self.open_data_requested.emit(str(recovered.data_path))
                return

    def _offer_journal_for(self, path) -> None:
        recovered = self._pending_recovery
        self._pending_recovery = None
        if recovered is None or Path(recovered.data_path) != Path(path).resolve():
            recovered = journal_for(path, self.journal_dir())
            if recovered is None or not ask_to_recover(self, recovered, opened=True):
                return
        self.recover(recovered)

    def recover(self, recovered) -> None:
        label = recovered.columns.get("label")
        if label and label != self.session.config.label_column:
            self.session.update_config(label_column=label)
        if any(change.row >= len(self.controller.edited) for change in recovered.changes):
            self.status_message.emit(
                "The journal's edits do not fit this file any more (it has fewer rows); they were not applied."
            )
            return
        self.controller.recover(recovered, self.journal_dir())
        self._show_state()
        self.refresh_rows()
        self.status_message.emit(f"Recovered {len(self.controller.edited.pending()):,} unsaved label edit(s).")

"""Asking before loading a model whose only weights are a pickle.

The core refuses pickle weights (``PickleWeightsRefused``) unless the caller
passes ``allow_pickle``; the app asks the user first, naming the risk in the
core's own words (``backbones.PICKLE_RISK``), and remembers the answer for
that folder until the app closes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

_allowed: set[str] = set()  # folders the user allowed in this session


def allowed(folder: str | Path) -> bool:
    return str(Path(folder).expanduser().resolve()) in _allowed


def ask_allow_pickle(parent: QWidget | None, folder: str | Path, failure=None) -> bool:
    """True when the user allows loading ``folder``'s pickle weights (asked once per folder and session)."""
    from ..api import PICKLE_RISK

    if allowed(folder):
        return True
    detail = f"{failure.message}\n\n" if failure is not None else ""
    answer = QMessageBox.question(
        parent,
        "Load pickle weights?",
        f"{detail}The model in {folder} has no safetensors weights, only a pickle file.\n\n{PICKLE_RISK}\n\n"
        "Load it anyway?",
        QMessageBox.Yes | QMessageBox.No,
        QMessageBox.No,
    )
    if answer == QMessageBox.Yes:
        _allowed.add(str(Path(folder).expanduser().resolve()))
        return True
    return False

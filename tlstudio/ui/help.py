"""Help menu content: the user guide (docs/user-guide.md) and the About box."""

from __future__ import annotations

import platform
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox, QTextBrowser, QVBoxLayout, QWidget

from .. import __version__


def docs_dir() -> Path:
    """docs/ in a source checkout, else the copy installed as tlstudio.docs."""
    source = Path(__file__).resolve().parents[2] / "docs"
    if (source / "user-guide.md").is_file():
        return source
    from importlib.resources import files

    return Path(str(files("tlstudio.docs")))


class GuideDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("tlstudio user guide")
        self.resize(760, 720)
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(True)
        self.browser.setAccessibleName("User guide")
        folder = docs_dir()
        self.browser.setSearchPaths([str(folder)])
        guide = folder / "user-guide.md"
        if guide.is_file():
            self.browser.document().setBaseUrl(QUrl.fromLocalFile(str(folder) + "/"))
            self.browser.setMarkdown(guide.read_text(encoding="utf-8"))
        else:
            self.browser.setPlainText(f"The user guide was not found in {folder}.")
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)


def versions() -> dict[str, str]:
    """Versions of what tlstudio runs on, read from package metadata (nothing heavy is imported)."""
    from importlib.metadata import PackageNotFoundError, version  # here: 60 ms at every start-up otherwise

    found = {"tlstudio": __version__, "Python": platform.python_version()}
    for package in ("torch", "transformers", "datasets", "PySide6-Essentials", "pyqtgraph", "numpy", "pandas"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            pass
    from PySide6 import QtCore

    found["Qt"] = QtCore.qVersion()
    return found


def about_text() -> str:
    rows = "".join(f"<tr><td>{name}</td><td>&nbsp;{value}</td></tr>" for name, value in versions().items())
    return (
        "<h3>tlstudio</h3><p>A desktop studio for transfer learning: fine-tune pretrained transformers on "
        "your own data, offline.</p><p>Apache-2.0. The bundled backbone is all-MiniLM-L6-v2 (Apache-2.0).</p>"
        f"<table>{rows}</table>"
    )


def show_about(parent: QWidget | None) -> None:
    QMessageBox.about(parent, "About tlstudio", about_text())

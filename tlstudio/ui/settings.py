"""What the app remembers between sessions (QSettings): geometry, recent files, last choices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

MAX_RECENT = 8


class Settings:
    """A thin, typed layer over QSettings. Keys are grouped: window/, files/, choices/."""

    def __init__(self, store: QSettings | None = None):
        self.store = store if store is not None else QSettings()

    # -- generic values -----------------------------------------------------
    def get(self, key: str, default: Any = None, kind: type | None = None) -> Any:
        value = self.store.value(key, default)
        if value is None or kind is None:
            return value
        try:
            if kind is bool:
                return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
            return kind(value)
        except (TypeError, ValueError):
            return default

    def set(self, key: str, value: Any) -> None:
        self.store.setValue(key, value)

    # -- recent files ----------------------------------------------------------
    def recent_files(self) -> list[str]:
        """Recently opened data files that still exist, newest first (missing ones are pruned)."""
        stored = self.store.value("files/recent", []) or []
        if isinstance(stored, str):
            stored = [stored]
        existing = [p for p in stored if Path(p).is_file()]
        if existing != list(stored):
            self.store.setValue("files/recent", existing)
        return existing

    def add_recent_file(self, path: str | Path) -> None:
        path = str(Path(path).expanduser().resolve())
        files = [p for p in self.recent_files() if p != path]
        self.store.setValue("files/recent", [path, *files][:MAX_RECENT])

    def clear_recent_files(self) -> None:
        self.store.setValue("files/recent", [])

    # -- folders -------------------------------------------------------------------
    def project_dir(self) -> Path:
        from ..api import default_runs_dir

        stored = self.store.value("files/project_dir")
        return Path(stored) if stored else default_runs_dir()

    def set_project_dir(self, path: str | Path) -> None:
        self.store.setValue("files/project_dir", str(path))

    def last_dir(self, kind: str = "data") -> str:
        return str(self.store.value(f"files/last_{kind}_dir", str(Path.home())))

    def remember_dir(self, path: str | Path, kind: str = "data") -> None:
        path = Path(path)
        self.store.setValue(f"files/last_{kind}_dir", str(path if path.is_dir() else path.parent))

"""The image-augmentation setting as check boxes, with a live preview on one of the user's own images.

Seeing a few augmented copies tells a user at once whether a transform suits the
data (a mirrored digit or road sign is a different picture) before a run is spent
finding out.  The preview is made on the thread pool: opening a large photo
takes longer than a keystroke should.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QCheckBox, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ...api import TlStudioError
from ...api import AUGMENTATIONS, DESCRIPTIONS, parse_augment
from ..workers.background import LatestOnly

TITLES = {"flip": "&Flip", "crop": "C&rop", "color": "Co&lour"}
SIDE = 72  # thumbnail side in pixels
COPIES = 5  # augmented copies shown beside the original
NO_IMAGES = "Open an image dataset to preview augmentations on your own images."


def _strip(paths: list[Path], names: tuple[str, ...], seed: int):
    """Runs on the thread pool: thumbnails as (width, height, RGB bytes), which cross threads safely."""
    from ...api import preview_strip

    path, images, unreadable = preview_strip(paths, names, count=COPIES, seed=seed, side=SIDE)
    return path, [(im.width, im.height, im.tobytes("raw", "RGB")) for im in images], len(unreadable)


class AugmentPicker(QWidget):
    """Signals: changed(str): the setting's value, "none" or names joined by commas (``RunConfig.augment``)."""

    changed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._paths: list[Path] = []
        self._start = 0  # where in _paths the preview looks for a readable image
        self._shown: Path | None = None
        self._seed = 0
        self._jobs = LatestOnly(self, self._on_strip, self._on_failed, uses_transformers=False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        boxes = QHBoxLayout()
        self.boxes: dict[str, QCheckBox] = {}
        for name in AUGMENTATIONS:
            box = QCheckBox(TITLES[name], self)
            box.setToolTip(DESCRIPTIONS[name][:1].upper() + DESCRIPTIONS[name][1:] + ".")
            box.setAccessibleName(f"Augment: {name}")
            box.setAccessibleDescription(DESCRIPTIONS[name])
            box.setObjectName(f"augment_{name}")
            box.toggled.connect(self._on_toggled)
            boxes.addWidget(box)
            self.boxes[name] = box
        boxes.addStretch(1)
        self.again = QPushButton("&Another draw", self)
        self.again.setToolTip("Show other random augmentations of the next image in the data.")
        self.again.setAccessibleName("Show another augmentation preview")
        self.again.clicked.connect(self._another)
        boxes.addWidget(self.again)
        layout.addLayout(boxes)
        # Two rows of three: narrow enough for the settings column beside the backbone.
        row = QHBoxLayout()
        grid = QGridLayout()
        grid.setSpacing(4)
        self.thumbnails: list[QLabel] = []
        for i in range(1 + COPIES):
            label = QLabel(self)
            label.setFixedSize(SIDE + 4, SIDE + 4)
            label.setAlignment(Qt.AlignCenter)
            label.setFrameShape(QLabel.StyledPanel)
            label.setAccessibleName("Original image" if i == 0 else f"Augmented copy {i}")
            grid.addWidget(label, i // 3, i % 3)
            self.thumbnails.append(label)
        row.addLayout(grid)
        row.addStretch(1)
        layout.addLayout(row)
        self.caption = QLabel(self)
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet("color: palette(placeholder-text);")
        self.caption.setAccessibleName("Augmentation preview")
        layout.addWidget(self.caption)
        self._show_caption(NO_IMAGES)

    # -- the setting --------------------------------------------------------------------
    def value(self) -> str:
        names = [name for name in AUGMENTATIONS if self.boxes[name].isChecked()]
        return ",".join(names) if names else "none"

    def set_value(self, value: str | None) -> None:
        """Show ``value`` without emitting changed (an unknown name leaves every box unticked)."""
        try:
            names = parse_augment(value)
        except TlStudioError:  # a hand-edited setting: the run's own checks name it at launch
            names = ()
        for name, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(name in names)
            box.blockSignals(False)
        self._refresh()

    def _on_toggled(self, _on: bool) -> None:
        self.changed.emit(self.value())
        self._refresh()

    # -- the preview ----------------------------------------------------------------------
    def set_images(self, paths: list[Path]) -> None:
        """Images the preview may show (the data's image paths, in order); the first readable one is used."""
        if paths == self._paths:
            return
        self._paths = list(paths)
        self._start, self._shown, self._seed = 0, None, 0
        self._refresh()

    def _another(self) -> None:
        # The image after the one shown, with a new draw: other pictures and other random choices.
        if self._shown in self._paths:
            self._start = (self._paths.index(self._shown) + 1) % len(self._paths)
        self._seed += 1
        self._refresh()

    def _refresh(self) -> None:
        self.again.setEnabled(bool(self._paths))
        if not self._paths:
            for label in self.thumbnails:
                label.clear()
            self._show_caption(NO_IMAGES)
            return
        ordered = self._paths[self._start :] + self._paths[: self._start]
        paths, names, seed = ordered[:20], parse_augment(self.value()), self._seed
        self._jobs.request(lambda job: _strip(paths, names, seed))

    def _on_strip(self, result) -> None:
        path, images, skipped = result
        self._shown = path
        if path is None:
            for label in self.thumbnails:
                label.clear()
            self._show_caption(
                f"None of the first {min(20, len(self._paths))} images could be opened; the Data "
                "page lists unreadable images."
            )
            return
        for label, picture in zip(self.thumbnails, images + [None] * len(self.thumbnails)):
            if picture is None:
                label.clear()
                continue
            width, height, data = picture
            image = QImage(data, width, height, 3 * width, QImage.Format_RGB888).copy()
            label.setPixmap(QPixmap.fromImage(image))
        shown = Path(path).name
        if len(images) == 1:
            text = f"{shown}: tick a transform to see what training will do to images like it."
        else:
            text = f"{shown} and {len(images) - 1} augmented copies, as training may see it (each epoch draws anew)."
        if skipped:
            text += f" {skipped} unreadable image(s) skipped."
        self._show_caption(text)

    def _on_failed(self, failure) -> None:
        self._show_caption(f"No preview: {failure.message}")

    def _show_caption(self, text: str) -> None:
        self.caption.setText(text)

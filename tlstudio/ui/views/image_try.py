"""Trying an image classifier: drop an image (or choose a file) and see the class probabilities.

Signals: none; driven by ``set_model``, drops and the file button.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QFileDialog, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ..widgets.probability_bars import ProbabilityBars
from ..workers.background import LatestOnly

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff);;All files (*)"
THUMBNAIL = 224


def _load_classifier(model_dir):
    from ...api import load_predictor

    return load_predictor(model_dir)


class ImageTry(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model_dir: Path | None = None
        self.classifier = None
        self.image_path: Path | None = None
        self._loader = LatestOnly(self, self._on_loaded, self._on_load_failed)
        self._predictions = LatestOnly(self, self._on_prediction, self._on_prediction_failed)
        self.setAcceptDrops(True)

        self.thumbnail = QLabel("Drop an image here", self)
        self.thumbnail.setAlignment(Qt.AlignCenter)
        self.thumbnail.setMinimumSize(THUMBNAIL, THUMBNAIL)
        self.thumbnail.setFrameShape(QLabel.StyledPanel)
        self.thumbnail.setAccessibleName("Image to classify")
        choose = QPushButton("Choose an image…", self)
        choose.setAccessibleName("Choose an image file to classify")
        choose.clicked.connect(self.choose_image)
        self.verdict = QLabel("Load a model to try it.", self)
        self.verdict.setWordWrap(True)
        self.verdict.setAccessibleName("Prediction")
        self.bars = ProbabilityBars(self)

        box = QGroupBox("Try an image", self)
        row = QHBoxLayout(box)
        left = QVBoxLayout()
        left.addWidget(self.thumbnail)
        left.addWidget(choose)
        left.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(self.verdict)
        right.addWidget(self.bars)
        right.addStretch(1)
        row.addLayout(left)
        row.addLayout(right, 1)
        QVBoxLayout(self).addWidget(box)

    # -- model ----------------------------------------------------------------------------
    def set_model(self, model_dir) -> None:
        model_dir = Path(model_dir)
        if model_dir == self.model_dir:
            return
        self.model_dir, self.classifier = model_dir, None
        self.bars.clear()
        self.verdict.setText(f"Loading the model from {model_dir}…")
        self._loader.request(lambda job: _load_classifier(model_dir))

    def _on_loaded(self, classifier) -> None:
        if classifier.model_dir != self.model_dir:
            return
        self.classifier = classifier
        self.verdict.setText(f"Ready: {len(classifier.labels)} classes. Drop an image or choose a file.")
        if self.image_path is not None:
            self.classify(self.image_path)

    def _on_load_failed(self, failure) -> None:
        self.verdict.setText(f"Cannot load this model: {failure.text}")

    # -- images ---------------------------------------------------------------------------
    def choose_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose an image", "", IMAGE_FILTER)
        if path:
            self.classify(path)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 - Qt's name
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 - Qt's name
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            self.classify(urls[0].toLocalFile())

    def classify(self, path) -> None:
        self.image_path = Path(path)
        pixmap = QPixmap(str(self.image_path))
        if pixmap.isNull():
            self.thumbnail.setText("This file is not an image Qt can show.")
        else:
            # Small images (MNIST digits) are scaled up without smoothing so their pixels stay visible.
            mode = Qt.FastTransformation if max(pixmap.width(), pixmap.height()) < 64 else Qt.SmoothTransformation
            self.thumbnail.setPixmap(pixmap.scaled(THUMBNAIL, THUMBNAIL, Qt.KeepAspectRatio, mode))
        classifier, image = self.classifier, self.image_path
        if classifier is None:
            return
        self.verdict.setText(f"Classifying {image.name}…")
        self._predictions.request(lambda job: (image, classifier.predict([str(image)])[0]))

    def _on_prediction(self, result) -> None:
        image, prediction = result
        if image != self.image_path:
            return
        self.verdict.setText(f"<b>{prediction.label}</b> ({prediction.score:.1%}) — {image.name}")
        self.bars.set_scores(prediction.scores)

    def _on_prediction_failed(self, failure) -> None:
        self.bars.clear()
        self.verdict.setText(f"Cannot classify this file: {failure.text}")

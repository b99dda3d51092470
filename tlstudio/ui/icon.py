"""The app's icon, drawn in code so it needs no image files: a rising curve on a rounded square."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap


def app_icon() -> QIcon:
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128, 256):
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setBrush(QColor("#1f4e9c"))
        painter.setPen(Qt.NoPen)
        painter.drawRoundedRect(QRectF(0, 0, size, size), size * 0.2, size * 0.2)
        curve = QPainterPath(QPointF(size * 0.18, size * 0.78))
        curve.cubicTo(
            QPointF(size * 0.45, size * 0.75), QPointF(size * 0.5, size * 0.3), QPointF(size * 0.82, size * 0.22)
        )
        painter.setPen(QPen(QColor("#ffffff"), max(1.5, size * 0.09), Qt.SolidLine, Qt.RoundCap))
        painter.setBrush(Qt.NoBrush)
        painter.drawPath(curve)
        painter.setPen(Qt.NoPen)
        painter.setBrush(QColor("#E69F00"))
        radius = max(1.5, size * 0.08)
        painter.drawEllipse(QPointF(size * 0.82, size * 0.22), radius, radius)
        painter.end()
        icon.addPixmap(pixmap)
    return icon

"""The label cell's editor: a combo box with the class list that also takes a new class name."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QStyledItemDelegate


class ClassDelegate(QStyledItemDelegate):
    def __init__(self, classes_source, parent=None):
        super().__init__(parent)
        self._classes = classes_source  # a callable returning the current class list

    def createEditor(self, parent, option, index):
        editor = QComboBox(parent)
        editor.setEditable(True)
        editor.setInsertPolicy(QComboBox.NoInsert)
        editor.addItems(self._classes())
        editor.setAccessibleName("Class")
        return editor

    def setEditorData(self, editor: QComboBox, index) -> None:
        current = index.data(Qt.EditRole) or ""
        position = editor.findText(current)
        if position >= 0:
            editor.setCurrentIndex(position)
        else:
            editor.setEditText(current)
        editor.lineEdit().selectAll()

    def setModelData(self, editor: QComboBox, model, index) -> None:
        model.setData(index, editor.currentText(), Qt.EditRole)

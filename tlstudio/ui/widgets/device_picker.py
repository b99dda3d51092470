"""Which device trains and in which number format: each GPU found, or the CPU, with precision."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QWidget


class DevicePicker(QGroupBox):
    """Signals: device_chosen(str id: 'auto', 'cpu', 'cuda:N'), precision_chosen(str: 'auto', 'fp32', ...)."""

    device_chosen = Signal(str)
    precision_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Device", parent)
        self.devices: list[dict] = []
        self.auto_precision = "fp32"  # what 'auto' means on the chosen device
        self._wanted_device, self._wanted_precision = "auto", "auto"
        form = QFormLayout(self)
        self.device_combo = QComboBox(self)
        self.device_combo.setAccessibleName("Device")
        self.device_combo.addItem("Detecting devices…", "auto")
        self.device_combo.currentIndexChanged.connect(self._on_device_index)
        self.precision_combo = QComboBox(self)
        self.precision_combo.setAccessibleName("Precision")
        self.precision_combo.currentIndexChanged.connect(self._on_precision_index)
        note = QLabel("bf16/fp16 train faster on GPUs that support them; fp32 is exact everywhere.", self)
        note.setWordWrap(True)
        form.addRow("Train on", self.device_combo)
        form.addRow("Precision", self.precision_combo)
        form.addRow("", note)
        self._fill_precisions()

    def set_devices(self, devices: list[dict]) -> None:
        """The devices found (``core.training.hardware.available_devices`` plus memory)."""
        self.devices = devices
        self.device_combo.blockSignals(True)
        self.device_combo.clear()
        gpus = [d for d in devices if d["id"] != "cpu"]
        self.device_combo.addItem(f"Automatic ({gpus[0]['name'] if gpus else 'CPU'})", "auto")
        for device in devices:
            self.device_combo.addItem(device["name"], device["id"])
        self.device_combo.setCurrentIndex(max(0, self.device_combo.findData(self._wanted_device)))
        self.device_combo.blockSignals(False)
        self._fill_precisions()

    def show_choice(self, device: str, precision: str) -> None:
        """Show a config's device and precision without emitting signals."""
        self._wanted_device, self._wanted_precision = device, precision
        for combo, value in ((self.device_combo, device), (self.precision_combo, precision)):
            index = combo.findData(value)
            if index >= 0:
                combo.blockSignals(True)
                combo.setCurrentIndex(index)
                combo.blockSignals(False)

    def device(self) -> dict | None:
        """The chosen device's description ('auto' resolved to the device a run would use)."""
        from ...api import resolve_device

        return resolve_device(self.devices, self.device_combo.currentData() or "auto")

    def precision(self) -> str:
        """The chosen precision with 'auto' resolved."""
        chosen = self.precision_combo.currentData() or "auto"
        return self.auto_precision if chosen == "auto" else chosen

    def _fill_precisions(self) -> None:
        from ...api import resolve_precision

        device = self.device()
        supported = device["precisions"] if device else ["fp32"]
        self.auto_precision = resolve_precision(device, "auto")
        self.precision_combo.blockSignals(True)
        self.precision_combo.clear()
        self.precision_combo.addItem(f"Automatic ({self.auto_precision})", "auto")
        for precision in supported:
            self.precision_combo.addItem(precision, precision)
        self.precision_combo.setCurrentIndex(max(0, self.precision_combo.findData(self._wanted_precision)))
        self.precision_combo.blockSignals(False)

    def _on_device_index(self, _index: int) -> None:
        if self.device_combo.currentData() is None:
            return
        self._wanted_device = self.device_combo.currentData()
        self._fill_precisions()
        self.device_chosen.emit(self._wanted_device)

    def _on_precision_index(self, _index: int) -> None:
        if self.precision_combo.currentData() is not None:
            self._wanted_precision = self.precision_combo.currentData()
            self.precision_chosen.emit(self._wanted_precision)

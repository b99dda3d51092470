"""What the label modes of text classification (single label, multi-label, regression) share.

A mode decides how a label cell is read, what the model's head and loss are,
and how predictions are scored; ``text_classification`` drives them through
this protocol.  The defaults here are the common case; each mode overrides what
differs.
"""

from __future__ import annotations

from typing import Any

from ..progress import Message


class LabelMode:
    name = ""
    problem_type = ""
    label_kind = ""  # what a label cell holds under this mode (see Task.label_kind)

    def encode(self, targets: list, names: list[str]) -> list:
        raise NotImplementedError

    def dataset_labels(self, targets: list, data) -> list:
        """The labels the model trains on."""
        return self.encode(targets, data.label_names)

    def model_kwargs(self, names: list[str]) -> dict[str, Any]:
        return {"num_labels": len(names), "problem_type": self.problem_type}

    def prepare_model(self, model, data) -> None:
        """Adjust a freshly built model before training (nothing by default)."""

    def loss_function(self, data):
        """None keeps the model's own loss for its ``problem_type``."""
        return None


def with_warning(report: dict, warning: str | None, sink=None) -> dict:
    """Put a baseline warning (the model barely beats a trivial guess) in the report and tell the user."""
    if warning:
        report["warning"] = warning
        if sink is not None:
            sink.emit(Message("warning", warning))
    return report

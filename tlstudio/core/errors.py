"""Errors a user can act on.

Every failure caused by the user's input (a bad file, a wrong column name, an
argument that makes no sense) is raised as a :class:`TlStudioError`.  The CLI
prints it as one ``error: ...`` line and exits 2; the app shows it in a
message box.  Anything else is a bug and may carry a traceback.
"""

from __future__ import annotations


class TlStudioError(Exception):
    """A problem the user can fix.

    ``message`` says what is wrong, naming the file, row or column; ``hint``
    says what to do about it.
    """

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} {self.hint}"
        return self.message


class DataError(TlStudioError):
    """The dataset cannot be read or does not fit the task."""


class ConfigError(TlStudioError):
    """The run configuration or a command-line argument is invalid."""


class BackboneError(TlStudioError):
    """The backbone cannot be found or is refused for safety."""


class DamagedModelError(BackboneError):
    """A model file is cut short, corrupt, or does not describe a model transformers can build."""


class UnsafeModelError(BackboneError):
    """The model would need pickle loading or remote code, which is refused."""


class PickleWeightsRefused(UnsafeModelError):
    """The model's only weights are a pickle; the user may allow them (``allow_pickle``) if they trust the source.

    The app catches this one to offer that choice, showing ``backbones.PICKLE_RISK``;
    every other :class:`UnsafeModelError` (remote code) cannot be overridden.
    """


class RunCancelled(Exception):
    """Raised inside the engine when the user's cancel token is set.

    Not a user error: cancelling is a normal way for a run to end.
    """

"""How an exception from background work reaches the user: one frozen value, two kinds.

A :class:`TlStudioError` is the user's to fix: its message and hint are shown,
no traceback.  Anything else is a bug: it is written to the log file and the
dialog offers the details to copy into a report.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from ...api import TlStudioError


@dataclass(frozen=True)
class Failure:
    message: str
    hint: str | None = None
    details: str | None = None  # the traceback, for bugs only
    user_error: bool = True
    log_file: str | None = None
    # The model's weights are only a pickle: the user may allow them after reading backbones.PICKLE_RISK.
    pickle_refused: bool = False

    @property
    def text(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


def failure_from_exception(exc: BaseException) -> Failure:
    if isinstance(exc, TlStudioError):
        from ...api import PickleWeightsRefused

        message = exc.message[:1].upper() + exc.message[1:]
        return Failure(message, exc.hint, pickle_refused=isinstance(exc, PickleWeightsRefused))
    from ...api import log_exception

    try:
        log_file = str(log_exception(exc))
    except OSError:
        log_file = None
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return Failure(
        f"tlstudio hit an unexpected problem: {type(exc).__name__}: {exc}",
        "The details below were also written to the log file; please include them in a report.",
        details,
        user_error=False,
        log_file=log_file,
    )

"""How long something took or has left, written for people: the command line and the app show the same text."""

from __future__ import annotations


def format_duration(seconds: float | None) -> str:
    """``'1h05m'``, ``'3m07s'`` or ``'42s'``; ``'?'`` while there is no estimate yet."""
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"

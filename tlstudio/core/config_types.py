"""Settings values from run.json or the command line turned into each RunConfig field's annotated type.

Conversion follows the annotation itself (unions, ``X | None``, ``Literal``, ``list[...]``), so a field typed
``list | str | None`` refuses a dict; a refused value is one ConfigError naming the flag or the run.json key.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from pathlib import Path
from typing import Any

from .errors import ConfigError


@functools.cache
def type_hints(cls: type) -> dict[str, Any]:
    """The fields' annotations as types (they are strings here, under ``from __future__ import annotations``)."""
    return typing.get_type_hints(cls)


class _Mismatch(Exception):
    """A value that one type of an annotation cannot take (the caller words the error)."""


def coerce(name: str, kind: Any, value: Any, source: str, default: Any = None) -> Any:
    """Turn a JSON or command-line value into the annotated type ``kind``, or explain why not."""
    try:
        return _convert(kind, value)
    except _Mismatch:
        pass
    if source == "the command line":  # a flag cannot say null: leaving it out is how to unset it
        flag = "--" + name.replace("_", "-")
        expected = _describe(kind, null=False)
        raise ConfigError(
            f"{flag} must be {expected}, got {_shown(value)}.",
            f"Pass {flag} {expected}, or leave it out for the default.",
        )
    expected = _describe(kind)
    where = f"setting '{name}'" if source == "the configuration" else f"{source}: key '{name}'"
    default_text = "" if default is dataclasses.MISSING or default is None else f" ({_shown(default)})"
    raise ConfigError(
        f"{where} must be {expected}, got {_shown(value)}.",
        f"Write {expected} there, or remove the key for the default{default_text}.",
    )


def _convert(kind: Any, value: Any) -> Any:
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return None
        # A value already of one of the types keeps it (a list stays a list for `list | str`); otherwise the
        # first type that can take it wins, in the order the annotation gives.
        for option in options:
            if option is not type(None) and _is_exactly(option, value):
                return value
        for option in options:
            if option is not type(None):
                try:
                    return _convert(option, value)
                except _Mismatch:
                    continue
        raise _Mismatch
    if origin is typing.Literal:
        if value in typing.get_args(kind):
            return value
        raise _Mismatch
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise _Mismatch
        args = typing.get_args(kind)
        return [_convert(args[0], item) for item in value] if args and origin is list else list(value)
    if value is None or isinstance(value, bool) and kind is not bool:
        raise _Mismatch
    if kind is bool:
        return _to_bool(value)
    if kind is int:
        return _to_int(value)
    if kind is float:
        try:
            return float(value)  # numbers written as text ("1e-4", from a form or a flag) count too
        except (TypeError, ValueError):
            raise _Mismatch from None
    if kind is str or kind is Path:
        # A number is a fine name (a sheet called 2024); a list or an object is not a string at all.
        if isinstance(value, (str, int, float)):
            return kind(str(value))
        raise _Mismatch
    if kind is list or kind is dict:
        if isinstance(value, kind):
            return value
        raise _Mismatch
    if kind is Any:
        return value
    raise TypeError(f"RunConfig has a setting of a type it cannot read: {kind!r}")


def _is_exactly(kind: Any, value: Any) -> bool:
    """Whether ``value`` already is of the plain type ``kind`` (a bool is not an int here)."""
    plain = typing.get_origin(kind) or kind
    if not isinstance(plain, type) or isinstance(value, bool) and plain is not bool:
        return False
    return isinstance(value, plain) and (plain is not list or not typing.get_args(kind))


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (str, int)):  # 1/0 and yes/no, as forms and hand-written files say them
        text = str(value).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off"):
            return False
    raise _Mismatch


def _to_int(value: Any) -> int:
    if not isinstance(value, (str, int, float)):
        raise _Mismatch
    try:
        number = float(value)  # "3", 3.0 and "3.0" are all three
    except ValueError:
        raise _Mismatch from None
    if not number.is_integer():
        raise _Mismatch
    return int(number)


_NAMES = {
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    str: "a string",
    Path: "a path",
    list: "a list",
    dict: "an object",
}


def _describe(kind: Any, *, null: bool = True) -> str:
    """``kind`` in words, for messages: 'a whole number', 'a list or a string (or null)'."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        words = [_describe(option) for option in typing.get_args(kind) if option is not type(None)]
        return " or ".join(words) + (" (or null)" if null and type(None) in typing.get_args(kind) else "")
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(choice) for choice in typing.get_args(kind))
    if origin in (list, tuple):
        return "a list"
    return _NAMES.get(kind, str(kind))


def _shown(value: Any) -> str:
    """A value as run.json would write it, cut short when long (a whole sub-task list, say)."""
    try:
        text = (
            json.dumps(value, ensure_ascii=False)
            if value is None or isinstance(value, (bool, dict, list))
            else repr(value)
        )
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

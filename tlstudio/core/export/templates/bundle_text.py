"""Reading texts and printing answers safely, for this bundle's predict.py.

Texts come from people's files: standard input may not be UTF-8 (an old
Windows export), and a text may hold terminal control sequences (ANSI colour
codes, a cursor move) or right-to-left overrides that would rewrite what the
terminal shows.  Texts are read whatever their encoding and printed with those
characters made visible.  Written by tlstudio; it does not need tlstudio to run.
"""

import json
import sys
import unicodedata

# Characters that reorder or hide text on screen (bidirectional overrides and isolates, zero-width marks).
_INVISIBLE = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\u2060\ufeff")


def read_stdin_lines():
    """Standard input's non-blank lines: UTF-8 when it is, else Windows-1252 (which reads any byte)."""
    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        print("note: standard input is not UTF-8; it was read as Windows-1252 (Latin-1).", file=sys.stderr)
    return [line for line in text.splitlines() if line.strip()]


def printable(text):
    """``text`` with control, formatting and direction-changing characters shown as \\uXXXX escapes (tabs,
    which separate the columns of an answer, stay)."""
    out = []
    for ch in str(text):
        if ch in _INVISIBLE or (unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch != "\t"):
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def dumps(value):
    """JSON for the terminal: readable non-ASCII text, but direction-changing characters escaped."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return "".join(
        f"\\u{ord(ch):04x}" if ch in _INVISIBLE or unicodedata.category(ch) in ("Cf", "Zl", "Zp") else ch for ch in text
    )

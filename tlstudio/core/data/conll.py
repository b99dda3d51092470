"""CoNLL-style token files: one ``token tag`` per line, a blank line between sentences.

Read into a table with one row per sentence and two list columns,
``tokens`` and ``tags``, so the rest of tlstudio (preview, roles, the
token-classification task) treats them like a JSON Lines file of the same
shape.  Extra columns between the token and the tag (CoNLL-2003's part of
speech and chunk tags) are ignored: the first field is the token and the
last is the tag, and a note says so.  ``-DOCSTART-`` lines and ``#`` comment
lines are skipped.  Tags are O, prefixed (B-PER, I-PER, BIOES, BILOU) or, all
through a file, bare types (IO: PER); a bare tag in a file of prefixed ones is
a stray (a wrong column, a typo) and is refused by line rather than becoming
an entity type.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import DataError
from . import sniff
from .table import Table, list_numbers

CONLL_SUFFIXES = {".conll", ".iob", ".bio", ".conllu"}
TAG = re.compile(r"^(O|[BIESLU][-_].+)$")
# A .txt file is read as CoNLL when this share of its first non-blank lines end in a tag.
SNIFF_LINES = 200
SNIFF_SHARE = 0.9


def looks_like_conll(raw: bytes) -> bool:
    """Whether the start of a .txt file reads as ``token ... tag`` lines."""
    try:
        text = raw[:65536].decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw[:65536].decode("latin-1")
    lines = [line for line in text.splitlines()[:-1] if line.strip() and not line.startswith("-DOCSTART-")]
    lines = lines[:SNIFF_LINES]
    if len(lines) < 2:
        return False
    tagged = sum(1 for line in lines if len(line.split()) >= 2 and TAG.match(line.split()[-1]))
    # Mostly "O", or at least several entity tags: a CSV of sentences rarely ends lines in either.
    return tagged / len(lines) >= SNIFF_SHARE


def read_conll(path: Path, nrows: int | None) -> Table:
    import pandas as pd

    raw = path.read_bytes()
    encoding = sniff.detect_encoding(raw, complete=True, name=str(path))
    text = raw.decode(encoding).lstrip("\ufeff")
    sentences: list[tuple[list[str], list[str]]] = []
    starts: list[int] = []
    tokens: list[str] = []
    tags: list[str] = []
    malformed: list[int] = []
    widest, widest_line = 2, 0  # the most fields on a line, and the first line with that many
    bare: dict[str, list[int]] = {}  # tags that are neither O nor prefixed -> their lines
    prefixed = False
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0] == "-DOCSTART-":
            if tokens:
                sentences.append((tokens, tags))
                starts.append(start)
                tokens, tags = [], []
                if nrows and len(sentences) >= nrows:
                    break
            continue
        if fields[0].startswith("#") and (len(fields) < 2 or not TAG.match(fields[-1])):
            continue  # a comment line (CoNLL-U sentence ids and text)
        if len(fields) < 2:
            malformed.append(number)
            continue
        if not tokens:
            start = number
        if len(fields) > widest:
            widest, widest_line = len(fields), number
        if TAG.match(fields[-1]):
            prefixed = prefixed or fields[-1] != "O"
        else:
            bare.setdefault(fields[-1], []).append(number)
        tokens.append(fields[0])
        tags.append(fields[-1])
    else:
        if tokens:
            sentences.append((tokens, tags))
            starts.append(start)
    if not sentences:
        raise DataError(
            f"{path} holds no sentences.", "Write one 'token tag' pair per line, a blank line between sentences."
        )
    if len(malformed) > max(10, len(sentences) // 10):
        raise DataError(
            f"{path} does not read as a CoNLL file: line(s) {list_numbers(malformed)} hold a single field.",
            "Each line needs a token and its tag separated by a space or tab; sentences are separated by blank lines.",
        )
    if prefixed and bare:
        _refuse_stray_tags(path, bare)
    frame = pd.DataFrame(
        {
            "tokens": pd.Series([s[0] for s in sentences], dtype=object),
            "tags": pd.Series([s[1] for s in sentences], dtype=object),
        }
    )
    table = Table(frame, path, "conll", encoding, complete=not nrows or len(sentences) < nrows)
    table.row_lines = starts
    if malformed:
        table.warnings.append(f"{path}: skipped {len(malformed)} line(s) without a tag ({list_numbers(malformed)}).")
    if widest > 2:
        table.warnings.append(
            f"{path}: lines have up to {widest} fields (line {widest_line}); the first field is "
            f"read as the token and the last as its tag, the {widest - 2} between are ignored."
        )
    return table


def _refuse_stray_tags(path: Path, bare: dict[str, list[int]]) -> None:
    """Bare tags ('PER', 'NNP', 'o') in a file whose entities are prefixed: name them and their lines."""
    lines = sorted(line for found in bare.values() for line in found)
    names = ", ".join(f"'{tag}'" for tag in sorted(bare, key=lambda t: bare[t][0])[:5])
    more = f" and {len(bare) - 5} more" if len(bare) > 5 else ""
    raise DataError(
        f"{path}: line(s) {list_numbers(lines)} end in tag(s) {names}{more} that are neither O nor a B-/I- "
        "(or E-/S-, L-/U-) tag, while the rest of the file uses prefixed tags.",
        "Fix those tags (for example B-PER), or check that the tag is the last field of each line.",
    )

"""Reading entity-tagging data into sentences of tokens with BIO tags.

Three shapes are accepted, per row:

* a list of tokens and a list of tags of the same length (JSON/JSONL, CoNLL files);
* a string of tokens and a string of tags, both split on spaces (CSV);
* a text and a list of entity spans, ``{"start", "end", "label"}`` objects or
  ``[start, end, label]`` triples with character offsets into the text.

Tags may be BIO, IO (``I-PER`` or a bare ``PER``), BIOES or BILOU; all are
turned into BIO, the scheme the exported model's
``pipeline(aggregation_strategy="simple")`` groups by.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..data.table import Table, list_numbers
from ..errors import DataError
from ..progress import Message

# Words for span annotations and free text: runs of letters and digits (keeping inner - . and
# apostrophes, as in "e-mail", "U.S" or "don't"), a possessive 's on its own, or a single symbol.
WORD = re.compile(r"\w+(?:[-.]\w+)*(?:['’](?!s\b)\w+)*|['’]s\b|[^\w\s]")
PREFIXES = {"B": "B", "I": "I", "E": "I", "L": "I", "S": "B", "U": "B"}


@dataclass
class TagRows:
    tokens: list[list[str]]
    tags: list[list[str]]  # BIO
    rows: list[int]
    texts: list[str | None]  # the original text for span rows, else None
    counts: dict[str, int] = field(default_factory=dict)
    scheme: str = "BIO"
    notes: list[str] = field(default_factory=list)

    def take(self, positions: list[int]) -> "TagRows":
        return TagRows(
            [self.tokens[p] for p in positions],
            [self.tags[p] for p in positions],
            [self.rows[p] for p in positions],
            [self.texts[p] for p in positions],
        )


def words_with_offsets(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in WORD.finditer(text)]


def entity_type(tag: str) -> str | None:
    return None if tag == "O" else tag[2:]


def split_tag(tag: str) -> tuple[str, str | None]:
    """``(prefix, type)`` of a tag in any supported scheme: ``B-PER`` -> (B, PER), ``PER`` -> (I, PER)."""
    if tag == "O":
        return "O", None
    if len(tag) > 2 and tag[1] in "-_" and tag[0].upper() in PREFIXES:
        return tag[0].upper(), tag[2:]
    return "", tag  # a bare type: IO without prefixes


def to_bio(tags: list[str]) -> tuple[list[str], int]:
    """BIO tags for tags in any supported scheme, and how many entity starts had to be inferred."""
    out, inferred, previous = [], 0, None
    for tag in tags:
        prefix, kind = split_tag(tag)
        if kind is None:
            out.append("O")
            previous = None
            continue
        begins = PREFIXES.get(prefix, "I") == "B"
        if not begins and previous != kind:
            begins = True
            inferred += prefix == "I"
        out.append(("B-" if begins else "I-") + kind)
        # BIOES/BILOU: an E-/L-/S-/U- tag closes the entity.
        previous = None if prefix in ("E", "L", "S", "U") else kind
    return out, inferred


def detect_scheme(all_tags: Counter) -> str:
    prefixes = {split_tag(tag)[0] for tag in all_tags}
    if "" in prefixes:
        return "IO (bare types)"
    if prefixes & {"E", "S"}:
        return "BIOES"
    if prefixes & {"L", "U"}:
        return "BILOU"
    if "B" in prefixes:
        return "BIO"
    return "IO"


def tags_from_spans(text: str, spans: list, where: str) -> tuple[list[str], list[str], int]:
    """Tokens and BIO tags for a text with character spans; also how many spans cut a word."""
    words = words_with_offsets(text)
    tags = ["O"] * len(words)
    misaligned = 0
    for span in spans:
        if isinstance(span, dict):
            start, end, label = span.get("start"), span.get("end"), span.get("label", span.get("type"))
        elif isinstance(span, (list, tuple)) and len(span) == 3:
            start, end, label = span
        else:
            raise DataError(f"{where}: a span must be {{start, end, label}} or [start, end, label], got {span!r}.")
        if not isinstance(start, int) or not isinstance(end, int) or not label or not 0 <= start < end <= len(text):
            raise DataError(
                f"{where}: span {span!r} does not fit the text ({len(text)} characters).",
                "Spans are character offsets: 0 <= start < end <= the text's length.",
            )
        inside = [i for i, (_, s, e) in enumerate(words) if s < end and e > start]
        if inside and (words[inside[0]][1] != start or words[inside[-1]][2] != end):
            misaligned += 1
        for n, i in enumerate(inside):
            tags[i] = ("B-" if n == 0 else "I-") + str(label)
    return [w for w, _, _ in words], tags, misaligned


def read_tag_rows(table: Table, tokens_column: str, tags_column: str, sink) -> TagRows:
    """Every usable sentence as tokens and BIO tags; bad rows are named."""
    tokens_out, tags_out, rows, texts = [], [], [], []
    empty, mismatched, numeric = [], [], []
    seen: Counter = Counter()
    inferred = misaligned = 0
    for number, (tokens, tags) in enumerate(
        zip(table.frame[tokens_column].tolist(), table.frame[tags_column].tolist()), start=1
    ):
        where = f"{table.path}, {table.where(number)}"
        text = None
        if _is_empty(tokens) or tags is None or (isinstance(tags, float) and tags != tags):
            empty.append(number)
            continue
        if isinstance(tokens, str) and isinstance(tags, list) and (not tags or not isinstance(tags[0], str)):
            text = tokens
            tokens, tags, cut = tags_from_spans(text, tags, where)
            misaligned += cut
        else:
            tokens = tokens.split() if isinstance(tokens, str) else tokens
            tags = tags.split() if isinstance(tags, str) else tags
        if not isinstance(tokens, list) or not isinstance(tags, list):
            raise DataError(f"{where}: tokens and tags must be lists (or strings of space-separated items).")
        if any(not isinstance(t, str) for t in tags):
            numeric.append(number)
            continue
        if len(tokens) != len(tags):
            mismatched.append((number, len(tokens), len(tags)))
            continue
        if not tokens:
            empty.append(number)
            continue
        seen.update(tags)
        bio, count = to_bio([t.strip() for t in tags])
        inferred += count
        tokens_out.append([str(t) for t in tokens])
        tags_out.append(bio)
        rows.append(number)
        texts.append(text)
    _raise_for_bad_rows(table, tags_column, numeric, mismatched)
    if not tokens_out:
        raise DataError(
            f"{table.path} has no sentences with both tokens ('{tokens_column}') and tags ('{tags_column}').",
            "Check the column names with --tokens-column and --tags-column.",
        )
    result = TagRows(tokens_out, tags_out, rows, texts, scheme=detect_scheme(seen))
    result.counts = {
        "sentences": len(tokens_out),
        "tokens": sum(map(len, tokens_out)),
        "empty_skipped": len(empty),
        "span_rows": sum(text is not None for text in texts),
    }
    if empty:
        sink.emit(
            Message(
                "warning", f"{table.path}: skipped {len(empty)} row(s) without tokens or tags ({list_numbers(empty)})."
            )
        )
    if result.scheme == "BIO":
        if inferred:
            result.notes.append(f"{inferred} entities start with an I- tag; read as B- (the BIO convention)")
    elif result.scheme.startswith("IO"):
        result.notes.append(
            f"tags are {result.scheme}; converted to BIO (in IO, two neighbouring entities of one type read as one)"
        )
    else:
        result.notes.append(f"tags are {result.scheme}; converted to BIO")
    if misaligned:
        result.notes.append(f"{misaligned} span(s) start or end inside a word; the whole word is tagged")
    for note in result.notes:
        sink.emit(Message("info", f"{table.path}: {note}."))
    return result


def _is_empty(value: Any) -> bool:
    return (
        value is None or (isinstance(value, float) and value != value) or (isinstance(value, (str, list)) and not value)
    )


def _raise_for_bad_rows(table: Table, tags_column: str, numeric: list[int], mismatched: list[tuple]) -> None:
    if numeric:
        raise DataError(
            f"column '{tags_column}' of {table.path} holds numbers, not tag names, in "
            f"{table.where(numeric[0])} and {len(numeric) - 1} more row(s).",
            "Write the tags as names (B-PER, I-PER, O); numbered tags need their names to be meaningful.",
        )
    if mismatched:
        number, n_tokens, n_tags = mismatched[0]
        raise DataError(
            f"{table.path}, {table.where(number)}: {n_tokens} tokens but {n_tags} tags"
            + (f" (and {len(mismatched) - 1} more row(s) like it)" if len(mismatched) > 1 else "")
            + ".",
            "Each token needs exactly one tag.",
        )

"""Suggest which column plays which part, and say why.

The app pre-fills its column pickers with these suggestions and shows the
reason next to each; the CLI prints them when a column flag is omitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .column_names import IMAGE_NAMES, LABEL_NAMES, NUMBER_NAMES, SEQ2SEQ_NAMES, TAG_NAMES, TEXT_NAMES  # noqa: F401
from .profiles import CELL_BUDGET, MAX_CANDIDATES, SAMPLE_ROWS, Candidates, candidate_columns, column_profile  # noqa: F401

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class RoleSuggestion:
    role: str
    column: str | None
    reason: str


def suggest_text_column(frame: "pd.DataFrame", exclude: tuple[str, ...] = ()) -> RoleSuggestion:
    best, best_score, best_profile = None, -1.0, None
    candidates = candidate_columns(frame, TEXT_NAMES, exclude)
    for column in candidates.columns:
        profile = candidates.profile(frame, column)
        if profile["string_share"] < 0.8 or profile["filled"] == 0:
            continue
        score = profile["mean_length"] * (0.3 + 0.7 * profile["distinct"] / max(1, profile["filled"]))
        if str(column).lower() in TEXT_NAMES:
            score *= 1.5
        if score > best_score:
            best, best_score, best_profile = column, score, profile
    if best is None:
        return RoleSuggestion("text", None, "no column holds free text" + candidates.note)
    reason = f"longest free text (about {best_profile['mean_words']:.0f} words a row, mostly distinct)"
    if str(best).lower() in TEXT_NAMES:
        reason = f"named '{best}' and " + reason
    return RoleSuggestion("text", str(best), reason + candidates.note)


def suggest_label_column(frame: "pd.DataFrame", exclude: tuple[str, ...] = ()) -> RoleSuggestion:
    rows = min(len(frame), SAMPLE_ROWS)
    limit = max(2, min(100, rows // 5))
    best, best_score, best_profile = None, -1.0, None
    candidates = candidate_columns(frame, LABEL_NAMES, exclude)
    for column in candidates.columns:
        profile = candidates.profile(frame, column)
        if profile["list_share"] > 0 or not 2 <= profile["distinct"] <= limit:
            continue
        if profile["string_share"] > 0.5 and profile["mean_words"] > 4:
            continue  # sentences, not class names
        score = 1.0 - profile["distinct"] / (limit + 1)
        if str(column).lower() in LABEL_NAMES:
            score += 1.0
        if score > best_score:
            best, best_score, best_profile = column, score, profile
    if best is None:
        return RoleSuggestion("label", None, f"no column has between 2 and {limit} distinct values" + candidates.note)
    reason = f"{best_profile['distinct']} distinct values"
    if str(best).lower() in LABEL_NAMES:
        reason = f"named '{best}', " + reason
    return RoleSuggestion("label", str(best), reason + candidates.note)


def suggest_number_column(frame: "pd.DataFrame", exclude: tuple[str, ...] = ()) -> RoleSuggestion:
    """A numeric target for regression: every filled cell a number, and more than two distinct values."""
    best, best_score, best_distinct = None, -1.0, 0
    candidates = candidate_columns(frame, LABEL_NAMES + NUMBER_NAMES, exclude)
    for column in candidates.columns:
        values = [v for v in frame[column].iloc[: candidates.rows].tolist() if _filled(v)]
        numbers = [_as_number(v) for v in values]
        if not values or any(n is None for n in numbers) or len(set(numbers)) < 3:
            continue
        score = 1.0 + (1.0 if str(column).lower() in LABEL_NAMES + NUMBER_NAMES else 0.0)
        if score > best_score:
            best, best_score, best_distinct = column, score, len(set(numbers))
    if best is None:
        return RoleSuggestion("label", None, "no column holds only numbers" + candidates.note)
    return RoleSuggestion(
        "label", str(best), f"numbers in every row ({best_distinct} distinct values)" + candidates.note
    )


def suggest_label_set_column(frame: "pd.DataFrame", exclude: tuple[str, ...] = ()) -> RoleSuggestion:
    """Several labels per row: a column of lists, else a short-string column that reads as labels."""
    candidates = candidate_columns(frame, LABEL_NAMES, exclude)
    for column in candidates.columns:
        if candidates.profile(frame, column)["list_share"] > 0.5:
            return RoleSuggestion("label", str(column), "holds a list of labels in each row")
    named = [c for c in frame.columns if c not in exclude and str(c).lower() in LABEL_NAMES]
    if named:
        return RoleSuggestion("label", str(named[0]), f"named '{named[0]}'")
    return suggest_label_column(frame, exclude)


def suggest_token_columns(frame: "pd.DataFrame") -> dict[str, RoleSuggestion]:
    """Tokens and tags for entity tagging: two list columns of equal length per row, or text plus spans."""
    candidates = candidate_columns(frame, TAG_NAMES + ("tokens", "words"))
    lists = [c for c in candidates.columns if candidates.profile(frame, c)["list_share"] > 0.5]
    spans = [c for c in lists if _holds_spans(frame[c])]
    tag_like = [c for c in lists if c not in spans and str(c).lower() in TAG_NAMES]
    token_like = [c for c in lists if c not in spans and c not in tag_like]
    if spans:
        text = suggest_text_column(frame, exclude=tuple(lists))
        return {
            "tokens": RoleSuggestion("tokens", text.column, f"the text the spans in '{spans[0]}' point into"),
            "tags": RoleSuggestion("tags", str(spans[0]), "holds {start, end, label} spans"),
        }
    tags = tag_like[0] if tag_like else (lists[1] if len(lists) > 1 else None)
    tokens = next((c for c in token_like if c != tags), None)
    return {
        "tokens": RoleSuggestion(
            "tokens",
            str(tokens) if tokens else None,
            ("a list of tokens in each row" if tokens else "no column holds token lists") + candidates.note,
        ),
        "tags": RoleSuggestion(
            "tags",
            str(tags) if tags else None,
            ("a list of tags in each row" if tags else "no column holds tag lists") + candidates.note,
        ),
    }


def suggest_seq2seq_columns(frame: "pd.DataFrame", shortens: bool) -> dict[str, RoleSuggestion]:
    """Source and target: where the target shortens the source (a summary) the longer text is the source;
    otherwise (a translation) the first text column."""
    candidates = candidate_columns(frame, tuple(name for pair in SEQ2SEQ_NAMES for name in pair))
    texts = [c for c in candidates.columns if candidates.profile(frame, c)["string_share"] >= 0.8]
    named = {str(c).lower(): c for c in texts}
    for source_name, target_name in SEQ2SEQ_NAMES:
        if source_name in named and target_name in named:
            return {
                "source": RoleSuggestion("source", str(named[source_name]), f"named '{named[source_name]}'"),
                "target": RoleSuggestion("target", str(named[target_name]), f"named '{named[target_name]}'"),
            }
    if len(texts) < 2:
        missing = RoleSuggestion("source", None, "fewer than two text columns" + candidates.note)
        return {"source": missing, "target": RoleSuggestion("target", None, missing.reason)}
    if shortens:
        by_length = sorted(texts[:6], key=lambda c: -candidates.profile(frame, c)["mean_length"])
        return {
            "source": RoleSuggestion("source", str(by_length[0]), "the longest text"),
            "target": RoleSuggestion("target", str(by_length[1]), "the shorter text beside it"),
        }
    return {
        "source": RoleSuggestion("source", str(texts[0]), "the first text column"),
        "target": RoleSuggestion("target", str(texts[1]), "the second text column"),
    }


def _filled(value) -> bool:
    try:
        return value is not None and bool(value == value) and not (isinstance(value, str) and value == "")
    except (TypeError, ValueError):  # an array cell: its comparison is element-wise
        return True


def _as_number(value) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _holds_spans(series: "pd.Series") -> bool:
    for value in series.iloc[:50].tolist():
        if isinstance(value, list) and value:
            first = value[0]
            return (isinstance(first, dict) and {"start", "end"} <= set(first)) or (
                isinstance(first, (list, tuple)) and len(first) == 3 and isinstance(first[0], int)
            )
    return False

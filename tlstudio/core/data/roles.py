"""Suggest which column plays which part, and say why.

The app pre-fills its column pickers with these suggestions and shows the
reason next to each; the CLI prints them when a column flag is omitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .labels import normalize_label

if TYPE_CHECKING:
    import pandas as pd

TEXT_NAMES = ("text", "sentence", "review", "content", "body", "comment", "message", "document", "tweet",
              "abstract", "description", "utterance", "query", "question", "title")
LABEL_NAMES = ("label", "labels", "class", "category", "sentiment", "target", "y", "topic", "intent",
               "tag", "emotion", "rating", "stance", "source")
SAMPLE_ROWS = 5000


@dataclass(frozen=True)
class RoleSuggestion:
    role: str
    column: str | None
    reason: str


def column_profile(series: "pd.Series") -> dict:
    """Cheap statistics of a column on (at most) its first rows."""
    sample = series.iloc[:SAMPLE_ROWS]
    values = [v for v in sample.tolist() if v is not None and not (isinstance(v, float) and v != v)]
    strings = [v for v in values if isinstance(v, str)]
    lengths = [len(v) for v in strings]
    distinct = set()
    for v in values:
        try:
            distinct.add(normalize_label(v))
        except TypeError:
            distinct.add(repr(v))
    distinct.discard(None)
    return {
        "filled": len(values),
        "rows": len(sample),
        "string_share": len(strings) / max(1, len(values)),
        "mean_length": sum(lengths) / max(1, len(lengths)),
        "mean_words": sum(len(v.split()) for v in strings) / max(1, len(strings)),
        "distinct": len(distinct),
        "list_share": sum(isinstance(v, list) for v in values) / max(1, len(values)),
    }


def suggest_text_column(frame: "pd.DataFrame", exclude: tuple[str, ...] = ()) -> RoleSuggestion:
    best, best_score, best_profile = None, -1.0, None
    for column in frame.columns:
        if column in exclude:
            continue
        profile = column_profile(frame[column])
        if profile["string_share"] < 0.8 or profile["filled"] == 0:
            continue
        score = profile["mean_length"] * (0.3 + 0.7 * profile["distinct"] / max(1, profile["filled"]))
        if str(column).lower() in TEXT_NAMES:
            score *= 1.5
        if score > best_score:
            best, best_score, best_profile = column, score, profile
    if best is None:
        return RoleSuggestion("text", None, "no column holds free text")
    reason = f"longest free text (about {best_profile['mean_words']:.0f} words a row, mostly distinct)"
    if str(best).lower() in TEXT_NAMES:
        reason = f"named '{best}' and " + reason
    return RoleSuggestion("text", str(best), reason)


def suggest_label_column(frame: "pd.DataFrame", exclude: tuple[str, ...] = ()) -> RoleSuggestion:
    rows = min(len(frame), SAMPLE_ROWS)
    limit = max(2, min(100, rows // 5))
    best, best_score, best_profile = None, -1.0, None
    for column in frame.columns:
        if column in exclude:
            continue
        profile = column_profile(frame[column])
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
        return RoleSuggestion("label", None, f"no column has between 2 and {limit} distinct values")
    reason = f"{best_profile['distinct']} distinct values"
    if str(best).lower() in LABEL_NAMES:
        reason = f"named '{best}', " + reason
    return RoleSuggestion("label", str(best), reason)


def suggest_roles(frame: "pd.DataFrame", task: str = "text-classification") -> dict[str, RoleSuggestion]:
    """Suggestions for each role the task needs, keyed by role."""
    label = suggest_label_column(frame)
    text = suggest_text_column(frame, exclude=(label.column,) if label.column else ())
    return {"text": text, "label": label}

"""Predicting a whole data file and saving the predictions beside its rows."""

from __future__ import annotations

from pathlib import Path

from .data.columns import choose_column
from .data.readers import read_table
from .data.roles import suggest_text_column
from .errors import ConfigError
from .files import atomic_write_bytes


def predict_file(model_dir, input_path, output_path, *, text_column: str | None = None, cancel=None,
                 runtime: str = "auto", allow_pickle: bool = False) -> dict:
    """Write the input's rows plus ``prediction``, ``confidence`` and one probability column per class."""
    from .predictors import open_predictor

    output_path = Path(output_path).expanduser()
    if output_path.exists() and output_path.resolve() == Path(input_path).expanduser().resolve():
        raise ConfigError("--output must not be the input file: tlstudio never overwrites your data.",
                          "Choose another file name for the predictions.")
    if output_path.suffix.lower() not in (".csv", ".jsonl", ".tsv"):
        raise ConfigError(f"cannot write predictions to {output_path}.", "Use a .csv, .tsv or .jsonl file name.")
    table = read_table(input_path)
    column, _ = choose_column(table, text_column, suggest_text_column(table.frame), "--text-column")
    classifier = open_predictor(model_dir, runtime, allow_pickle=allow_pickle)
    texts = ["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in table.frame[column].tolist()]
    probabilities = classifier.probabilities(texts, cancel=cancel)
    frame = table.frame.copy()
    best = probabilities.argmax(-1)
    frame["prediction"] = [classifier.labels[i] for i in best]
    frame["confidence"] = probabilities.max(-1).round(6)
    for index, label in enumerate(classifier.labels):
        frame[f"prob_{label}"] = probabilities[:, index].round(6)
    suffix = output_path.suffix.lower()
    if suffix == ".jsonl":
        data = frame.to_json(orient="records", lines=True, force_ascii=False).encode("utf-8")
    else:
        data = frame.to_csv(index=False, sep="\t" if suffix == ".tsv" else ",").encode("utf-8")
    atomic_write_bytes(output_path, data)
    return {"rows": len(frame), "output": str(output_path), "text_column": column, "labels": classifier.labels,
            "runtime": classifier.runtime}

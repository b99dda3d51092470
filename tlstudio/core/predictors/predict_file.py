"""Predicting a whole data file and saving the predictions beside its rows."""

from __future__ import annotations

from pathlib import Path

from ..data.image_tables import read_image_data
from ..data.readers import read_table
from ..errors import ConfigError
from ..files import atomic_write_bytes
from ..tasks import find_task


def predict_file(
    model_dir,
    input_path,
    output_path,
    *,
    text_column: str | None = None,
    columns: dict[str, str | None] | None = None,
    cancel=None,
    runtime: str = "auto",
    allow_pickle: bool = False,
    force: bool = False,
    sheet: str | None = None,
) -> dict:
    """Write the input's rows plus the model's prediction columns (which depend on the task).

    ``columns`` maps RunConfig column fields (``text_column``, ``text_pair_column``, ``tokens_column``,
    ``source_column``) to the input's columns; a column left out is the one the model was trained on
    when the file has it, else suggested from the data.
    """
    from .loading import load_predictor

    output_path = Path(output_path).expanduser()
    if output_path.exists() and output_path.resolve() == Path(input_path).expanduser().resolve():
        raise ConfigError(
            "--output must not be the input file: tlstudio never overwrites your data.",
            "Choose another file name for the predictions.",
        )
    if output_path.suffix.lower() not in (".csv", ".jsonl", ".tsv"):
        raise ConfigError(f"cannot write predictions to {output_path}.", "Use a .csv, .tsv or .jsonl file name.")
    if output_path.is_dir():
        raise ConfigError(f"{output_path} is a folder.", "Give a file name for the predictions.")
    if output_path.exists() and not force:
        raise ConfigError(f"{output_path} already exists.", "Choose a new file name, or pass --force to replace it.")
    columns = dict(columns or {})
    if text_column:
        columns.setdefault("text_column", text_column)
    predictor = load_predictor(model_dir, runtime=runtime, allow_pickle=allow_pickle)
    task = find_task(predictor.folder.task)
    reads_images = task is not None and task.input_kind == "image"  # a folder of images, or a table naming them
    table = read_image_data(input_path, sheet=sheet) if reads_images else read_table(input_path, sheet=sheet)
    for key, value in predictor.folder.trained_columns.items():
        if not columns.get(key) and value in table.columns:
            columns[key] = value
    added, used = predictor.predict_table(table, columns, cancel=cancel)
    frame = table.frame.copy()
    for name, values in added.items():
        frame[name] = values
    suffix = output_path.suffix.lower()
    if suffix == ".jsonl":
        data = frame.to_json(orient="records", lines=True, force_ascii=False).encode("utf-8")
    else:
        data = frame.to_csv(index=False, sep="\t" if suffix == ".tsv" else ",").encode("utf-8")
    atomic_write_bytes(output_path, data)
    summary = {
        "rows": len(frame),
        "output": str(output_path),
        "task": predictor.folder.task,
        "runtime": getattr(predictor, "runtime", "pytorch"),
        **used,
    }
    if getattr(predictor, "labels", None):
        summary["labels"] = list(predictor.labels)
    return summary

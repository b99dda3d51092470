"""Scoring a trained model on a labelled file it has not seen, for any task.

The model folder says which task it does; the task reads the file the way
it reads training data and scores the model with the same metrics as at the
end of training, so the two reports compare directly.
"""

from __future__ import annotations

from ..data.image_tables import read_image_data
from ..data.readers import read_table
from ..progress import Message, NullSink
from ..tasks import find_task, get_task


def evaluate_file(model_dir, data_path, **options) -> dict:
    """The metrics report (metrics.json's layout) of a model on a labelled file; options as below."""
    report, _ = evaluate_file_with_rows(model_dir, data_path, **options)
    return report


def evaluate_file_with_rows(
    model_dir,
    data_path,
    *,
    columns: dict[str, str | None] | None = None,
    text_column=None,
    label_column=None,
    max_rows: int | None = None,
    sink=None,
    cancel=None,
    runtime: str = "auto",
    allow_pickle: bool = False,
    sheet: str | None = None,
) -> tuple[dict, list[dict]]:
    """The report, and one record per scored row (eval_predictions.jsonl's layout) for finding mistakes.

    ``columns`` maps RunConfig column fields to the file's columns.

    Columns left out default to the ones the model was trained with, when the file has them, and
    are otherwise suggested from the data.  ``max_rows`` scores only the first rows (generation is slow).
    """
    from .loading import load_predictor

    sink = sink or NullSink()
    columns = dict(columns or {})
    if text_column:
        columns.setdefault("text_column", text_column)
    if label_column:
        columns.setdefault("label_column", label_column)
    predictor = load_predictor(model_dir, runtime=runtime, allow_pickle=allow_pickle)
    task = find_task(predictor.folder.task)
    reads_images = task is not None and task.input_kind == "image"  # a folder of images, or a table naming them
    table = read_image_data(data_path, sheet=sheet) if reads_images else read_table(data_path, sheet=sheet)
    for note in table.warnings:
        sink.emit(Message("warning", note))
    for key, value in predictor.folder.trained_columns.items():
        if not columns.get(key) and value in table.columns:
            columns[key] = value
    if max_rows is not None and max_rows < len(table):
        table.frame = table.frame.iloc[:max_rows]
        sink.emit(Message("info", f"scoring the first {max_rows} of the file's rows (--max-rows)."))
    report, records = get_task(predictor.folder.task).evaluate(predictor, table, columns, sink, cancel)
    return {"task": predictor.folder.task, "runtime": getattr(predictor, "runtime", "pytorch"), **report}, records

"""tlstudio.api, the core's one public face: what docs/api.md shows a Python user works as shown, and importing
it costs nothing until a name is used."""

from __future__ import annotations

import subprocess
import sys

from helpers import REPO


def test_importing_the_api_loads_no_framework_and_every_name_resolves():
    code = (
        "import sys, tlstudio.api as api, tlstudio.core\n"
        "heavy = [m for m in ('torch', 'transformers', 'pandas', 'PySide6') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "missing = [n for n in api.__all__ if not hasattr(api, n)]\n"
        "assert not missing, missing\n"
        "print(len(api.__all__))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 50


def test_an_unknown_name_is_an_attribute_error():
    import tlstudio.api as api

    try:
        api.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("an unknown name resolved")


def test_the_documented_python_example(tmp_path, tiny_backbone, sentiment_csv):
    """docs/api.md's example, step by step: train, open the run, predict, evaluate, export."""
    from tlstudio.api import (
        ExportOptions,
        RunConfig,
        evaluate_file,
        export,
        headline,
        list_runs,
        load_predictor,
        open_run,
        train,
    )

    config = RunConfig(
        data=str(sentiment_csv),
        text_column="text",
        label_column="label",
        backbone=str(tiny_backbone),
        output=str(tmp_path / "runs" / "first"),
        epochs=6,
        batch_size=16,
        learning_rate=3e-3,
    )
    result = train(config)
    assert result.status == "completed"

    run = open_run(result.output_dir)
    assert run.record().status == "completed" and run.record().task == "text-classification"
    key, value = headline(run.metrics())
    assert key in run.metrics().to_dict() and value > 0.9  # the fixture's reviews are easy to learn

    predictor = load_predictor(result.output_dir)
    predictions = predictor.predict(["a wonderful, moving film", "dull and far too long"])
    assert len(predictions) == 2

    report = evaluate_file(result.output_dir, sentiment_csv, columns={"text": "text", "label": "label"})
    assert report["accuracy"] > 0.9

    exported = export(result.output_dir, ExportOptions(format="hf", output=tmp_path / "shared"))
    assert (exported.output / "model.safetensors").is_file()
    assert [summary.path.name for summary in list_runs(tmp_path / "runs")] == ["first"]


def test_every_name_docs_api_md_lists_is_public():
    import re

    import tlstudio.api as api

    table = (REPO / "docs" / "api.md").read_text(encoding="utf-8").split("## The main entry points")[1]
    # The first backticked identifier of each cell in the "name" column.
    names = {
        re.match(r"`(\w+)", cell.strip()).group(1)
        for row in table.splitlines()
        if row.startswith("|") and "`" in row
        for cell in [row.split("|")[2]]
        if re.match(r"\s*`\w+", cell)
    }
    assert {"RunConfig", "train", "open_run", "load_predictor", "export"} <= names
    assert not names - set(api.__all__), names - set(api.__all__)

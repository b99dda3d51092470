"""Regenerate the screenshots in docs/screenshots/ by driving the real app.

Run it under a virtual X server, from the repository root (it trains the
bundled backbone twice on the sample reviews and once on the entity sample,
exports one run to ONNX and runs a small labels-needed study: twenty minutes
or so on a CPU):

    xvfb-run -a -s "-screen 0 1440x960x24" python packaging/screenshots.py [--only entities,translation]

``--only`` shoots some sections again (classification, runs, entities, translation, studies, compare, and
pages: every page at 1280x800 and 1024x700, light and dark, into docs/screenshots/pages/);
``--only compare --project DIR`` shows two finished runs of DIR side by side; ``--only try,runs
--project DIR`` shows the try-it page and the runs of an earlier pass's project folder without training.

Settings and runs go to a temporary folder; nothing of the user's is touched.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "screenshots"
sys.path.insert(0, str(REPO))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main(sections: set[str], project: str | None = None) -> None:
    from PySide6.QtCore import QEventLoop, QSettings
    from PySide6.QtWidgets import QApplication

    from tlstudio.core.samples import sample_path
    from tlstudio.ui.app import create_application
    from tlstudio.ui.main_window import MainWindow
    from tlstudio.ui.settings import Settings
    from tlstudio.ui.theme import theme

    app = create_application()
    work = Path(tempfile.mkdtemp(prefix="tlstudio-shots-"))
    settings = Settings(QSettings(str(work / "settings.ini"), QSettings.IniFormat))
    settings.set_project_dir(project or work / "project")
    theme().set_choice("light")
    # No modal questions while shooting: "resume the stopped run?" at start is answered no.
    MainWindow.ask = lambda self, question: False
    window = MainWindow(settings, notifications=False)
    window.resize(1360, 860)
    window.show()
    OUT.mkdir(parents=True, exist_ok=True)

    def wait_until(condition, timeout: float = 3600.0) -> None:
        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                raise TimeoutError(condition)
            app.processEvents(QEventLoop.AllEvents, 50)
            time.sleep(0.02)

    def settle(seconds: float = 0.6) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents(QEventLoop.AllEvents, 50)
            time.sleep(0.02)

    def shoot(name: str, page: str | None = None) -> None:
        from tlstudio.ui.widgets.plot_host import PlotHost

        if page:
            window.show_page(page)
        # Charts build their plot when first shown, a moment after their page.
        wait_until(lambda: all(c.plot is not None for c in window.findChildren(PlotHost) if c.isVisible()), 120)
        settle()
        window.grab().save(str(OUT / f"{name}.png"))
        print("wrote", OUT / f"{name}.png", flush=True)

    model, train, controller = window.model_page, window.train_page, window.controller
    evaluate, trying = window.evaluate_page, window.try_page

    if "classification" in sections:
        # Data: the sample reviews, with their label and token-length charts.
        window.open_data(sample_path("sentiment"))
        wait_until(lambda: window.session.token_lengths is not None)
        shoot("data", "data")
        window.data_page.charts.setCurrentIndex(1)
        shoot("data-lengths")
        window.data_page.charts.setCurrentIndex(0)

        # Model: the bundled backbone, a short run.
        window.show_page("model")
        wait_until(lambda: "at the peak" in model.memory_label.text())
        model.apply_preset("quick")
        # Short runs, so the set can be made on a busy CPU: 36 steps (the longest review is 43 tokens).
        for name, value in (("max_steps", 36), ("batch_size", 16), ("logging_steps", 2), ("max_length", 48)):
            model.form.editor(name).setValue(value)
        model.form.editor("eval_strategy").setCurrentText("steps")
        model.form.editor("eval_steps").setValue(12)
        shoot("model", "model")

        # A first run, stopped early: it shows as resumable on the Runs page.
        train.name_edit.setText("reviews-first-try")
        window.start_training()
        wait_until(lambda: train.charts.loss.point_count("train") >= 3)
        window.stop_training()
        wait_until(lambda: not controller.running)

        # The main run, watched to the end.
        window.session.update_config(learning_rate=2e-4)
        train.name_edit.setText("reviews-quick")
        window.start_training()
        wait_until(lambda: train.charts.loss.point_count("train") >= 8)
        shoot("train-running", "train")
        wait_until(lambda: not controller.running)
        shoot("train", "train")

        wait_until(lambda: evaluate.view is not None and evaluate.view.records)
        labels = evaluate.view.matrix.model.labels
        matrix = evaluate.view.matrix.model.matrix
        wrong = max(
            ((i, j) for i in range(len(labels)) for j in range(len(labels)) if i != j),
            key=lambda ij: matrix[ij[0]][ij[1]],
        )
        evaluate.view.matrix.choose(labels[wrong[0]], labels[wrong[1]])
        shoot("evaluate", "evaluate")

        window.show_page("try")
        review = "The room was tiny, but the staff were lovely and breakfast was excellent."
        wait_until(lambda: trying.view.predictor is not None)
        trying.view.input.setPlainText(review)
        wait_until(lambda: "confident" in trying.view.verdict.text())
        shoot("try", "try")

        # Export: ONNX, verified against PyTorch, with the user's words in the card.
        export = window.export_page
        export.parent_field.set_path(work / "exports", notify=True)
        export.choose_format("onnx")
        export.fields["description"].setPlainText("Tells positive from negative customer reviews.")
        export.fields["intended_use"].setPlainText("Triage of short English product and service reviews.")
        export.fields["limitations"].setPlainText(
            "Trained on 432 short reviews; expect mistakes on sarcasm and mixed opinions."
        )
        wait_until(lambda: export.plan is not None and "Triage" in export.plan.card and export.plan.format == "onnx")
        export.preview.setCurrentIndex(1)
        export.export()
        wait_until(lambda: export.result is not None)
        shoot("export", "export")

        # The exported ONNX model on the try-it page: the runtime picker and how long each answer took.
        trying.set_model(export.exported)
        wait_until(lambda: trying.view.predictor is not None and trying.view.runtime_combo.count() > 1)
        trying.view.runtime_combo.setCurrentIndex(1)
        trying.view.runtime_combo.activated.emit(1)
        wait_until(lambda: trying.view.predictor is not None and trying.view.runtime == "onnx")
        trying.view.input.setPlainText(review + " ")
        wait_until(lambda: "ms with ONNX" in trying.view.latency.text())
        shoot("try-onnx", "try")

    if "try" in sections and "classification" not in sections:
        # The try-it shots again, from the finished review run of an earlier pass (--project) and its ONNX export.
        import json

        finished = next(
            p
            for p in sorted(Path(project).iterdir())
            if (p / "metrics.json").is_file()
            and json.loads((p / "run.json").read_text())["config"]["task"] == "text-classification"
        )
        window.session.open_run(finished)
        review = "The room was tiny, but the staff were lovely and breakfast was excellent."
        wait_until(lambda: trying.view is not None and trying.view.predictor is not None)
        trying.view.input.setPlainText(review)
        wait_until(lambda: "confident" in trying.view.verdict.text())
        shoot("try", "try")
        exported = [
            e["path"]
            for e in json.loads((finished / "run.json").read_text()).get("exports", [])
            if e.get("format") == "onnx"
        ]
        if exported:
            trying.set_model(exported[-1])
            wait_until(lambda: trying.view.predictor is not None and trying.view.runtime_combo.count() > 1)
            trying.view.runtime_combo.setCurrentIndex(1)
            trying.view.runtime_combo.activated.emit(1)
            wait_until(lambda: trying.view.predictor is not None and trying.view.runtime == "onnx")
            trying.view.input.setPlainText(review + " ")
            wait_until(lambda: "ms with ONNX" in trying.view.latency.text())
            shoot("try-onnx", "try")

    if "runs" in sections:
        # The two review runs: one stopped early (offered for resume above the list), one finished.
        runs = window.runs_page
        runs.refresh()
        wait_until(lambda: len(runs.summaries) >= 2)
        runs.table.selectAll()
        runs.compare_selected()
        wait_until(lambda: len(runs.compare_chart._series) >= 3)
        shoot("runs", "runs")

    if "compare" in sections:
        # Two finished runs of one task side by side (--project: e.g. a labels-needed study's runs/ folder,
        # whose newest two runs are the largest size from pretrained and from random weights).
        runs = window.runs_page
        runs.refresh()
        wait_until(lambda: len(runs.summaries) >= 2)
        done = [s for s in runs.summaries if s.has_model]
        pair = next(((a, b) for a in done for b in done if a is not b and a.task == b.task), None)
        if pair is not None:
            runs.table.clearSelection()
            runs.select_run(pair[1].path)
            runs._select(
                next(r for r in range(runs.proxy.rowCount()) if runs._summary_at(r).path == pair[0].path), clear=False
            )
            runs.compare_metrics()
            wait_until(lambda: runs.comparison.comparison is not None)
            shoot("runs-compare", "runs")

    if "entities" in sections:
        # Entity tagging: the sample opens with its task, columns and the backbone's note.
        window.open_sample("entities")
        wait_until(lambda: window.session.config.tags_column == "tags" and window.session.token_lengths is not None)
        shoot("data-entities", "data")
        model.apply_preset("quick")
        for name, value in (
            ("max_steps", 48),
            ("batch_size", 16),
            ("logging_steps", 4),
            ("max_length", 48),
            ("eval_steps", 16),
        ):
            model.form.editor(name).setValue(value)
        wait_until(lambda: "uncased" in model.task_notes.text())
        name = "entities-quick"
        while (window.session.project_dir / name).exists():  # an earlier pass's project folder (--project)
            name += "-again"
        train.name_edit.setText(name)
        window.start_training()
        wait_until(lambda: controller.running)
        wait_until(lambda: not controller.running)
        wait_until(lambda: evaluate.kind == "entities" and evaluate.view.records)
        evaluate.view.rows_view.selectRow(0)
        shoot("evaluate-entities", "evaluate")
        window.show_page("try")
        wait_until(lambda: trying.view.predictor is not None and trying.view.task == "token-classification")
        trying.view.input.setPlainText("Maria Lopez flew from Lisbon to Toronto to meet the Orbitel team.")
        wait_until(lambda: trying.view.answer.currentWidget() is trying.view.entities)
        shoot("try-entities", "try")

    if "translation" in sections:
        # Translation: source and target columns, generation settings and what the bundled encoder cannot do.
        window.open_sample("translation")
        wait_until(lambda: window.session.config.target_column == "fr")
        window.show_page("model")
        wait_until(lambda: "accents" in model.task_notes.text())
        shoot("model-translation", "model")

    if "studies" in sections:
        # The labels-needed study on the sample reviews, short runs: pretrained against random weights.
        from tlstudio.ui.labels_needed_dialog import LabelsNeededDialog

        window.open_sample("sentiment")
        wait_until(lambda: window.session.table is not None and window.session.config.label_column)
        window.session.update_config(
            max_steps=10, batch_size=8, max_length=48, learning_rate=2e-4, logging_steps=2, save_total_limit=1
        )
        dialog = LabelsNeededDialog(window.session, window)
        dialog.sizes.setText("16, 32, 64")
        dialog.show()
        dialog.start()
        wait_until(lambda: dialog.result is not None)
        settle()
        dialog.grab().save(str(OUT / "labels-needed.png"))
        print("wrote", OUT / "labels-needed.png", flush=True)
        dialog.close()

    if {"classification", "entities"} & sections:  # the Train page has a run to show
        theme().set_choice("dark")
        shoot("train-dark", "train")
        theme().set_choice("light")
    if "pages" in sections:
        # Every page at a desktop's and a laptop's size, light and dark: docs/screenshots/pages/, to look at
        # what each page looks like wherever it is used (with --project, with that folder's runs).
        window.open_data(sample_path("sentiment"))
        wait_until(lambda: window.session.table is not None, 120)
        last_run = sorted(p for p in Path(settings.project_dir()).glob("*/metrics.json"))
        if last_run:
            window.session.open_run(last_run[-1].parent)
        (OUT / "pages").mkdir(exist_ok=True)
        for choice in ("light", "dark"):
            theme().set_choice(choice)
            for width, height in ((1280, 800), (1024, 700)):
                window.resize(width, height)
                for page in window.pages:
                    shoot(f"pages/{page.key}-{width}x{height}-{choice}", page.key)
        theme().set_choice("light")
    window.close()
    QApplication.processEvents()


SECTIONS = ("classification", "runs", "compare", "entities", "translation", "studies", "pages")

if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Regenerate docs/screenshots/ by driving the app.")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections to shoot again")
    parser.add_argument("--project", help="an existing project folder to show (with --only runs)")
    arguments = parser.parse_args()
    main(set(arguments.only.split(",")), arguments.project)

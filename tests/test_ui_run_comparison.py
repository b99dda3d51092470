"""The Runs page puts two runs' metrics side by side, and an adapted run beside the same run without adaptation
(trained on the spot when the project has none)."""

from __future__ import annotations

from helpers import write_run, write_sentiment_csv

LONG = 120_000


def _select(page, *paths) -> None:
    page.table.clearSelection()
    for row in range(page.proxy.rowCount()):
        if page._summary_at(row).path in {p.resolve() for p in paths}:
            page._select(row, clear=False)


def test_two_runs_metrics_side_by_side_with_the_better_value_marked(qtbot, window):
    project = window.session.project_dir
    plain = write_run(project, "plain", {"accuracy": 0.80, "macro_f1": 0.70}, started="2026-01-01")
    adapted = write_run(
        project, "adapted", {"accuracy": 0.86, "macro_f1": 0.75}, started="2026-01-02", adapt_source="dataset"
    )
    ner = write_run(project, "tagger", {"f1": 0.5}, task="token-classification", started="2026-01-03")
    page = window.runs_page
    window.show_page("runs")
    page.refresh()
    qtbot.waitUntil(lambda: len(page.summaries) == 3, timeout=LONG)
    _select(page, plain, ner)
    assert not page.buttons["metrics"].isEnabled()  # different tasks do not compare
    _select(page, adapted, plain)
    assert page.buttons["metrics"].isEnabled()
    page.buttons["metrics"].click()
    view = page.comparison
    qtbot.waitUntil(lambda: view.comparison is not None, timeout=LONG)
    assert page.compare_tabs.currentWidget() is view
    headers = [view.metrics.horizontalHeaderItem(i).text() for i in range(4)]
    assert headers[1] == "plain\n(without domain adaptation)" and headers[2] == "adapted\n(with domain adaptation)"
    assert [view.value_text(0, c) for c in range(4)] == ["accuracy", "0.800", "0.860", "+0.060"]
    assert view.metrics.item(0, 2).font().bold() and not view.metrics.item(0, 1).font().bold()
    assert "adapted scores better" in view.summary.text()
    settings = [view.settings.item(r, 0).text() for r in range(view.settings.rowCount())]
    assert "adapt_source" in settings and "output" not in settings


def test_an_adapted_run_is_compared_with_the_same_run_trained_without_adaptation(
    qtbot, window, tiny_backbone, tmp_path
):
    project = window.session.project_dir
    data = write_sentiment_csv(tmp_path / "reviews.csv", rows=60)
    adapted = write_run(
        project,
        "adapted",
        {"accuracy": 0.9, "macro_f1": 0.9},
        adapt_source="dataset",
        data=str(data),
        backbone=str(tiny_backbone),
        text_column="text",
        label_column="label",
        max_steps=2,
        batch_size=8,
        max_length=32,
        logging_steps=1,
        eval_fraction=0.2,
    )
    (adapted / "config.json").write_text("{}")  # a finished run holds its model
    page = window.runs_page
    window.show_page("runs")
    page.refresh()
    qtbot.waitUntil(lambda: len(page.summaries) == 1, timeout=LONG)
    page.select_run(adapted)
    assert page.buttons["baseline"].isEnabled()
    page.buttons["baseline"].click()  # none in the project: the dialogs fixture agrees to train one
    qtbot.waitUntil(lambda: window.controller.running, timeout=LONG)
    assert window.session.config.adapt_source == "off" and window.session.config.max_steps == 2
    qtbot.waitUntil(lambda: not window.controller.running, timeout=LONG)
    view = page.comparison
    qtbot.waitUntil(lambda: view.comparison is not None, timeout=LONG)
    assert window.current_page() is page and page.compare_tabs.currentWidget() is view
    assert view.comparison.b == adapted.resolve() and view.comparison.a.name == "adapted-no-adaptation"
    assert view.comparison.adaptation == (False, True)
    # Next time the pair is found in the project and shown at once, without training.
    page.refresh()
    qtbot.waitUntil(lambda: len(page.summaries) == 2, timeout=LONG)
    view.comparison = None
    page.select_run(adapted)
    page.buttons["baseline"].click()
    qtbot.waitUntil(lambda: view.comparison is not None, timeout=LONG)
    assert not window.controller.running and view.comparison.a.name == "adapted-no-adaptation"

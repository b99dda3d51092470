"""The dark theme reaches every widget (the page list too) when switched at run time, and sentence-pair rows show
both texts on the Evaluate page."""

from __future__ import annotations

PAIR_RECORDS = [
    {
        "row": 2,
        "text": "Is the room quiet?",
        "text_pair": "Very noisy street outside.",
        "label": "no",
        "predicted": "yes",
        "confidence": 0.81,
        "probabilities": {"yes": 0.81, "no": 0.19},
    },
    {
        "row": 5,
        "text": "Was breakfast included?",
        "text_pair": "Yes, a full buffet.",
        "label": "yes",
        "predicted": "yes",
        "confidence": 0.9,
        "probabilities": {"yes": 0.9, "no": 0.1},
    },
]
REPORT = {
    "accuracy": 0.5,
    "macro_f1": 0.33,
    "per_class": {},
    "confusion_matrix": {"labels": ["no", "yes"], "matrix": [[0, 1], [0, 1]]},
}


def _background_lightness(widget) -> int:
    image = widget.grab().toImage()
    return image.pixelColor(image.width() // 2, image.height() - 5).lightness()  # below the last page's row


def test_switching_to_dark_at_run_time_darkens_the_page_list_too(qtbot, window):
    from PySide6.QtGui import QPalette

    from tlstudio.ui.theme import dark_palette, theme

    theme().set_choice("light")
    qtbot.wait(20)
    assert _background_lightness(window.nav) > 200
    try:
        theme().set_choice("dark")
        qtbot.wait(20)
        assert _background_lightness(window.nav) < 80  # was left white: its style sheet kept the old palette
        hint = window.model_page.task_help  # "palette(placeholder-text)" follows the theme as well
        assert hint.palette().color(hint.foregroundRole()) == dark_palette().color(QPalette.PlaceholderText)
    finally:
        theme().set_choice("light")
    qtbot.wait(20)
    assert _background_lightness(window.nav) > 200


def test_sentence_pair_rows_show_both_texts(qtbot):
    from PySide6.QtCore import Qt

    from tlstudio.ui.views.classification_evaluation import ClassificationEvaluation

    view = ClassificationEvaluation()
    qtbot.addWidget(view)
    view.show()
    view.show_report(REPORT, PAIR_RECORDS, "the validation split")
    view.show_cell("no", "yes")
    model = view.rows_view.model()
    headers = [model.headerData(c, Qt.Horizontal) for c in range(model.columnCount())]
    assert headers[1:3] == ["text", "second text"] and not view.rows_view.isColumnHidden(2)
    assert [model.index(0, c).data() for c in (1, 2)] == ["Is the room quiet?", "Very noisy street outside."]
    # A single-text model has no empty second column.
    view.show_report(REPORT, [{k: v for k, v in r.items() if k != "text_pair"} for r in PAIR_RECORDS], "x")
    assert view.rows_view.isColumnHidden(2)


def test_multi_label_and_regression_pair_rows_show_both_texts(qtbot):
    from tlstudio.ui.views.task_evaluations import MultiLabelEvaluation, RegressionEvaluation

    multi = MultiLabelEvaluation()
    qtbot.addWidget(multi)
    multi.show_report(
        {"micro_f1": 0.5},
        [
            {
                "row": 1,
                "text": "first",
                "text_pair": "second",
                "labels": ["a"],
                "predicted": ["b"],
                "scores": {"a": 0.2, "b": 0.7},
            }
        ],
        "x",
    )
    assert not multi.rows_view.isColumnHidden(2)
    assert multi.rows_view.model().index(0, 2).data() == "second"
    assert "Second text:</b> second" in multi.detail_html(multi.records[0])
    regression = RegressionEvaluation()
    qtbot.addWidget(regression)
    regression.show_report({"mse": 1.0}, [{"row": 1, "text": "first", "label": 2.0, "predicted": 3.0}], "x")
    assert regression.rows_view.isColumnHidden(2) and "Second text" not in regression.detail.toHtml()

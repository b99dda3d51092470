"""Saving edited labels back into the user's file: only the edited records change, byte for byte."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tlstudio.core.data.readers import read_table
from tlstudio.core.errors import DataError
from tlstudio.core.labelling.edits import EditedTable
from tlstudio.core.labelling.journal import Journal, pending_journals, read_journal
from tlstudio.core.labelling.save import save
from tlstudio.core.labelling.text_bytes import SaveConflict

TRICKY = (
    "id;review;label;note\r\n"
    '1;"Great film; ""truly"" great\r\nsecond line";pos;"kept ""as is"""\r\n'
    "2;Crème brûlée, 3,50 €;;007\r\n"
    '3;"plain";neg;\r\n'
    "\r\n"
    "4;  spaced  ;pos;1.50\r\n"
)


def _edit(path, changes: dict[int, str | None], column="label"):
    table = read_table(path)
    edited = EditedTable(table)
    edited.apply([edited.change(row, column, value) for row, value in changes.items()])
    return edited


def _line_diff(before: bytes, after: bytes) -> list[tuple[bytes, bytes]]:
    old, new = before.split(b"\r\n"), after.split(b"\r\n")
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new) if a != b]


@pytest.mark.parametrize("encoding,bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b"")])
def test_csv_save_changes_only_the_edited_records(tmp_path, encoding, bom):
    path = tmp_path / "reviews.csv"
    original = bom + TRICKY.encode(encoding)
    path.write_bytes(original)
    edited = _edit(path, {1: "neg", 2: "pos"})
    save(edited)
    after = path.read_bytes()
    assert after.startswith(bom) and not after[len(bom) :].startswith(b"\xef\xbb\xbf")
    assert _line_diff(original, after) == [
        ("2;Crème brûlée, 3,50 €;;007".encode(encoding), "2;Crème brûlée, 3,50 €;neg;007".encode(encoding)),
        (b'3;"plain";neg;', b'3;"plain";pos;'),
    ]
    assert not edited.dirty
    assert read_table(path).frame["label"].tolist()[:3] == ["pos", "neg", "pos"]


def test_csv_save_quotes_new_values_that_need_it_and_keeps_quoted_fields_quoted(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_bytes(TRICKY.encode("utf-8"))
    edited = _edit(path, {0: 'mixed; "odd"', 3: None})
    save(edited)
    frame = read_table(path).frame
    assert frame["label"].tolist()[0] == 'mixed; "odd"'
    assert frame["review"].tolist()[0] == 'Great film; "truly" great\r\nsecond line'
    assert frame["label"].isna().tolist() == [False, True, False, True]
    assert b"4;  spaced  ;;1.50\r\n" in path.read_bytes()


def test_editing_back_to_the_original_value_leaves_the_file_identical(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_bytes(TRICKY.encode("utf-8"))
    edited = _edit(path, {0: "neg"})
    edited.apply([edited.change(0, "label", "pos")])
    assert not edited.dirty
    save(edited)
    assert path.read_bytes() == TRICKY.encode("utf-8")


def test_a_new_label_column_is_added_to_every_row(tmp_path):
    path = tmp_path / "plain.tsv"
    path.write_bytes(b"text\tsource\nhello\ta\nworld\tb\n")
    edited = _edit(path, {1: "greeting"}, column="topic")
    save(edited)
    assert path.read_bytes() == b"text\tsource\ttopic\nhello\ta\t\nworld\tb\tgreeting\n"


def test_a_file_changed_on_disk_is_not_overwritten(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_bytes(TRICKY.encode("utf-8"))
    edited = _edit(path, {2: "pos"})
    changed = TRICKY.replace('3;"plain";neg;', '3;"plain";meh;').encode("utf-8")
    path.write_bytes(changed)
    with pytest.raises(SaveConflict, match="data row 3"):
        save(edited)
    assert path.read_bytes() == changed
    copy = save(edited, tmp_path / "copy.csv")  # "save as" still works, from what was loaded
    assert read_table(copy).frame["label"].tolist()[2] == "pos"
    assert edited.dirty  # the original still lacks the edit


def test_a_save_killed_midway_leaves_the_original_intact(tmp_path, monkeypatch):
    path = tmp_path / "reviews.csv"
    path.write_bytes(TRICKY.encode("utf-8"))
    edited = _edit(path, {2: "pos"})

    def crash(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(DataError, match="No space left"):
        save(edited)
    assert path.read_bytes() == TRICKY.encode("utf-8")
    assert [p.name for p in tmp_path.iterdir()] == ["reviews.csv"]  # no temporary file left behind
    assert edited.dirty


def test_jsonl_save_keeps_other_lines_and_number_types(tmp_path):
    path = tmp_path / "rows.jsonl"
    lines = [
        '{"text": "a \\u00e9", "label": 1, "score": 1.50}',
        "",
        "not json",
        '{"text":"b","label":0}',
        '{"text": "c"}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    edited = _edit(path, {0: "0", 1: "2", 2: "1"})
    save(edited)
    assert path.read_text(encoding="utf-8").split("\n") == [
        '{"text": "a \\u00e9", "label": 0, "score": 1.50}',
        "",
        "not json",
        '{"text":"b","label":2}',
        '{"text": "c", "label": 1}',
        "",
    ]


def test_json_array_save_splices_values_in_place(tmp_path):
    path = tmp_path / "rows.json"
    text = '[\n  {"text": "x", "label": "pos", "meta": {"k": [1, 2]}},\n  {"text": "y", "label": null}\n]\n'
    path.write_text(text, encoding="utf-8")
    edited = _edit(path, {1: "neg"})
    save(edited)
    assert path.read_text(encoding="utf-8") == text.replace('"label": null', '"label": "neg"')


def test_parquet_and_excel_save_keep_types_and_other_cells(tmp_path):
    import pandas as pd

    frame = pd.DataFrame({"text": ["a", "b", "c"], "label": [0, 1, 0], "weight": [0.5, 1.25, 2.0]})
    frame.to_parquet(tmp_path / "rows.parquet", index=False)
    edited = _edit(tmp_path / "rows.parquet", {2: "1"})
    save(edited)
    back = pd.read_parquet(tmp_path / "rows.parquet")
    assert back["label"].tolist() == [0, 1, 1] and str(back["label"].dtype) == "int64"
    assert back["weight"].tolist() == [0.5, 1.25, 2.0]

    frame.to_excel(tmp_path / "rows.xlsx", index=False)
    edited = _edit(tmp_path / "rows.xlsx", {0: "1", 1: "maybe"})
    save(edited)
    back = pd.read_excel(tmp_path / "rows.xlsx")
    assert back["label"].tolist() == [1, "maybe", 0]
    assert back["weight"].tolist() == [0.5, 1.25, 2.0]


def test_save_as_another_format_writes_the_edited_table(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_bytes(TRICKY.encode("cp1252"))
    edited = _edit(path, {1: "neg"})
    target = save(edited, tmp_path / "out.jsonl")
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [r["label"] for r in records] == ["pos", "neg", "neg", "pos"]
    assert records[1]["review"] == "Crème brûlée, 3,50 €"
    assert path.read_bytes() == TRICKY.encode("cp1252")


def test_a_label_the_encoding_cannot_hold_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_bytes(TRICKY.encode("cp1252"))
    edited = _edit(path, {1: "ネガ"})
    with pytest.raises(DataError, match="Save as"):
        save(edited)
    assert path.read_bytes() == TRICKY.encode("cp1252")


# ----------------------------------------------------------------------------- journal


def test_journal_survives_a_killed_process_and_replays(tmp_path):
    data = tmp_path / "reviews.csv"
    data.write_bytes(TRICKY.encode("utf-8"))
    journals = tmp_path / "journals"
    # A separate process journals 50 edits and is killed without saving or closing anything.
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(os.getcwd())!r})
        from tlstudio.core.labelling.edits import CellChange
        from tlstudio.core.labelling.journal import Journal
        journal = Journal({str(data)!r}, "csv", {{"label": "label"}}, {str(journals)!r})
        journal.record_classes(["neg", "pos", "meh"])
        for i in range(50):
            journal.record([CellChange(i % 4, "label", None if i < 4 else f"v{{i - 4}}", f"v{{i}}")])
        os.write(journal._fd, b'{{"kind": "edit", "chan')  # the crash comes mid-write
        os.kill(os.getpid(), 9)
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=os.getcwd())
    assert result.returncode != 0
    [found] = pending_journals(journals)
    assert found.data_path == data.resolve() and found.torn and not found.data_changed
    assert found.edit_count == 50 and found.classes == ["neg", "pos", "meh"]
    assert found.columns == {"label": "label"}
    assert {cell: new for cell, (_old, new) in found.net_changes().items()} == {
        (0, "label"): "v48",
        (1, "label"): "v49",
        (2, "label"): "v46",
        (3, "label"): "v47",
    }
    # Replaying onto the file as loaded gives the edited table; a new session can continue the same journal.
    edited = EditedTable(read_table(data))
    for batch in found.batches:
        edited.apply(batch)
    assert edited.frame["label"].tolist() == ["v48", "v49", "v46", "v47"]


def test_saving_or_discarding_removes_the_journal(tmp_path):
    data = tmp_path / "reviews.csv"
    data.write_bytes(TRICKY.encode("utf-8"))
    edited = _edit(data, {0: "neg"})
    journal = Journal(data, "csv", folder=tmp_path / "j")
    journal.record([edited.change(1, "label", "pos")])
    assert read_journal(journal.path).edit_count == 1
    journal.discard()
    assert pending_journals(tmp_path / "j") == []
    journal.record([edited.change(1, "label", "pos")])  # a new edit starts a fresh journal
    found = read_journal(journal.path)
    assert found.edit_count == 1 and found.batches[0][0].new == "pos"
    journal.close()


def test_jsonl_strings_may_hold_unicode_line_separators(tmp_path):
    path = tmp_path / "rows.jsonl"
    lines = ['{"text": "one\u2028two\x85three", "label": "a"}', '{"text": "four", "label": "b"}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = read_table(path)
    assert table.frame["text"].tolist() == ["one\u2028two\x85three", "four"] and not table.warnings
    edited = _edit(path, {0: "c"})
    save(edited)
    assert path.read_text(encoding="utf-8") == "\n".join([lines[0].replace('"a"', '"c"'), lines[1]]) + "\n"

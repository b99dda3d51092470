"""Loading real-world files: encodings, delimiters, quoting and the bad-input table."""

from __future__ import annotations

import json

import pytest

from tlstudio.core.data.readers import read_table
from tlstudio.core.errors import DataError


def write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "cp1252"])
def test_encodings_load_with_clean_headers(tmp_path, encoding):
    text = "text,label\r\nCafé crème was très bon,positive\r\nNaïve plot; poor acting,negative\r\n"
    table = read_table(write(tmp_path / "data.csv", text.encode(encoding)))
    assert table.columns == ["text", "label"]  # no BOM left on the first header
    assert table.frame["text"].tolist() == ["Café crème was très bon", "Naïve plot; poor acting"]


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters_are_detected(tmp_path, delimiter):
    rows = [["text", "label", "score"], ["good, really good", "pos", "1,5"], ["bad", "neg", "0,2"]]
    content = "\n".join(delimiter.join(r) for r in rows) + "\n"
    table = read_table(write(tmp_path / "data.csv", content.encode()))
    assert table.delimiter == delimiter
    assert table.frame["text"].tolist() == ["good, really good", "bad"]


def test_quoted_multiline_cells(tmp_path):
    content = 'text,label\n"first line\nsecond line, with comma",a\n"he said ""hi""",b\n'
    table = read_table(write(tmp_path / "data.csv", content.encode()))
    assert table.frame["text"].tolist() == ["first line\nsecond line, with comma", 'he said "hi"']


def test_values_are_kept_as_typed_text(tmp_path):
    table = read_table(write(tmp_path / "d.csv", b"code,amount\n007,1.50\n10,2\n"))
    assert table.frame["code"].tolist() == ["007", "10"]
    assert table.frame["amount"].tolist() == ["1.50", "2"]


@pytest.mark.parametrize(
    "name, data, fragment",
    [
        ("empty.csv", b"", "is empty"),
        ("header.csv", b"text,label\n", "no data rows"),
        ("garbage.csv", bytes(range(256)) * 40, "binary data"),
        ("object.json", b'{"text": "a", "label": "b"}', "not a list of records"),
        ("scalars.json", b"[1, 2, 3]", "are not JSON objects"),
        ("bad.json", b'[{"text": "a",', "not valid JSON"),
        ("notes.docx", b"PK\x03\x04", "unsupported file type"),
    ],
)
def test_unreadable_files_raise_one_clear_error(tmp_path, name, data, fragment):
    path = write(tmp_path / name, data)
    with pytest.raises(DataError) as info:
        read_table(path)
    assert fragment in str(info.value)
    assert str(path) in str(info.value)
    assert path.read_bytes() == data


def test_missing_path_and_directory(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a folder"):
        read_table(tmp_path)


def test_ragged_rows_load_with_a_warning_naming_the_line(tmp_path):
    path = write(tmp_path / "ragged.csv", b"text,label\nfine,a\ntoo,many,fields,here\nshort\nok,b\n")
    table = read_table(path)
    assert table.frame["text"].tolist() == ["fine", "short", "ok"]  # the short row is padded, not dropped
    assert any("line(s) with more fields" in w and "(3)" in w for w in table.warnings)


def test_broken_jsonl_line_is_skipped_and_named(tmp_path):
    lines = [json.dumps({"text": "a", "label": 1}), '{"text": "b", "label":', json.dumps({"text": "c", "label": "1"})]
    table = read_table(write(tmp_path / "d.jsonl", "\n".join(lines).encode()))
    assert table.frame["text"].tolist() == ["a", "c"]
    assert any("not valid JSON (2)" in w for w in table.warnings)


def test_jsonl_type_change_in_a_column_does_not_fail(tmp_path):
    lines = [json.dumps({"text": f"row {i}", "label": i % 2}) for i in range(50)]
    lines += [json.dumps({"text": "late", "label": "yes"})]
    table = read_table(write(tmp_path / "d.jsonl", "\n".join(lines).encode()))
    assert table.frame["label"].tolist()[-1] == "yes"


def test_nul_bytes_are_removed_with_a_warning(tmp_path):
    table = read_table(write(tmp_path / "nul.csv", b"text,label\nab\x00c,x\nfine,y\n"))
    assert table.frame["text"].tolist() == ["abc", "fine"]
    assert any("NUL" in w and "data row(s) (1)" in w for w in table.warnings)


def test_duplicate_column_names_are_renamed_with_a_warning(tmp_path):
    table = read_table(write(tmp_path / "dup.csv", b"text,text,label\na,b,c\n"))
    assert table.columns == ["text", "text_2", "label"]
    assert any("appears more than once" in w for w in table.warnings)


def test_json_records_parquet_and_excel(tmp_path):
    import pandas as pd

    records = [{"text": "nice", "label": "pos"}, {"text": "meh", "label": "neg"}]
    (tmp_path / "d.json").write_text(json.dumps(records))
    assert read_table(tmp_path / "d.json").frame.to_dict("records") == records
    pd.DataFrame(records).to_parquet(tmp_path / "d.parquet")
    assert read_table(tmp_path / "d.parquet").frame["text"].tolist() == ["nice", "meh"]
    pd.DataFrame({"text": ["nice", "meh"], "label": [1, 0]}).to_excel(tmp_path / "d.xlsx", index=False)
    excel = read_table(tmp_path / "d.xlsx")
    assert excel.columns == ["text", "label"]
    assert excel.frame["label"].tolist() == ["1", "0"]


def test_preview_reads_only_the_first_rows(tmp_path):
    rows = "".join(f"row {i},x\n" for i in range(5000))
    table = read_table(write(tmp_path / "big.csv", ("text,label\n" + rows).encode()), nrows=100)
    assert len(table) == 100 and not table.complete

"""Loading real-world files: delimiters, typed values, formats, previews.

The broken-input corpus (encodings, ragged rows, NUL bytes, duplicates...) is in test_bad_input_corpus.py."""

from __future__ import annotations

import json

import pytest

from tlstudio.core.data.readers import read_table
from tlstudio.core.errors import DataError


def write(path, data: bytes):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_other_delimiters_are_detected(tmp_path, delimiter):
    rows = [["text", "label", "score"], ["good, really good", "pos", "1,5"], ["bad", "neg", "0,2"]]
    content = "\n".join(delimiter.join(r) for r in rows) + "\n"
    table = read_table(write(tmp_path / "data.csv", content.encode()))
    assert table.delimiter == delimiter
    assert table.frame["text"].tolist() == ["good, really good", "bad"]


def test_values_are_kept_as_typed_text(tmp_path):
    table = read_table(write(tmp_path / "d.csv", b"code,amount\n007,1.50\n10,2\n"))
    assert table.frame["code"].tolist() == ["007", "10"]
    assert table.frame["amount"].tolist() == ["1.50", "2"]


@pytest.mark.parametrize(
    "name, data, fragment",
    [
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


def test_jsonl_type_change_in_a_column_does_not_fail(tmp_path):
    lines = [json.dumps({"text": f"row {i}", "label": i % 2}) for i in range(50)]
    lines += [json.dumps({"text": "late", "label": "yes"})]
    table = read_table(write(tmp_path / "d.jsonl", "\n".join(lines).encode()))
    assert table.frame["label"].tolist()[-1] == "yes"


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


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_nul_characters_are_removed_in_every_encoding_and_clean_files_keep_their_text(tmp_path, encoding):
    # Clean files skip the per-column search (a byte scan proves them NUL-free); UTF-16 cannot.
    rows = "".join(f"review {i} caf\u00e9,{'ab'[i % 2]}\n" for i in range(40))
    dirty, clean = tmp_path / "dirty.csv", tmp_path / "clean.csv"
    dirty.write_bytes(("text,label\nbad\x00 one,a\n" + rows).encode(encoding))
    clean.write_bytes(("text,label\n" + rows).encode(encoding))
    table = read_table(dirty)
    assert table.frame["text"][0] == "bad one"
    assert any("removed NUL characters from column 'text' in 1 data row(s)" in w for w in table.warnings)
    table = read_table(clean)
    assert table.frame["text"][3] == "review 3 caf\u00e9" and table.warnings == []

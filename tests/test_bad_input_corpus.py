"""The corpus of broken inputs, proven: each loads correctly or is refused with one clear message.

Every file is generated here (no third-party text).  For each one the test
checks the expected outcome, that no traceback reaches the user (refusals go
through the real ``tlstudio train`` entry point and must exit 2 with exactly
one ``error:`` line), and that the source file is byte-for-byte unchanged with
nothing written beside it.

Loading outcomes are checked through the text-classification task's
``prepare``, the same path a training run takes, so a "loads" here means the
rows, texts and labels that training would actually use.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest

from helpers import cli_in_process
from tlstudio.core.config import RunConfig
from tlstudio.core.progress import ListSink, Message
from tlstudio.core.tasks.text_classification import TextClassificationTask


def _rows(*pairs: tuple[str, str]) -> str:
    return "".join(f"{text},{label}\n" for text, label in pairs)


BALANCED = _rows(("third row", "a"), ("fourth row", "b"), ("fifth row", "a"), ("sixth row", "b"))
ACCENTED = "text,label\r\nCafé crème – “très bon”,a\r\nnaïve plot; €5 ticket,b\r\n" + BALANCED.replace("\n", "\r\n")


def _random_bytes(count: int, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(count))


@dataclass
class Case:
    name: str
    content: bytes
    refused: str | None = None  # fragment of the one error line; None when the file must load
    check: Callable | None = None  # for files that load: check(data, messages)
    eval_content: bytes | None = None  # a separate --eval-data file
    names_file: bool = True  # the refusal names the file (not when the problem is between two files)


def loaded_texts(*expected):
    def check(data, messages):
        assert sorted(data.train.texts + data.eval.texts) == sorted(expected)

    return check


def _check_ragged(data, messages):
    # The long line is skipped and named; the short one is padded (so it has no label and counts as unlabelled).
    assert "too many fields" not in " ".join(data.train.texts + data.eval.texts)
    assert sorted(data.train.texts + data.eval.texts) == [
        "fifth row",
        "fine one",
        "fourth row",
        "ok two",
        "sixth row",
        "third row",
    ]
    assert any("more fields than the header (3)" in m for m in messages)
    assert any("1 row(s) have no 'label'" in m for m in messages)


def _check_accented(data, messages):
    texts = data.train.texts + data.eval.texts
    assert "Café crème – “très bon”" in texts and "naïve plot; €5 ticket" in texts
    assert data.text_column == "text" and data.label_column == "label"  # no BOM left on the header


def _check_mixed_types(data, messages):
    assert data.label_names == ["0", "1"]  # 1, "1" and 1.0 are one class; 0 and "0" another
    assert "5" in data.train.texts + data.eval.texts  # a number where text was expected becomes text


def _check_missing_labels(data, messages):
    assert data.summary["unlabelled_skipped"] == 3 and data.label_names == ["x", "y"]
    assert any("3 row(s) have no 'label'" in m for m in messages)


def _check_long_text(data, messages):
    texts = data.train.texts + data.eval.texts
    assert max(len(t) for t in texts) == len("word ") * 210_000  # the whole megabyte, not cut while reading


def _check_duplicate_columns(data, messages):
    assert data.text_column == "text" and "first" in data.train.texts + data.eval.texts
    assert any("column name 'text' appears more than once; column 2 is called 'text_2'" in m for m in messages)


def _check_duplicate_keys(data, messages):
    assert "second" in data.train.texts + data.eval.texts  # the last value of the repeated key
    assert any("name 'text' more than once" in m for m in messages)


def _check_nul(data, messages):
    assert "abc" in data.train.texts + data.eval.texts
    assert any("removed NUL characters from column 'text' in 1 data row(s) (1)" in m for m in messages)
    assert any("removed NUL characters from the name of column 2" in m for m in messages)


CORPUS = [
    Case("empty.csv", b"", refused="is empty"),
    Case("header_only.csv", b"text,label\r\n", refused="has a header row but no data rows"),
    Case("blank_lines.csv", b"\n \n\t\n", refused="holds no text"),
    Case(
        "ragged.csv",
        ("text,label\nfine one,a\ntoo,many,fields,here\nshort\nok two,b\n" + BALANCED).encode(),
        check=_check_ragged,
    ),
    Case(
        "quoted_newlines.csv",
        ('text,label\n"first line\nsecond line, with comma",a\n"he said ""hi""",b\n' + BALANCED).encode(),
        check=loaded_texts(
            "first line\nsecond line, with comma", 'he said "hi"', "third row", "fourth row", "fifth row", "sixth row"
        ),
    ),
    Case("unclosed_quote.csv", b'text,label\n"never closed,a\nsecond,b\nthird,a\n', refused="unclosed quote"),
    Case("nul_bytes.csv", ("text,la\x00bel\nab\x00c,a\nfine,b\n" + BALANCED).encode(), check=_check_nul),
    Case("binary_garbage.csv", _random_bytes(20_000), refused="binary data"),
    Case(
        "image_named.csv",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(4000) + _random_bytes(4000, 1),
        refused="binary data",
    ),
    Case("utf16_bom.csv", ACCENTED.encode("utf-16"), check=_check_accented),
    Case("utf16_no_bom.csv", ACCENTED.encode("utf-16-le"), check=_check_accented),
    Case("cp1252.csv", ACCENTED.encode("cp1252"), check=_check_accented),
    Case("utf8_bom.csv", codecs.BOM_UTF8 + ACCENTED.encode("utf-8"), check=_check_accented),
    Case("object_not_list.json", b'{"rows": [{"text": "a", "label": "b"}]}', refused="not a list of records"),
    Case(
        "one_broken_line.jsonl",
        b'{"text": "one", "label": "x"}\n{"text": "two", "label":\n{"text": "three", "label": "y"}\n'
        b'{"text": "four", "label": "x"}\n{"text": "five", "label": "y"}\n',
        check=lambda data, messages: (
            loaded_texts("one", "three", "four", "five")(data, messages),
            any("not valid JSON (2)" in m for m in messages) or pytest.fail(messages),
        ),
    ),
    Case(
        "mixed_types.jsonl",
        b'{"text": "a", "label": 1}\n{"text": 5, "label": "1"}\n{"text": "c", "label": 1.0}\n'
        b'{"text": "d", "label": 0}\n{"text": "e", "label": "0"}\n{"text": "f", "label": 0.0}\n',
        check=_check_mixed_types,
    ),
    Case(
        "missing_and_nan_labels.csv",
        ("text,label\nr1,x\nr2,\nr3,NaN\nr4,y\nr5,x\nr6,y\nr7,nan\n").encode(),
        check=_check_missing_labels,
    ),
    Case(
        "nan_labels.json",
        b'[{"text": "r1", "label": "x"}, {"text": "r2", "label": null}, {"text": "r3", "label": NaN},'
        b' {"text": "r4", "label": "y"}, {"text": "r5", "label": "x"}, {"text": "r6", "label": "y"},'
        b' {"text": "r7"}]',
        check=_check_missing_labels,
    ),
    Case("no_labels_at_all.csv", b"text,label\nnice one,\nalso nice,\n", refused="no rows with both"),
    Case(
        "label_only_in_eval.csv",
        ("text,label\n" + BALANCED).encode(),
        refused="never appear in training: neutral",
        eval_content=b"text,label\ngreat room,a\nodd one,neutral\n",
        names_file=False,
    ),
    Case(
        "single_class.csv",
        b"text,label\nnice one,pos\nalso nice,pos\nnice again,pos\n",
        refused="fewer than two classes",
    ),
    Case(
        "one_megabyte_text.csv",
        ('text,label\n"' + "word " * 210_000 + '",a\n' + BALANCED).encode(),
        check=_check_long_text,
    ),
    Case(
        "duplicate_columns.csv",
        ("text,text,label\nfirst,second,a\n" + BALANCED.replace("row,", "row,x,")).encode(),
        check=_check_duplicate_columns,
    ),
    Case(
        "duplicate_keys.json",
        b'[{"text": "first", "text": "second", "label": "a"}, {"text": "r2", "label": "b"},'
        b' {"text": "r3", "label": "a"}, {"text": "r4", "label": "b"}]',
        check=_check_duplicate_keys,
    ),
]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main_in_process(argv) -> int:
    return cli_in_process(argv)


def assert_one_error_line(capsys, *fragments):
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    lines = [line for line in err.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], err
    assert all(line.startswith(("note: ", "warning: ", "error: ")) for line in lines), err
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_broken_input(case, tmp_path, tiny_backbone, capsys):
    source = tmp_path / "data"
    source.mkdir()
    path = source / case.name
    path.write_bytes(case.content)
    eval_path = None
    if case.eval_content is not None:
        eval_path = source / ("eval_" + case.name)
        eval_path.write_bytes(case.eval_content)
    before = {p.name: digest(p) for p in source.iterdir()}

    if case.refused:
        argv = [
            "train",
            path,
            "--backbone",
            tiny_backbone,
            "--output",
            tmp_path / "run",
            "--text-column",
            "text",
            "--label-column",
            "label",
        ]
        if eval_path:
            argv += ["--eval-data", eval_path]
        assert main_in_process(argv) == 2
        assert_one_error_line(capsys, case.refused, *([str(path)] if case.names_file else []))
    else:
        config = RunConfig(
            data=str(path), output=str(tmp_path / "run"), text_column="text", label_column="label", eval_fraction=0.25
        )
        sink = ListSink()
        data = TextClassificationTask().prepare(config, sink)
        case.check(data, [m.text for m in sink.of_type(Message)])

    after = {p.name: digest(p) for p in source.iterdir()}
    assert after == before  # the source byte for byte, and nothing written beside it


def test_corpus_covers_every_kind_of_broken_input():
    # The list the project promises to survive; a case dropped from CORPUS must fail here.
    promised = [
        "empty",
        "header_only",
        "ragged",
        "quoted_newlines",
        "nul_bytes",
        "binary_garbage",
        "utf16",
        "cp1252",
        "bom",
        "object_not_list",
        "one_broken_line",
        "mixed_types",
        "missing_and_nan_labels",
        "label_only_in_eval",
        "single_class",
        "one_megabyte",
        "duplicate_columns",
    ]
    names = " ".join(c.name for c in CORPUS)
    assert [p for p in promised if p not in names] == []


@pytest.mark.parametrize(
    "name, content",
    [
        ("vanishing.csv", b"text,label\nnice one,a\nawful one,b\n"),
        ("vanishing.jsonl", b'{"text": "nice one", "label": "a"}\n'),
        ("vanishing.json", b'[{"text": "nice one", "label": "a"}]'),
    ],
)
def test_a_file_that_disappears_while_loading(name, content, tmp_path, tiny_backbone, capsys, monkeypatch):
    from tlstudio.core.data import json_records, sniff

    path = tmp_path / name
    path.write_bytes(content)
    # Deleted after its size was checked and its first bytes sniffed, before the reader opens it.
    read_sample, decode_whole = sniff.read_sample, json_records._decode_whole

    def sample_then_vanish(target, **kwargs):
        result = read_sample(target, **kwargs)
        Path(target).unlink()
        return result

    def vanish_then_decode(target):
        Path(target).unlink()
        return decode_whole(target)

    monkeypatch.setattr(sniff, "read_sample", sample_then_vanish)
    monkeypatch.setattr(json_records, "_decode_whole", vanish_then_decode)
    assert main_in_process(["train", path, "--backbone", tiny_backbone, "--output", tmp_path / "run"]) == 2
    assert_one_error_line(capsys, str(path), "disappeared while it was being read")
    assert not path.exists()  # and nothing recreated it


def test_a_read_error_midway_is_one_clear_message(tmp_path, tiny_backbone, capsys, monkeypatch):
    import errno

    import pyarrow.csv

    path = tmp_path / "network_drive.csv"
    path.write_bytes(b"text,label\nnice one,a\nawful one,b\n")

    def drive_gone(*args, **kwargs):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(pyarrow.csv, "read_csv", drive_gone)
    assert main_in_process(["train", path, "--backbone", tiny_backbone, "--output", tmp_path / "run"]) == 2
    assert_one_error_line(capsys, str(path), "Input/output error")


def test_a_megabyte_text_is_truncated_for_training_and_counted(tmp_path, tiny_backbone):
    from tlstudio.core.backbones import load_tokenizer

    path = tmp_path / "long.csv"
    path.write_bytes(('text,label\n"' + "word " * 210_000 + '",a\n' + BALANCED).encode())
    config = RunConfig(
        data=str(path),
        output=str(tmp_path / "run"),
        text_column="text",
        label_column="label",
        eval_fraction=0.25,
        max_length=32,
    )
    sink = ListSink()
    task = TextClassificationTask()
    data = task.prepare(config, sink)
    train, evaluation, stats = task.build_datasets(load_tokenizer(tiny_backbone), data, config, sink)
    assert stats["train_truncated"] + stats["eval_truncated"] == 1
    assert max(list(train["length"]) + list(evaluation["length"])) == 32
    assert any("1 of 5 texts are longer than max_length=32" in m.text for m in sink.of_type(Message)), sink.events


def test_corpus_files_are_generated_not_copied():
    # Guard for the rule that the repository holds no third-party text: the corpus lives in this file.
    assert not list(Path(__file__).parent.glob("corpus*"))
    assert json.dumps([c.name for c in CORPUS])

"""Never destroy a user's file: names from data stay inside --output, --force replaces only tlstudio's own
exports, and predictions never replace an existing file unless asked.

Each test runs the real command line in-process and checks the bytes of the files a user would lose.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from helpers import cli_in_process


def run(*argv) -> int:
    return cli_in_process(argv)


def one_error(capsys, *fragments) -> str:
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "please report" not in err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, err
    for fragment in fragments:
        assert fragment in err, err
    return err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def pixel_csv(path: Path, labels: list[str], side: int = 2) -> Path:
    rng = random.Random(0)
    header = ",".join(f"p{i}" for i in range(side * side)) + ",label"
    rows = [",".join(str(rng.randrange(256)) for _ in range(side * side)) + "," + _csv_cell(label) for label in labels]
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n\r') else text


# -- names from data ------------------------------------------------------------------------------------------
def test_a_label_of_dot_dot_cannot_write_outside_the_output_folder(tmp_path, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "1.png").write_bytes(b"my holiday photo")
    source = pixel_csv(tmp_path / "pixels.csv", ["..", "cat", "../..", "/etc", ".", "cat"])
    before = snapshot(tmp_path)
    assert run("images-from-pixels", source, "--output", photos / "digits") == 0
    after = snapshot(tmp_path)
    written = {k for k in after if k not in before}
    assert all(k.startswith("photos/digits/") for k in written), written
    assert {k: after[k] for k in before} == before  # nothing that was there changed
    classes = sorted(p.name for p in (photos / "digits").iterdir())
    assert len(classes) == 5 and "cat" in classes and not {".", ".."} & set(classes)


ALPHABET = string.ascii_letters + "./\\ :*?<>|\x00\x1b\u202e\u00e9\u4e2d" + "..."


@pytest.mark.parametrize("seed", range(4))
def test_random_hostile_labels_only_ever_write_inside_the_output_folder(tmp_path, seed):
    """Seeded random labels (dots, slashes, control and right-to-left characters, unicode, very long):
    every file written lands under --output, one folder per distinct label, and nothing else changes."""
    rng = random.Random(seed)
    labels = []
    for _ in range(12):
        size = rng.choice([1, 2, 3, 8, 40, 300, 2000])
        labels.append("".join(rng.choice(ALPHABET) for _ in range(size)))
    labels += ["..", "../x", "", " . "]
    labels = [label.replace("\x00", "") for label in labels]  # a CSV cannot hold NUL
    (tmp_path / "keep.txt").write_text("mine")
    source = pixel_csv(tmp_path / "pixels.csv", labels)
    before = snapshot(tmp_path)
    output = tmp_path / "out" / "digits"
    assert run("images-from-pixels", source, "--output", output) == 0
    after = snapshot(tmp_path)
    assert {k: after[k] for k in before} == before
    assert all(k.startswith("out/digits/") for k in after if k not in before)
    distinct = {label.strip() for label in labels}
    assert sum(1 for p in output.iterdir() if p.is_dir()) == len(distinct)
    assert sum(1 for k in after if k not in before) == len(labels)


def test_safe_component_and_child_refuse_climbing_names(tmp_path):
    from tlstudio.core.errors import DataError
    from tlstudio.core.safe_paths import child, safe_component, unique_components

    for hostile in ("..", ".", "../..", "a/../../b", "/etc/passwd", "C:\\x", "con", "NUL.txt", "\u202egnp.exe"):
        name = safe_component(hostile)
        assert "/" not in name and "\\" not in name and name not in (".", "..") and not name.startswith(".")
        assert child(tmp_path, name).parent == tmp_path.resolve()
    assert len(safe_component("x" * 5000).encode()) <= 120
    assert safe_component("x" * 5000) != safe_component("x" * 4999)  # cut names stay distinct
    names = unique_components(["a/b", "a_b", "A_B"])
    assert len(set(n.lower() for n in names.values())) == 3
    with pytest.raises(DataError):
        child(tmp_path, "..", "elsewhere")


# -- export --force ------------------------------------------------------------------------------------------
def test_export_force_never_deletes_a_folder_tlstudio_did_not_write(tmp_path, trained_run, capsys):
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "doc.txt").write_text("the user's notes")
    assert run("export", trained_run, "--format", "hf", "--output", folder, "--force") == 2
    one_error(capsys, "not an earlier tlstudio export")
    assert (folder / "doc.txt").read_text() == "the user's notes"


def test_export_force_replaces_an_earlier_export_but_not_files_added_to_it(tmp_path, trained_run, capsys):
    output = tmp_path / "model"
    assert run("export", trained_run, "--format", "hf", "--output", output) == 0
    capsys.readouterr()
    manifest = json.loads((output / ".tlstudio-export.json").read_text())
    assert "config.json" in manifest["files"] and "model.safetensors" in manifest["files"]
    (output / "README.md").write_text("edited card")
    assert run("export", trained_run, "--format", "hf", "--output", output, "--force") == 0  # our own file: replaced
    assert (output / "README.md").read_text() != "edited card"
    capsys.readouterr()
    (output / "notes.txt").write_text("added by the user")
    assert run("export", trained_run, "--format", "hf", "--output", output, "--force") == 2
    one_error(capsys, "notes.txt")
    assert (output / "notes.txt").read_text() == "added by the user" and (output / "config.json").is_file()


def test_export_force_over_a_file_replaces_only_a_tlstudio_bundle(tmp_path, trained_run, capsys):
    precious = tmp_path / "precious.zip"
    precious.write_bytes(b"PK\x05\x06" + b"\x00" * 18)  # an empty zip of the user's
    assert run("export", trained_run, "--format", "bundle", "--output", precious, "--force") == 2
    one_error(capsys, "did not write")
    assert precious.read_bytes() == b"PK\x05\x06" + b"\x00" * 18
    bundle = tmp_path / "model.zip"
    assert run("export", trained_run, "--format", "bundle", "--output", bundle) == 0
    assert run("export", trained_run, "--format", "bundle", "--output", bundle, "--force") == 0


def test_export_force_refuses_the_home_folder(tmp_path, trained_run, capsys, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("# mine")
    monkeypatch.setenv("HOME", str(home))
    assert run("export", trained_run, "--format", "hf", "--output", "~", "--force") == 2
    one_error(capsys)
    assert (home / ".bashrc").read_text() == "# mine"


# -- predict --output ----------------------------------------------------------------------------------------
def test_predict_never_replaces_an_existing_file_without_force(tmp_path, trained_run, capsys):
    texts = tmp_path / "other.csv"
    texts.write_text("text\ngreat film\nawful plot\n")
    precious = tmp_path / "precious.csv"
    precious.write_text("my,own\n1,2\n")
    assert run("predict", trained_run, "--input", texts, "--output", precious) == 2
    one_error(capsys, "already exists", "--force")
    assert precious.read_text() == "my,own\n1,2\n"
    assert run("predict", trained_run, "--input", texts, "--output", precious, "--force") == 0
    assert "great film" in precious.read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # the atomic write left nothing behind


# -- what bundles and predict print --------------------------------------------------------------------------
def test_the_bundle_reads_any_encoding_prints_no_escapes_and_names_no_local_folders(tmp_path, trained_run, capsys):
    import os
    import subprocess
    import sys
    import zipfile

    bundle = tmp_path / "model.zip"
    assert run("export", trained_run, "--format", "bundle", "--output", bundle) == 0
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(tmp_path / "unzipped")
        for name in archive.namelist():  # a colleague's copy does not reveal the author's folders
            text = archive.read(name).decode("utf-8", "replace")
            assert str(trained_run.parent) not in text and str(Path.home()) + "/" not in text, name
    folder = tmp_path / "unzipped" / "model"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONIOENCODING": "utf-8"}
    # printf 'caf\xe9 film\n' | python predict.py: Latin-1 bytes on standard input
    answer = subprocess.run(
        [sys.executable, "predict.py"], input=b"caf\xe9 film\n", cwd=folder, capture_output=True, env=env, timeout=300
    )
    assert answer.returncode == 0, answer.stderr.decode()
    assert "café film" in answer.stdout.decode("utf-8") and b"Traceback" not in answer.stderr
    hostile = subprocess.run(
        [sys.executable, "predict.py", "\x1b[2Jcleared \u202eevil", "--json"],
        cwd=folder,
        capture_output=True,
        env=env,
        timeout=300,
    )
    assert hostile.returncode == 0, hostile.stderr.decode()
    out = hostile.stdout.decode("utf-8")
    assert "\x1b" not in out and "\u202e" not in out and "\\u202e" in out

    assert run("predict", trained_run, "\x1b[31mred alert\u202e") == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and "\\x1b[31mred alert" in out


def test_an_eval_file_that_is_the_training_file_is_called_out(tmp_path, tiny_backbone):
    from helpers import tiny_config, write_sentiment_csv
    from tlstudio.core.progress import ListSink, Message
    from tlstudio.core.training.engine import train

    data = write_sentiment_csv(tmp_path / "reviews.csv", rows=40)
    copy = tmp_path / "copy.csv"
    copy.write_bytes(data.read_bytes())
    sink = ListSink()
    train(tiny_config(data, tmp_path / "run", tiny_backbone, eval_data=str(copy), epochs=1), sink)
    warnings = [e.text for e in sink.events if isinstance(e, Message) and e.level == "warning"]
    assert any("same rows as the training file" in w for w in warnings), warnings


def test_export_force_over_an_older_run_folder_refuses_what_the_user_added_anywhere_in_it(
    tmp_path, trained_run, capsys
):
    import shutil

    older = tmp_path / "proj"
    shutil.copytree(trained_run, older)  # a run folder: tlstudio's run.json, no export manifest
    (older / ".git").mkdir()
    (older / ".git" / "config").write_text("[core]")
    assert run("export", trained_run, "--format", "hf", "--output", older, "--force") == 2
    one_error(capsys, ".git")
    shutil.rmtree(older / ".git")
    (older / "checkpoints").mkdir(exist_ok=True)
    (older / "data").mkdir()
    (older / "data" / "raw.csv").write_text("text,label\n")
    assert run("export", trained_run, "--format", "hf", "--output", older, "--force") == 2
    one_error(capsys, "raw.csv")
    (older / "data" / "raw.csv").unlink()
    (older / "data").rmdir()
    (older / "README.md").write_text("# My project notes\n")  # not the card tlstudio wrote
    assert run("export", trained_run, "--format", "hf", "--output", older, "--force") == 2
    one_error(capsys, "README.md")
    shutil.copy(trained_run / "README.md", older / "README.md")
    assert run("export", trained_run, "--format", "hf", "--output", older, "--force") == 0
    assert (older / ".tlstudio-export.json").is_file()


def test_images_from_pixels_with_force_never_writes_over_a_file(tmp_path, capsys):
    out = tmp_path / "digits"
    (out / "cat").mkdir(parents=True)
    (out / "cat" / "1.png").write_bytes(b"the user's own picture")
    source = pixel_csv(tmp_path / "pixels.csv", ["cat", "dog"])
    assert run("images-from-pixels", source, "--output", out, "--force") == 2
    one_error(capsys, "1.png")
    assert (out / "cat" / "1.png").read_bytes() == b"the user's own picture" and not (out / "dog").exists()
    not_a_folder = tmp_path / "photos.txt"
    not_a_folder.write_text("mine")
    assert run("images-from-pixels", source, "--output", not_a_folder) == 2
    one_error(capsys, "is a file")

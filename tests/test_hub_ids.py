"""What counts as a Hugging Face Hub id: one rule for the core (resolve_backbone) and the Model page."""

from __future__ import annotations

import pytest

from tlstudio.core.backbones import looks_like_hub_id, resolve_backbone
from tlstudio.core.errors import BackboneError

HUB_IDS = [
    "bert-base-uncased",
    "distilbert/distilbert-base-uncased",
    "google-bert/bert-base-cased",
    "sentence-transformers/all-MiniLM-L6-v2",
    "owner_1/model.v2",
    "a/b",
    "x" * 96,
    "o/" + "n" * 96,
]
NOT_HUB_IDS = [
    "",
    "/",
    "owner/",
    "/name",
    "a/b/c",
    "/home/me/model",
    "C:\\models\\bert",
    "models\\bert",
    "~/models/bert",
    "~",
    "./model",
    "../model",
    ".hidden",
    "name.",
    "-name",
    "name-",
    "owner/.name",
    "a..b",
    "a--b",
    "owner/name.git",
    "my model",
    "owner/my model",
    "modèle",
    "x" * 97,
    "o/" + "n" * 97,
    "owner:name",
    "name?",
]


@pytest.mark.parametrize("name", HUB_IDS)
def test_hub_ids_are_recognised(name):
    assert looks_like_hub_id(name)


@pytest.mark.parametrize("name", NOT_HUB_IDS)
def test_paths_and_malformed_names_are_not_hub_ids(name):
    assert not looks_like_hub_id(name)


def test_a_folder_that_exists_is_never_a_hub_id(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "owner" / "name").mkdir(parents=True)
    (tmp_path / "bert-base-uncased").mkdir()
    assert not looks_like_hub_id("owner/name")
    assert not looks_like_hub_id("bert-base-uncased")
    assert looks_like_hub_id("owner/other")


@pytest.mark.parametrize("name", ["a..b", "owner/name.git", "-name", "a/b/c"])
def test_resolve_backbone_refuses_what_is_not_an_id_before_asking_the_hub(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BackboneError, match="neither a bundled model, an existing folder, nor a Hub id"):
        resolve_backbone(name)


def test_the_model_page_uses_the_core_rule():
    pytest.importorskip("PySide6")
    from tlstudio.ui.pages import model_page

    assert model_page.looks_like_hub_id is looks_like_hub_id

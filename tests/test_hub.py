"""Pushing to the Hub: the token is asked once, kept in the keyring only, and offline is a clear error.

The Hub cannot be reached here, so the API and the keyring are replaced by fakes.
"""

from __future__ import annotations


import pytest

from helpers import GOOD, FakeHub, FakeKeyring, assert_user_error, run_cli
from tlstudio.core.errors import TlStudioError
from tlstudio.core.export.hub_push import ACCOUNT, SERVICE, TokenStore, push_model
from tlstudio.core.progress import ListSink


class BrokenKeyring(FakeKeyring):
    def set_password(self, service, account, value):
        raise RuntimeError("no recommended backend was available")


@pytest.fixture(autouse=True)
def online(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    FakeHub.uploads = []


def test_token_is_asked_once_kept_in_the_keyring_and_never_in_a_file(tmp_path, trained_run, monkeypatch):
    home = tmp_path / "home"
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "HF_HOME", "APPDATA"):
        monkeypatch.setenv(name, str(home / name.lower()))
    keyring = FakeKeyring()
    asked = []

    def ask():
        asked.append(1)
        return GOOD

    url = push_model(
        trained_run, "alice/sentiment", ask_token=ask, sink=ListSink(), store=TokenStore(keyring), api_factory=FakeHub
    )
    assert url == "https://hub.example/alice/sentiment"
    assert keyring.secrets == {(SERVICE, ACCOUNT): GOOD}
    repo, files = FakeHub.uploads[0]
    assert repo == "alice/sentiment" and {"README.md", "config.json", "model.safetensors"} <= set(files)
    assert not [f for f in files if f.endswith((".bin", ".pt", ".pkl")) or f == "eval_predictions.jsonl"]

    push_model(
        trained_run, "alice/sentiment", ask_token=ask, sink=ListSink(), store=TokenStore(keyring), api_factory=FakeHub
    )
    assert len(asked) == 1  # the second push took the stored token
    written = (
        [p for p in home.rglob("*") if p.is_file() and GOOD in p.read_text(errors="ignore")] if home.exists() else []
    )
    assert written == []


def test_a_rejected_stored_token_is_forgotten(trained_run):
    keyring = FakeKeyring()
    keyring.set_password(SERVICE, ACCOUNT, "hf_revoked")
    with pytest.raises(TlStudioError, match="rejected the token"):
        push_model(
            trained_run,
            "alice/x",
            ask_token=lambda: pytest.fail("not asked"),
            sink=ListSink(),
            store=TokenStore(keyring),
            api_factory=FakeHub,
        )
    assert keyring.secrets == {}


def test_without_a_keyring_the_token_is_used_once_and_the_user_told(trained_run):
    sink = ListSink()
    push_model(
        trained_run,
        "alice/x",
        ask_token=lambda: GOOD,
        sink=sink,
        store=TokenStore(BrokenKeyring()),
        api_factory=FakeHub,
    )
    assert any("not stored" in e.text for e in sink.events if hasattr(e, "text"))


def test_hf_token_from_the_environment_is_used_and_not_stored(trained_run, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", GOOD)
    keyring = FakeKeyring()
    push_model(
        trained_run,
        "alice/x",
        ask_token=lambda: pytest.fail("not asked"),
        sink=ListSink(),
        store=TokenStore(keyring),
        api_factory=FakeHub,
    )
    assert keyring.secrets == {}


def test_offline_push_is_one_clear_error(trained_run):
    env = {"HF_HUB_OFFLINE": "1", "HF_TOKEN": ""}
    assert_user_error(run_cli("push", trained_run, "alice/x", env=env), "offline", "HF_HUB_OFFLINE")
    assert_user_error(run_cli("push", trained_run, "not a repo id", env=env), "USER/NAME")


def test_unreachable_hub_is_one_clear_error(trained_run):
    class Unreachable(FakeHub):
        def whoami(self):
            raise ConnectionError("Name or service not known")

    with pytest.raises(TlStudioError, match="cannot reach the Hugging Face Hub"):
        push_model(
            trained_run,
            "alice/x",
            ask_token=lambda: GOOD,
            sink=ListSink(),
            store=TokenStore(FakeKeyring()),
            api_factory=Unreachable,
        )

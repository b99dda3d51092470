"""Fixtures: a tiny BERT built from a config (nothing is downloaded) and small datasets."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from helpers import make_sentence, make_tagged_sentence, make_translation_pair, write_sentiment_csv

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# GUI tests run without a display (CI, SSH); a real one is never needed.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def make_tiny_bert(folder: Path, corpus: list[str], vocab_size: int = 400) -> Path:
    """A 2-layer BERT (no task head) with a WordPiece tokenizer trained on ``corpus``."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=specials))
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tokenizer.decoder = decoders.WordPiece()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=128,
    )
    config = BertConfig(
        vocab_size=fast.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
    )
    import torch

    _long_lived_objects_out_of_the_collectors_way()
    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_backbone(tmp_path_factory) -> Path:
    """A 2-layer BERT (no task head) with a WordPiece tokenizer trained on the fixture vocabulary."""
    rng = random.Random(1)
    corpus = [make_sentence(rng, rng.choice(["positive", "negative"])) for _ in range(400)]
    corpus += ["the quick brown fox jumps over the lazy dog", "hello world", "some text to predict"]
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"), corpus)


@pytest.fixture(scope="session")
def tiny_task_backbone(tmp_path_factory) -> Path:
    """A tiny BERT whose vocabulary also covers the entity and translation fixtures (cased text, accents)."""
    rng = random.Random(2)
    corpus = [" ".join(tokens) for tokens, _ in (make_tagged_sentence(rng) for _ in range(300))]
    corpus += [f"{en} {fr}" for en, fr in (make_translation_pair(rng) for _ in range(300))]
    corpus += [make_sentence(rng, rng.choice(["positive", "negative"])) for _ in range(200)]
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-task-bert"), corpus, vocab_size=500)


@pytest.fixture(scope="session")
def tiny_t5(tmp_path_factory) -> Path:
    """A 2-layer T5 with a Unigram tokenizer (the offline recipe for a real seq2seq backbone)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast, T5Config, T5ForConditionalGeneration

    folder = tmp_path_factory.mktemp("tiny-t5")
    rng = random.Random(3)
    corpus = [f"{en} {fr}" for en, fr in (make_translation_pair(rng) for _ in range(400))]
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    tokenizer.train_from_iterator(
        corpus, trainers.UnigramTrainer(vocab_size=300, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>")
    )
    tokenizer.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, pad_token="<pad>", eos_token="</s>", unk_token="<unk>", model_max_length=128
    )
    config = T5Config(
        vocab_size=fast.vocab_size,
        d_model=32,
        d_kv=8,
        d_ff=64,
        num_layers=2,
        num_heads=2,
        pad_token_id=0,
        eos_token_id=1,
        decoder_start_token_id=0,
    )
    import torch

    _long_lived_objects_out_of_the_collectors_way()
    torch.manual_seed(0)
    T5ForConditionalGeneration(config).save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


# --------------------------------------------------------------------------- the desktop app


@pytest.fixture(autouse=True)
def _background_jobs_finish():
    """No test leaves background jobs running into the next one (or into interpreter shutdown)."""
    yield
    import sys

    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QThreadPool

        QThreadPool.globalInstance().waitForDone(120_000)


@pytest.fixture
def app_settings(qapp, tmp_path):
    """QSettings in a temporary INI file, so tests never read or write the user's settings."""
    from PySide6.QtCore import QSettings

    from tlstudio.ui.settings import Settings

    store = QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)
    settings = Settings(store)
    settings.set_project_dir(tmp_path / "project")
    settings.set("files/journal_dir", str(tmp_path / "journals"))  # label-edit journals stay in the test's folder
    return settings


@pytest.fixture
def dialogs(monkeypatch):
    """Records error dialogs and answers every yes/no question with yes, instead of blocking on them."""
    from tlstudio.ui import error_dialog

    shown = []
    monkeypatch.setattr(error_dialog, "show_failure", lambda parent, failure, title="": shown.append(failure))
    from PySide6.QtWidgets import QMessageBox

    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *args, **kwargs: QMessageBox.Yes))
    return shown


@pytest.fixture
def window(qtbot, app_settings, dialogs):
    """The main window on a temporary project folder; any run still training is stopped at the end."""
    from tlstudio.ui.main_window import MainWindow

    win = MainWindow(app_settings, notifications=False)
    win.show()
    yield win
    # Not registered with qtbot.addWidget: pytest-qt would delete it before this teardown could stop a run.
    if win.controller.running:
        win.controller.stop()
        qtbot.waitUntil(lambda: not win.controller.running, timeout=120_000)
    win.close()
    win.deleteLater()
    qtbot.wait(10)


@pytest.fixture
def sentiment_csv(tmp_path) -> Path:
    return write_sentiment_csv(tmp_path / "reviews.csv")


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, tiny_backbone) -> Path:
    """A finished tiny run folder (exports read it; tests must not modify it)."""
    from helpers import tiny_config
    from tlstudio.core.training.engine import train

    folder = tmp_path_factory.mktemp("trained")
    data = write_sentiment_csv(folder / "reviews.csv", rows=160)
    result = train(tiny_config(data, folder / "run", tiny_backbone, epochs=4))
    assert result.status == "completed"
    return folder / "run"


def _long_lived_objects_out_of_the_collectors_way() -> None:
    """Once transformers is loaded, freeze what it and torch created (once per session).

    Every run's Trainer starts with a full ``gc.collect()`` (accelerate's ``free_memory``); in one
    pytest process that also walks the hundreds of thousands of module-level objects torch and
    transformers create, for each of the suite's runs. Frozen, they are skipped; the runs' own
    garbage is still collected as in the app. Tests that never load transformers never pay for
    importing it: this runs from the fixtures that build a model, and before each test that finds
    transformers loaded (a session fixture or an earlier test loaded it).
    """
    import gc
    import sys

    global _frozen
    if _frozen or "transformers" not in sys.modules:
        return
    from transformers import Trainer  # noqa: F401 - its import pulls in most of transformers

    gc.collect()
    gc.freeze()
    _frozen = True


_frozen = False


@pytest.fixture(autouse=True)
def _freeze_long_lived_objects():
    _long_lived_objects_out_of_the_collectors_way()
    yield


def pytest_sessionfinish(session, exitstatus):
    if _frozen:
        import gc

        gc.unfreeze()

"""Fixtures: a tiny BERT built from a config (nothing is downloaded) and small datasets."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from helpers import make_sentence, write_sentiment_csv

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# GUI tests run without a display (CI, SSH); a real one is never needed.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def tiny_backbone(tmp_path_factory) -> Path:
    """A 2-layer BERT (no task head) with a WordPiece tokenizer trained on the fixture vocabulary."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("tiny-bert")
    rng = random.Random(1)
    corpus = [make_sentence(rng, rng.choice(["positive", "negative"])) for _ in range(400)]
    corpus += ["the quick brown fox jumps over the lazy dog", "hello world", "some text to predict"]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer.train_from_iterator(corpus, trainers.WordPieceTrainer(vocab_size=400, special_tokens=specials))
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tokenizer.decoder = decoders.WordPiece()
    fast = PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="[UNK]", pad_token="[PAD]",
                                   cls_token="[CLS]", sep_token="[SEP]", mask_token="[MASK]", model_max_length=128)
    config = BertConfig(vocab_size=fast.vocab_size, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    import torch

    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


@pytest.fixture
def sentiment_csv(tmp_path) -> Path:
    return write_sentiment_csv(tmp_path / "reviews.csv")


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

"""A trained entity tagger on new text: entity spans with types, character offsets and scores.

A text is split into words the way span annotations are (runs of letters and
digits, each other symbol on its own); each word takes the tag predicted on
its first sub-token, as in training, and consecutive B-/I- words of one type
form an entity whose score is the mean of its words' probabilities.
"""

from __future__ import annotations

from pathlib import Path

from ..backbones import load_model, load_tokenizer
from ..errors import TlStudioError
from ..metrics.entities import entity_spans
from ..tasks.tagging_rows import words_with_offsets
from ..tasks.token_alignment import require_fast, word_probabilities
from .folder import ModelFolder, inference_max_length, open_model_folder
from .results import Entity, TaggedText


class EntityTagger:
    task = "token-classification"

    def __init__(self, model_dir: str | Path | ModelFolder, device: str = "auto"):
        from transformers import AutoModelForTokenClassification

        from ..hardware import choose_device

        folder = model_dir if isinstance(model_dir, ModelFolder) else open_model_folder(model_dir)
        if folder.task != self.task:
            raise TlStudioError(f"the model in {folder.path} does {folder.task}, not entity tagging.")
        self.folder = folder
        self.model_dir = folder.path
        self.tokenizer = load_tokenizer(folder.path)
        require_fast(self.tokenizer)
        self.model = load_model(AutoModelForTokenClassification, folder.path, allow_pickle=folder.allow_pickle)
        self.model.to(choose_device(device, "fp32").device)
        self.model.eval()
        config = self.model.config
        self.labels = [config.id2label[i] for i in range(config.num_labels)]
        self.entity_types = sorted({label[2:] for label in self.labels if label[:2] in ("B-", "I-")})
        self.max_length = inference_max_length(folder, self.tokenizer, config)

    def tag_words(self, sentences: list[list[str]], *, cancel=None) -> list[tuple[list[str], list[float]]]:
        """BIO tags and their probabilities for pre-split sentences."""
        probs = word_probabilities(self.model, self.tokenizer, sentences, max_length=self.max_length, cancel=cancel)
        return [([self.labels[i] for i in p.argmax(-1)], p.max(-1).tolist()) for p in probs]

    def predict(self, texts: list[str], *, cancel=None) -> list[TaggedText]:
        words = [words_with_offsets(text) for text in texts]
        tagged = self.tag_words([[w for w, _, _ in sentence] for sentence in words], cancel=cancel)
        results = []
        for text, sentence, (tags, scores) in zip(texts, words, tagged):
            entities = []
            for first, last, kind in entity_spans(tags):
                start, end = sentence[first][1], sentence[last - 1][2]
                score = sum(scores[first:last]) / (last - first)
                entities.append(Entity(start, end, kind, round(float(score), 4), text[start:end]))
            results.append(TaggedText(text, entities))
        return results

    def predict_table(self, table, columns: dict, *, cancel=None) -> tuple[dict[str, list], dict[str, str]]:
        """``predicted_tags`` (one per token) for a column of token lists, else an ``entities`` column (JSON).

        The column is the one named, else the one the model was trained on, else a column of
        token lists in the file, else its text column.  Space-separated tokens in a named tokens
        column get one tag each, joined by spaces; a text column a span-trained model read (its
        "tokens" are free text) gets entities.
        """
        from ..data.columns import choose_column, require_column
        from ..data.roles import column_profile, suggest_text_column, suggest_token_columns

        text_column, tokens_column = columns.get("text_column"), columns.get("tokens_column")
        if not text_column and not tokens_column:
            tokens_column = suggest_token_columns(table.frame)["tokens"].column
            if tokens_column and column_profile(table.frame[tokens_column])["list_share"] <= 0.5:
                tokens_column = None  # the text a file of spans points into: free text, not tokens
        if tokens_column and not text_column:
            column = require_column(table, tokens_column, "--tokens-column")
            lists = column_profile(table.frame[column])["list_share"] > 0.5
            if lists or not self.folder.data.get("span_rows"):
                return self._tag_tokens(table.frame[column].tolist(), cancel), {"tokens_column": column}
            text_column = column
        column, _ = choose_column(table, text_column, suggest_text_column(table.frame), "--text-column")
        return self._entities(table.frame[column].tolist(), cancel), {"text_column": column}

    def _tag_tokens(self, values: list, cancel) -> dict[str, list]:
        from ..tasks.classification_rows import cell_text

        sentences = [v if isinstance(v, list) else cell_text(v).split() for v in values]
        tags = [t for t, _ in self.tag_words([[str(w) for w in s] for s in sentences], cancel=cancel)]
        return {"predicted_tags": [t if isinstance(v, list) else " ".join(t) for t, v in zip(tags, values)]}

    def _entities(self, values: list, cancel) -> dict[str, list]:
        import json

        from ..tasks.classification_rows import cell_text

        results = self.predict([cell_text(v) for v in values], cancel=cancel)
        return {"entities": [json.dumps([e.__dict__ for e in r.entities], ensure_ascii=False) for r in results]}

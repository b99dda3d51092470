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

        from ..training.hardware import choose_device

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
        """An ``entities`` column (JSON) for a text column, or ``predicted_tags`` for a column of tokens."""
        import json

        from ..data.columns import choose_column, require_column
        from ..data.roles import suggest_text_column
        from ..tasks.classification_rows import cell_text

        if columns.get("tokens_column") and not columns.get("text_column"):
            column = require_column(table, columns["tokens_column"], "--tokens-column")
            values = table.frame[column].tolist()
            sentences = [v if isinstance(v, list) else cell_text(v).split() for v in values]
            tags = [t for t, _ in self.tag_words([[str(w) for w in s] for s in sentences], cancel=cancel)]
            joined = [t if isinstance(v, list) else " ".join(t) for t, v in zip(tags, values)]
            return {"predicted_tags": joined}, {"tokens_column": column}
        column, _ = choose_column(table, columns.get("text_column"), suggest_text_column(table.frame),
                                  "--text-column")
        results = self.predict([cell_text(v) for v in table.frame[column].tolist()], cancel=cancel)
        encoded = [json.dumps([e.__dict__ for e in r.entities], ensure_ascii=False) for r in results]
        return {"entities": encoded}, {"text_column": column}

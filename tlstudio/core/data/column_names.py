"""Column names that say what a column holds ('text', 'label', 'tokens', 'image', a source/target pair).

A leaf module: the readers (is a .txt file a table?), the role suggestions and the task hint all read these,
and none of them has to import another to get them.
"""

from __future__ import annotations

TEXT_NAMES = (
    "text",
    "sentence",
    "review",
    "content",
    "body",
    "comment",
    "message",
    "document",
    "tweet",
    "abstract",
    "description",
    "utterance",
    "query",
    "question",
    "title",
)
LABEL_NAMES = (
    "label",
    "labels",
    "class",
    "category",
    "sentiment",
    "target",
    "y",
    "topic",
    "intent",
    "tag",
    "emotion",
    "rating",
    "stance",
    "source",
)
NUMBER_NAMES = ("score", "value", "rating", "price", "stars", "similarity", "grade")
TAG_NAMES = ("tags", "ner_tags", "labels", "tag", "ner", "entities", "spans", "annotations")
SEQ2SEQ_NAMES = (
    ("source", "target"),
    ("src", "tgt"),
    ("document", "summary"),
    ("article", "summary"),
    ("text", "summary"),
    ("abstract", "summary"),
    ("input", "output"),
    ("en", "fr"),
    ("en", "de"),
)
IMAGE_NAMES = ("image", "image_path", "path", "file", "filename", "file_name", "img", "picture", "photo")

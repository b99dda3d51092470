"""Text generation data: plain texts to continue, or prompt/response pairs joined by a template.

A pair becomes one training text, ``template.format(prompt=..., response=...)``;
the loss is taken on the response (and the end-of-text token) only, so the
model learns to answer, not to repeat prompts.  A plain text is cut into
consecutive ``max_length`` blocks so long documents are read whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..data.table import list_numbers
from ..errors import ConfigError, DataError
from ..progress import Message
from .base import TaskData
from .classification_rows import cell_text

DEFAULT_TEMPLATE = "### Prompt:\n{prompt}\n\n### Response:\n{response}"
PROMPT_NAMES = ("prompt", "instruction", "question", "input", "query", "source")
RESPONSE_NAMES = ("response", "answer", "output", "completion", "target", "reply")
SAMPLE_COUNT = 3
SAMPLE_WORDS = 6  # words of a validation text that start a sample generation in text mode


@dataclass
class LMRows:
    prompts: list[str]  # the formatted prompt (template up to the response), or "" for plain text
    responses: list[str]  # the text the loss is taken on
    rows: list[int]

    def take(self, positions: list[int]) -> "LMRows":
        return LMRows(*([values[p] for p in positions] for values in (self.prompts, self.responses, self.rows)))


@dataclass
class LMData(TaskData):
    train: LMRows | None = None
    eval: LMRows | None = None
    template: str | None = None  # None: plain text
    sample_prompts: list[str] = field(default_factory=list)


def template_of(config) -> str:
    get = config.get if isinstance(config, dict) else lambda key, default=None: getattr(config, key, default)
    return get("prompt_template") or DEFAULT_TEMPLATE


def prompt_part(template: str, prompt: str) -> str:
    """The template filled with the prompt, up to where the response begins."""
    head = template[: template.rindex("{response}")]
    return head.replace("{prompt}", prompt)


def choose_lm_columns(table, config_values: dict) -> tuple[dict[str, str], str | None]:
    """``({"text_column"} or {"prompt_column", "response_column"}, note)`` for a table."""
    from ..data.columns import require_column
    from ..data.roles import suggest_text_column

    prompt, response, text = (config_values.get(k) for k in ("prompt_column", "response_column", "text_column"))
    if text and (prompt or response):
        raise ConfigError("give either a text column or prompt and response columns, not both.")
    if prompt or response:
        if not (prompt and response):
            raise ConfigError("prompt_column and response_column go together.", "Give both.")
        return {
            "prompt_column": require_column(table, prompt, "--prompt-column"),
            "response_column": require_column(table, response, "--response-column"),
        }, None
    if text:
        return {"text_column": require_column(table, text, "--text-column")}, None
    lower = {c.lower(): c for c in table.columns}
    found_prompt = next((lower[n] for n in PROMPT_NAMES if n in lower), None)
    found_response = next((lower[n] for n in RESPONSE_NAMES if n in lower), None)
    if found_prompt and found_response and found_prompt != found_response:
        return (
            {"prompt_column": found_prompt, "response_column": found_response},
            f"using '{found_prompt}' as the prompt and '{found_response}' as the response (their names); "
            "give --text-column to learn plain text instead",
        )
    suggestion = suggest_text_column(table.frame)
    if suggestion.column is None:
        raise DataError(
            f"cannot tell which column of {table.path} holds the text: {suggestion.reason}.",
            "Name it with --text-column, or give --prompt-column and --response-column.",
        )
    return {"text_column": suggestion.column}, (
        f"using column '{suggestion.column}' as the text ({suggestion.reason}); change it with --text-column"
    )


def read_lm_rows(table, columns: dict[str, str], template: str, sink) -> LMRows:
    frame = table.frame
    prompts, responses, rows, empty = [], [], [], []
    if "text_column" in columns:
        pairs = (("", cell_text(v)) for v in frame[columns["text_column"]].tolist())
    else:
        pairs = zip(
            (cell_text(v) for v in frame[columns["prompt_column"]].tolist()),
            (cell_text(v) for v in frame[columns["response_column"]].tolist()),
        )
    plain = "text_column" in columns
    for number, (prompt, response) in enumerate(pairs, start=1):
        if not response.strip() or (not plain and not prompt.strip()):
            empty.append(number)
            continue
        prompts.append("" if plain else prompt_part(template, prompt.strip()))
        responses.append(response if plain else response.strip())
        rows.append(number)
    if not rows:
        raise DataError(
            f"{table.path} has no rows with text in {', '.join(repr(c) for c in columns.values())}.",
            "Check the column names.",
        )
    if empty:
        sink.emit(
            Message(
                "warning",
                f"{table.path}: skipped {len(empty)} row(s) with an empty text, prompt or "
                f"response (data row(s) {list_numbers(empty)}).",
            )
        )
    return LMRows(prompts, responses, rows)


def sample_prompts(config, data: LMData) -> list[str]:
    """The fixed prompts continued after each evaluation."""
    if config.sample_prompts:
        given = [p.strip() for p in config.sample_prompts.split("|") if p.strip()]
        return [prompt_part(data.template, p) for p in given] if data.template else given
    rows = data.eval
    if data.template:
        return rows.prompts[:SAMPLE_COUNT]
    return [" ".join(text.split()[:SAMPLE_WORDS]) for text in rows.responses[:SAMPLE_COUNT]]


def encode_lm(tokenizer, rows: LMRows, max_length: int) -> tuple[dict[str, list], int, list[int]]:
    """``(columns, cut, example_rows)``: input_ids, labels (-100 on prompts) and length per example.

    A plain text longer than ``max_length`` is split into blocks (``cut`` counts such texts); a
    prompt/response pair is truncated (``cut`` counts those).  ``example_rows`` maps each example to
    its row position.
    """
    eos = tokenizer.eos_token_id
    ids_list, labels_list, owners, cut = [], [], [], 0
    heads = tokenizer(rows.prompts)["input_ids"] if any(rows.prompts) else None
    plain = heads is None
    bodies = tokenizer(rows.responses, add_special_tokens=plain)["input_ids"]
    for position, body in enumerate(bodies):
        head = [] if plain else heads[position]
        ids = head + list(body) + ([eos] if eos is not None else [])
        labels = [-100] * len(head) + ids[len(head) :]
        if len(ids) <= max_length:
            pieces = [(ids, labels)]
        elif plain:
            pieces = [
                (ids[s : s + max_length], ids[s : s + max_length])
                for s in range(0, len(ids), max_length)
                if len(ids) - s >= 2
            ]
        else:
            pieces = [(ids[:max_length], labels[:max_length])]
        cut += len(ids) > max_length
        for piece_ids, piece_labels in pieces:
            ids_list.append(piece_ids)
            # The first token is never predicted (the model shifts labels by one); marking it makes the
            # Trainer's token count, which it divides the loss by, match the tokens actually scored.
            labels_list.append([-100] + list(piece_labels[1:]))
            owners.append(position)
    columns = {"input_ids": ids_list, "labels": labels_list, "length": [len(i) for i in ids_list]}
    return columns, cut, owners


class CausalCollator:
    """Pads input_ids with the pad token, labels with -100, and builds the attention mask."""

    def __init__(self, pad_id: int, pad_to_multiple_of: int | None = None):
        self.pad_id = pad_id
        self.multiple = pad_to_multiple_of

    def __call__(self, features: list[dict]) -> dict:
        import torch

        longest = max(len(f["input_ids"]) for f in features)
        if self.multiple:
            longest = -(-longest // self.multiple) * self.multiple
        ids, labels, mask = [], [], []
        for f in features:
            pad = longest - len(f["input_ids"])
            ids.append(list(f["input_ids"]) + [self.pad_id] * pad)
            labels.append(list(f["labels"]) + [-100] * pad)
            mask.append([1] * len(f["input_ids"]) + [0] * pad)
        return {"input_ids": torch.tensor(ids), "attention_mask": torch.tensor(mask), "labels": torch.tensor(labels)}

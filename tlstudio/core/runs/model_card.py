"""The model card (README.md) written into every exported model folder.

It follows the Hugging Face layout: YAML front matter (base_model, license,
tags, metrics, model-index), written by huggingface_hub's ModelCardData so it
is the Hub's own metadata block, then sections
for the data, hyperparameters, results and framework versions.  The task
supplies what differs between tasks: its metrics, results table and a usage
snippet that needs nothing but transformers.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import RunConfig, config_fields, field_applies
from ..tasks import get_task

if TYPE_CHECKING:
    from huggingface_hub import ModelCardData

CARD_FIELDS = ("description", "intended_use", "limitations", "license")
# The front matter's keys in the order tlstudio has always written them; model-index comes last.
FRONT_ORDER = ("library_name", "pipeline_tag", "base_model", "license", "tags", "metrics")


def render_model_card(record: dict[str, Any], metrics: dict[str, Any], fields: dict[str, str] | None = None) -> str:
    """The card text; ``fields`` are the user's own words (description, intended use, licence...)."""
    from huggingface_hub import ModelCard

    fields = {k: v for k, v in (fields or {}).items() if v}
    config = record["config"]
    name = Path(config["output"]).name or "model"
    base_model = record.get("base_model")
    task = config["task"]
    task_impl = get_task(task)
    metadata = card_metadata(
        record, task_impl.card_metrics(record, metrics), name, fields.get("license") or record.get("backbone_license")
    )
    lines = ["---", metadata.to_yaml(original_order=list(FRONT_ORDER)), "---", ""]
    lines += [f"# {name}", ""]
    source = f"[{base_model}](https://huggingface.co/{base_model})" if base_model else f"`{config['backbone']}`"
    lines += [
        fields.get("description")
        or f"{'An' if task[:1] in 'aeiou' else 'A'} {task.replace('-', ' ')} model fine-tuned from {source} with "
        "tlstudio.",
        "",
    ]
    if fields.get("intended_use"):
        lines += ["## Intended use", "", fields["intended_use"], ""]
    notes = record.get("data", {}).get("notes") or []
    if fields.get("limitations") or notes:
        lines += ["## Limitations", ""]
        if fields.get("limitations"):
            lines += [fields["limitations"], ""]
        lines += [f"- {note[:1].upper()}{note[1:]}" for note in notes] + ([""] if notes else [])

    data = record.get("data", {})
    lines += ["## Data", ""]
    lines += [f"- Training file: `{Path(config['data']).name}` (SHA-256 `{data.get('sha256', '?')[:16]}...`)"]
    columns = [
        f"{key.removesuffix('_column').replace('_', ' ')} column `{value}`"
        for key, value in data.items()
        if key.endswith("_column") and value
    ]
    if columns:
        lines += ["- " + "; ".join(columns).capitalize()]
    split = data.get("split", {})
    lines += [
        f"- Split: {split.get('method', '?')}; {data.get('train_size', '?')} training and "
        f"{data.get('eval_size', '?')} validation rows"
    ]
    lines += task_impl.card_data(record)
    if data.get("unlabelled_skipped"):
        lines += [f"- {data['unlabelled_skipped']} unlabelled rows were not used"]
    lines += [""]

    lines += ["## Training hyperparameters", "", "| setting | value |", "|---|---|"]
    defaults = RunConfig()
    for f in config_fields():
        value = config.get(f.name)
        applies = f.metadata.get("tasks")
        if f.metadata["group"] not in ("model", "training", "task", "generation") or value is None:
            continue
        if applies and task not in applies or (f.metadata["group"] == "task" and value == getattr(defaults, f.name)):
            continue  # settings of other tasks, and task options left off
        if not field_applies(f, config):
            continue  # LoRA settings of a run without LoRA, and the like
        lines.append(f"| {f.name} | {value} |")
    hardware = record.get("hardware", {})
    if hardware:
        lines.append(f"| device | {hardware.get('name')} |")
        lines.append(f"| precision | {hardware.get('precision')} |")
    lines += [""]

    lines += ["## Results", "", "On the validation split:", ""] + task_impl.card_results(record, metrics)
    if metrics.get("warning"):
        lines += [f"> **Note:** {metrics['warning']}", ""]
    if record.get("onnx_verification"):
        lines += ["## ONNX", "", record["onnx_verification"], ""]

    lines += ["## How to use", ""] + task_impl.card_usage(record, f"path/to/{name}")
    lines += ["## Framework versions", ""]
    for package, version in record.get("versions", {}).items():
        lines.append(f"- {package} {version}")
    lines += [""]
    # Read back by the Hub's own parser, so the card is exactly what the Hub would write for this metadata.
    return str(ModelCard("\n".join(lines)))


def card_metadata(
    record: dict[str, Any], card_metrics: list[dict[str, Any]], name: str, license_id: str | None
) -> ModelCardData:
    """The card's front matter as the Hub models it; ``card_metrics`` are a task's ``{"type", "value", "name"}``."""
    from huggingface_hub import EvalResult, ModelCardData

    config = record["config"]
    task = config["task"]
    results = [
        EvalResult(
            task_type=task,
            task_name=task.replace("-", " ").title(),
            dataset_type="custom",
            dataset_name=Path(config["data"]).name,
            metric_type=entry["type"],
            metric_value=plain(entry["value"]),
            metric_name=entry.get("name"),
        )
        for entry in card_metrics
    ]
    # Left out rather than empty: a model-index with no metrics states no result, and the Hub's validator asks for one.
    return ModelCardData(
        library_name="transformers",
        pipeline_tag=task,
        base_model=record.get("base_model") or None,
        license=license_id or None,
        tags=[task, "tlstudio", "generated_from_trainer"],
        metrics=list(dict.fromkeys(entry["type"] for entry in card_metrics)) or None,
        model_name=name if results else None,
        eval_results=results or None,
    )


def plain(value: Any) -> Any:
    """A NumPy scalar as the Python number it holds: the Hub's YAML writer would tag it as a Python object."""
    return value.item() if hasattr(value, "item") else value

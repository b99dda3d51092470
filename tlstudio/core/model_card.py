"""The model card (README.md) written into every exported model folder.

It follows the Hugging Face layout: YAML front matter (base_model, license,
tags, metrics, model-index) that the Hub and other tools parse, then sections
for the data, hyperparameters, results and framework versions.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

HEADLINE_NAMES = {
    "accuracy": "Accuracy",
    "macro_f1": "Macro F1",
    "weighted_f1": "Weighted F1",
    "macro_precision": "Macro precision",
    "macro_recall": "Macro recall",
    "eval_loss": "Validation loss",
}
CARD_FIELDS = ("description", "intended_use", "limitations", "license")


def render_model_card(record: dict[str, Any], metrics: dict[str, Any], fields: dict[str, str] | None = None) -> str:
    """The card text; ``fields`` are the user's own words (description, intended use, licence...)."""
    import yaml

    fields = {k: v for k, v in (fields or {}).items() if v}
    config = record["config"]
    name = Path(config["output"]).name or "model"
    base_model = record.get("base_model")
    license_id = fields.get("license") or record.get("backbone_license")
    task = config["task"]
    front: dict[str, Any] = {"library_name": "transformers", "pipeline_tag": task}
    if base_model:
        front["base_model"] = base_model
    if license_id:
        front["license"] = license_id
    front["tags"] = [task, "tlstudio", "generated_from_trainer"]
    front["metrics"] = ["accuracy", "f1"]
    card_metrics = [{"type": "accuracy", "value": round(metrics["accuracy"], 4), "name": "Accuracy"}]
    if "macro_f1" in metrics:
        card_metrics.append({"type": "f1", "value": round(metrics["macro_f1"], 4), "name": "Macro F1"})
    front["model-index"] = [{
        "name": name,
        "results": [{
            "task": {"type": task, "name": task.replace("-", " ").title()},
            "dataset": {"name": Path(config["data"]).name, "type": "custom"},
            "metrics": card_metrics,
        }],
    }]
    lines = ["---", yaml.safe_dump(front, sort_keys=False, allow_unicode=True).strip(), "---", ""]
    lines += [f"# {name}", ""]
    source = f"[{base_model}](https://huggingface.co/{base_model})" if base_model else f"`{config['backbone']}`"
    lines += [fields.get("description") or
              f"A {task.replace('-', ' ')} model fine-tuned from {source} with tlstudio.", ""]
    if fields.get("intended_use"):
        lines += ["## Intended use", "", fields["intended_use"], ""]
    if fields.get("limitations"):
        lines += ["## Limitations", "", fields["limitations"], ""]

    data = record.get("data", {})
    labels = metrics.get("confusion_matrix", {}).get("labels", [])
    lines += ["## Data", ""]
    lines += [f"- Training file: `{Path(config['data']).name}` (SHA-256 `{data.get('sha256', '?')[:16]}...`)"]
    lines += [f"- Text column: `{data.get('text_column')}`; label column: `{data.get('label_column')}`"]
    split = data.get("split", {})
    lines += [f"- Split: {split.get('method', '?')}; {data.get('train_size', '?')} training and "
              f"{data.get('eval_size', '?')} validation rows"]
    if labels:
        lines += [f"- Classes ({len(labels)}): " + ", ".join(f"`{label}`" for label in labels)]
    if data.get("unlabelled_skipped"):
        lines += [f"- {data['unlabelled_skipped']} unlabelled rows were not used"]
    lines += [""]

    lines += ["## Training hyperparameters", "", "| setting | value |", "|---|---|"]
    for key in ("backbone", "epochs", "max_steps", "batch_size", "learning_rate", "warmup_ratio", "weight_decay",
                "max_length", "class_weighting", "seed"):
        if config.get(key) is not None:
            lines.append(f"| {key} | {config[key]} |")
    hardware = record.get("hardware", {})
    if hardware:
        lines.append(f"| device | {hardware.get('name')} |")
        lines.append(f"| precision | {hardware.get('precision')} |")
    lines += [""]

    lines += ["## Results", "", "On the validation split:", "", "| metric | value |", "|---|---|"]
    for key, title in HEADLINE_NAMES.items():
        if isinstance(metrics.get(key), (int, float)):
            lines.append(f"| {title} | {metrics[key]:.4f} |")
    if "majority_accuracy" in metrics:
        lines.append(f"| Majority-class baseline accuracy | {metrics['majority_accuracy']:.4f} |")
    lines += [""]
    per_class = metrics.get("per_class", {})
    if per_class:
        lines += ["| class | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        for label, row in per_class.items():
            lines.append(f"| {label} | {row['precision']:.3f} | {row['recall']:.3f} | {row['f1']:.3f} | {row['support']} |")
        lines += [""]
    if metrics.get("warning"):
        lines += [f"> **Note:** {metrics['warning']}", ""]
    if record.get("onnx_verification"):
        lines += ["## ONNX", "", record["onnx_verification"], ""]

    lines += ["## How to use", "", "```python", "from transformers import pipeline", "",
              f'classifier = pipeline("{task}", model="path/to/{name}")',
              'print(classifier("Write a sentence here."))', "```", ""]
    lines += ["## Framework versions", ""]
    for package, version in record.get("versions", {}).items():
        lines.append(f"- {package} {version}")
    lines += [""]
    return "\n".join(lines)

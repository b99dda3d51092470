"""What a finished multi-task run writes.

* ``tasks/<name>/``: each sub-task's model as a standard transformers folder
  with its tokenizer, model card, ``run.json`` (the sub-task's own settings),
  ``metrics.json`` and ``eval_predictions.jsonl``: ``pipeline()`` loads it,
  and ``tlstudio predict/evaluate/export`` treat it as any run folder.
* ``joint/``: the shared encoder and every head in one safetensors file, to
  continue training (``--backbone RUN/joint``).
* ``metrics.json``: each sub-task's report under ``tasks``, ``<name>/<metric>``
  flat keys for the score metrics, and ``mean_task_score``.
* ``README.md``: what the run trained and where each model is.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from ..runs.model_card import render_model_card
from ..runs.folder import METRICS_FILE, PREDICTIONS_FILE, RUN_FORMAT, RunFolder
from ..training.run_parts import json_lines, utc_now
from .model import JOINT_FOLDER, save_joint
from .trainer import MEAN_SCORE


def write_results(
    run: RunFolder, record: dict, subtasks, configs, tasks, datas, built, reports: dict, training: dict
) -> dict[str, Any]:
    """Each sub-task's folder and the joint checkpoint; returns the run's metrics (the engine writes them)."""
    per_task: dict[str, Any] = {}
    for sub in subtasks:
        report, records = reports[sub.name]
        folder = RunFolder(run.path / "tasks" / sub.name)
        folder.path.mkdir(parents=True, exist_ok=True)
        config = dataclasses.replace(configs[sub.name], output=str(folder.path))
        data = datas[sub.name]
        stats = built.token_stats[sub.name]
        task_metrics = {
            "task": sub.task,
            **report,
            "train_size": data.summary.get("train_size"),
            "eval_size": data.summary.get("eval_size"),
            "train_truncated": stats.get("train_truncated", 0),
            "eval_truncated": stats.get("eval_truncated", 0),
            "weight": sub.weight,
            "batch_share": round(built.shares[sub.name], 4),
            "score_metric": built.score_keys[sub.name],
            "data": data.summary,
        }
        sub_record = {
            "format": RUN_FORMAT,
            "status": "completed",
            "started_at": record["started_at"],
            "finished_at": utc_now(),
            "config": config.to_dict(),
            "base_model": record.get("base_model"),
            "backbone_source": record.get("backbone_source"),
            "backbone_license": record.get("backbone_license"),
            "labels": list(data.label_names),
            "data": {
                "path": sub.data,
                "sha256": tasks[sub.name].data_sha256(configs[sub.name]),
                **data.columns,
                **data.summary,
                **stats,
            },
            "hardware": record.get("hardware", {}),
            "versions": record.get("versions", {}),
            "multi_task": {
                "run": str(run.path),
                "name": sub.name,
                "weight": sub.weight,
                "tasks": [s.name for s in subtasks],
            },
        }
        folder.export_model(built.model.model(sub.name), built.tokenizer)
        folder.write_json(METRICS_FILE, task_metrics)
        folder.write_run(sub_record)
        folder.write_text(PREDICTIONS_FILE, json_lines(records))
        folder.write_text("README.md", render_model_card(sub_record, task_metrics))
        per_task[sub.name] = task_metrics

    save_joint(
        built.model,
        built.tokenizer,
        run.path / JOINT_FOLDER,
        [{"name": s.name, "task": s.task, "labels": list(datas[s.name].label_names)} for s in subtasks],
        record.get("base_model"),
    )
    scores = {name: m.get(m["score_metric"]) for name, m in per_task.items()}
    metrics: dict[str, Any] = {"task": "multi-task"}
    if all(isinstance(v, (int, float)) for v in scores.values()):
        metrics[MEAN_SCORE] = sum(scores.values()) / len(scores)
    metrics.update({f"{name}/{per_task[name]['score_metric']}": value for name, value in scores.items()})
    metrics.update(
        {
            "score_metrics": {name: m["score_metric"] for name, m in per_task.items()},
            "tasks": per_task,
            "train_size": len(built.train_set),
            "batches_per_epoch": dict(zip(per_task, built.sampler.counts)),
            "eval_size": sum(m.get("eval_size") or 0 for m in per_task.values()),
            "strategy": record["config"]["strategy"],
            "trainable_parameters": built.trainable,
            **training,
        }
    )
    return metrics


def render_card(record: dict, metrics: dict) -> str:
    """The run folder's README: the sub-tasks, their results, and where each model is."""
    config = record["config"]
    name = Path(config["output"]).name or "run"
    base = record.get("base_model") or config["backbone"]
    lines = [
        f"# {name}",
        "",
        f"A multi-task run of tlstudio: {len(metrics['tasks'])} sub-tasks trained together on one shared "
        f"encoder (`{base}`), each with its own head.",
        "",
        "| sub-task | task | weight | batch share | metric | validation |",
        "|---|---|---|---|---|---|",
    ]
    for task_name, m in metrics["tasks"].items():
        key = m["score_metric"]
        value = m.get(key)
        shown = f"{value:.4f}" if isinstance(value, (int, float)) else "?"
        lines.append(f"| {task_name} | {m['task']} | {m['weight']:g} | {m['batch_share']:.2f} | {key} | {shown} |")
    if MEAN_SCORE in metrics:
        lines += ["", f"Mean of the sub-tasks' scores ({MEAN_SCORE}): {metrics[MEAN_SCORE]:.4f}"]
    comparison = metrics.get("comparison")
    if comparison:
        lines += ["", "## Against each sub-task trained alone", "", *comparison_table(comparison)]
    lines += [
        "",
        "## Files",
        "",
        "- `tasks/<name>/`: each sub-task's model, a standard transformers folder with its own model card:",
        "",
        "```python",
        "from transformers import pipeline",
        "",
    ]
    for task_name, m in metrics["tasks"].items():
        lines.append(f'{task_name.replace("-", "_")} = pipeline("{m["task"]}", model="{name}/tasks/{task_name}")')
    lines += [
        "```",
        "",
        "- `joint/`: the shared encoder and all heads (safetensors), to continue training: "
        f"`tlstudio train --task multi-task --subtasks TASKS.json --backbone {name}/joint --output NEW`",
        "- `run.json` (settings, the sub-task list), `metrics.json`, `checkpoints/` (to resume)",
        "",
    ]
    return "\n".join(lines)


def comparison_table(comparison: dict) -> list[str]:
    lines = ["| sub-task | metric | multi-task | alone | difference |", "|---|---|---|---|---|"]
    for name, row in comparison.items():
        alone = row.get("single_task")
        if alone is None:
            lines.append(f"| {name} | {row['metric']} | {row['multi_task']:.4f} | not run | |")
            continue
        lines.append(
            f"| {name} | {row['metric']} | {row['multi_task']:.4f} | {alone:.4f} | {row['multi_task'] - alone:+.4f} |"
        )
    return lines


def read_metrics(run_path: str | Path) -> dict:
    return json.loads((Path(run_path) / METRICS_FILE).read_text(encoding="utf-8"))

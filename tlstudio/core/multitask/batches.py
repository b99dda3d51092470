"""Multi-task training data: every batch from one sub-task, sub-tasks mixed in chosen proportions.

A batch never mixes sub-tasks (their inputs and labels differ in shape, and each
has its own head), so the sampler hands the data loader whole batches of one
sub-task's rows, in an order that is a function of the seed and the epoch
alone (as ``training/sampling.py`` does for one task): a run resumed mid-epoch
sees the same batches as the run it continues.

An epoch is as many batches as the sub-tasks' rows fill; each sub-task gets
its proportion of them.  A sub-task asked for more batches than its rows fill
goes round its rows again in a fresh order; one asked for fewer sees a
different part of its rows each epoch.
"""

from __future__ import annotations

import bisect
import math

import torch
from torch.utils.data import Dataset, Sampler


class MultiTaskDataset(Dataset):
    """The sub-tasks' training rows end to end; each row says which sub-task it belongs to (``task_id``)."""

    def __init__(self, parts: list):
        self.parts = [part.to_list() if hasattr(part, "to_list") else list(part) for part in parts]
        self.offsets = [0]
        for part in self.parts:
            self.offsets.append(self.offsets[-1] + len(part))

    def __len__(self) -> int:
        return self.offsets[-1]

    def __getitem__(self, index: int) -> dict:
        task = bisect.bisect_right(self.offsets, index) - 1
        return {**self.parts[task][index - self.offsets[task]], "task_id": task}


class TaskRows(Dataset):
    """One sub-task's rows (its validation split), marked with its ``task_id``."""

    def __init__(self, dataset, task_id: int):
        self.rows = dataset.to_list() if hasattr(dataset, "to_list") else list(dataset)
        self.task_id = task_id

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> dict:
        return {**self.rows[index], "task_id": self.task_id}


def batch_shares(sizes: list[int], proportions: list[float | None]) -> list[float]:
    """Normalised shares of the batches; a sub-task without a proportion takes its share of the rows."""
    total = sum(sizes)
    raw = [p if p is not None else n / total for n, p in zip(sizes, proportions)]
    return [value / sum(raw) for value in raw]


def batch_counts(sizes: list[int], shares: list[float], batch_size: int) -> list[int]:
    """Batches per epoch for each sub-task: the rows' batch count split by share (largest remainder)."""
    total = sum(math.ceil(n / batch_size) for n in sizes)
    exact = [total * share for share in shares]
    counts = [max(1, math.floor(x)) for x in exact]
    for i in sorted(range(len(exact)), key=lambda i: exact[i] - math.floor(exact[i]), reverse=True):
        if sum(counts) >= total:
            break
        counts[i] += 1
    return counts


class TaskBatchSampler(Sampler):
    """Indices of a MultiTaskDataset, ``batch_size`` at a time from one sub-task; order from (seed, epoch)."""

    def __init__(self, sizes: list[int], shares: list[float], batch_size: int, seed: int):
        self.sizes = list(sizes)
        self.batch_size = batch_size
        self.seed = seed
        self.epoch = 0
        self.counts = batch_counts(self.sizes, shares, batch_size)
        self.offsets = [sum(self.sizes[:i]) for i in range(len(self.sizes))]

    def set_epoch(self, epoch: int) -> None:
        """Called by the data loader at the start of every epoch, including a resumed one."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return sum(self.counts) * self.batch_size

    def batches(self) -> list[tuple[int, list[int]]]:
        """This epoch's batches: ``(task_id, dataset indices)`` in training order."""
        generator = torch.Generator()
        generator.manual_seed(self.seed * 1_000_003 + self.epoch)
        per_task = []
        for task, (size, count) in enumerate(zip(self.sizes, self.counts)):
            needed, order = count * self.batch_size, []
            while len(order) < needed:  # whole passes over the rows, each in a fresh order
                order += torch.randperm(size, generator=generator).tolist()
            order = [self.offsets[task] + i for i in order[:needed]]
            per_task.append([order[i : i + self.batch_size] for i in range(0, needed, self.batch_size)])
        tasks = [task for task, count in enumerate(self.counts) for _ in range(count)]
        mixed = [tasks[i] for i in torch.randperm(len(tasks), generator=generator).tolist()]
        taken = [0] * len(self.sizes)
        result = []
        for task in mixed:
            result.append((task, per_task[task][taken[task]]))
            taken[task] += 1
        return result

    def __iter__(self):
        for _, indices in self.batches():
            yield from indices


class MultiTaskCollator:
    """Pads a batch with its sub-task's own collator; bookkeeping columns never reach the model."""

    def __init__(self, collators: list, drop: tuple[str, ...] = ("length",)):
        self.collators = collators
        self.drop = drop + ("task_id",)

    def __call__(self, features: list[dict]) -> dict:
        task = features[0]["task_id"]
        if any(f["task_id"] != task for f in features):
            raise RuntimeError("a multi-task batch mixes sub-tasks; the batch size and sampler disagree.")
        batch = self.collators[task]([{k: v for k, v in f.items() if k not in self.drop} for f in features])
        batch["task_id"] = task
        return batch

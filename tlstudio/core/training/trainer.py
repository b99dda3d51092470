"""tlstudio's Trainer: the Hugging Face Trainer with a few behaviours changed.

* Evaluation runs in dataset order.  The eval split is stored sorted by
  length (little padding), and keeping that order lets the engine map the
  last evaluation's predictions back to rows instead of predicting the
  validation set a second time at the end of a run.  (With length-grouped
  training the stock Trainer also shuffles evaluation batches by length.)
* Training order is a function of the seed and the epoch (see
  ``sampling.py``), so a run resumed mid-epoch sees the same batches.
* Checkpoints are written atomically and pruned by tlstudio's own rule
  (newest N plus the best; see ``checkpoints.py``).
* A NaN or infinite loss or gradient stops the run before the optimizer step
  that would write it into the weights (see ``faults.py``).
* The loss is scaled for gradient accumulation and data parallelism by what
  the model's loss really does.  The stock Trainer assumes that any model
  whose ``forward`` takes ``**kwargs`` divides its loss by the batch's item
  count across steps and processes; most heads (sequence and token
  classification, T5, BART, Marian) compute a plain per-batch mean, so their
  gradients came out ``gradient_accumulation_steps`` times too large, and
  ``processes`` times too large under a launcher (see ``loss_uses_item_count``).
* It prints nothing itself: progress reaches the user through tlstudio's
  sink, so the stock console printer is removed.

This is the one module that touches the Trainer's private API: every private
method overridden or called is listed in ``PRIVATE_TRAINER_API``, and the rest
of tlstudio goes through StudioTrainer's public methods (``checkpoint_root``,
``save_weights``, ``save_resume_state``, ``save_checkpoint_now``, the
``train_sampler`` argument).  ``tests/test_framework_contract.py`` fails, naming
the method, when a transformers release changes one of them.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from torch.utils.data import SequentialSampler
from transformers import PrinterCallback, Trainer, TrainerState
from transformers.trainer_utils import TrainOutput

from ..runs.folder import TRAINER_STATE_FILE
from . import checkpoints, faults
from .sampling import EpochSeededLengthGroupedSampler

# The Trainer's private names StudioTrainer overrides or calls, each with the parameters it relies on (the names the
# Trainer calls an override with, or the names StudioTrainer passes).  transformers 5 offers no public hook for any
# of these: the samplers are chosen inside the private _get_dataloader (overriding the public get_*_dataloader would
# mean rebuilding that); the gradient norm reaches no callback before the optimizer step; _save_checkpoint is the only
# place the Trainer's own scheduled saves go through, and the atomic save reuses the Trainer's writers for the
# optimizer, scheduler, scaler and RNG files so that its resume reads them back unchanged.
PRIVATE_TRAINER_API: dict[str, tuple[str, ...]] = {
    "_get_train_sampler": ("self", "train_dataset"),
    "_get_eval_sampler": ("self", "eval_dataset"),
    "_get_grad_norm": ("self", "model", "grad_norm"),
    "_save_checkpoint": ("self", "model", "trial"),
    "_get_output_dir": ("self", "trial"),
    "_save_optimizer_and_scheduler": ("self", "output_dir"),
    "_save_scaler": ("self", "output_dir"),
    "_save_rng_state": ("self", "output_dir"),
    # Public, but its _internal_call parameter is not: it keeps a checkpoint save from pushing to the Hub.
    "save_model": ("self", "output_dir", "_internal_call"),
    # A checkpoint at the run's last step has nothing left to train: its weights, then the best ones, are loaded
    # as train() would load them (LoRA adapters and sharded weights included).
    "_load_from_checkpoint": ("self", "resume_from_checkpoint", "model"),
    "_load_best_model": ("self",),
}


class StudioTrainer(Trainer):
    def __init__(self, *args, checkpoint_limit: int | None = None, parameter_groups=None, train_sampler=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.remove_callback(PrinterCallback)
        self.checkpoint_limit = checkpoint_limit
        # A sampler that replaces the training order outright (multi-task's one-sub-task-per-batch order).
        self.train_sampler = train_sampler
        # A fine-tuning strategy's optimizer groups (layer-wise rates, weights unfrozen later); see strategies.py.
        self.parameter_groups = parameter_groups
        if self.model_accepts_loss_kwargs and not loss_uses_item_count(self.model):
            # The Trainer then divides by the accumulation steps itself and leaves the loss unscaled
            # across processes, which is right for a per-batch mean.
            self.model_accepts_loss_kwargs = False

    def create_optimizer(self, model=None):
        groups = None
        if self.optimizer is None and self.parameter_groups is not None:
            model = self.model if model is None else model
            groups = self.parameter_groups(
                model, set(self.get_decay_parameter_names(model)), self.args.learning_rate, self.args.weight_decay
            )
        if groups is None:
            return super().create_optimizer(model)
        optimizer_cls, optimizer_kwargs = self.get_optimizer_cls_and_kwargs(self.args, model)
        self.optimizer = optimizer_cls(groups, **optimizer_kwargs)
        return self.optimizer

    def _get_eval_sampler(self, eval_dataset):
        # Under a launcher too: accelerate hands the processes alternate batches of this order and
        # gathers the predictions back into it, so metrics hooks can still map outputs to rows.
        return SequentialSampler(eval_dataset)

    def _get_train_sampler(self, train_dataset=None):
        if self.train_sampler is not None:
            return self.train_sampler
        dataset = self.train_dataset if train_dataset is None else train_dataset
        column = self.args.length_column_name
        if (
            self.args.world_size > 1
            or self.args.train_sampling_strategy != "group_by_length"
            or column not in getattr(dataset, "column_names", ())
        ):
            return super()._get_train_sampler(train_dataset)
        return EpochSeededLengthGroupedSampler(
            dataset[column], self.args.train_batch_size * self.args.gradient_accumulation_steps, self.args.seed
        )

    def training_step(self, model, inputs, num_items_in_batch=None):
        loss = super().training_step(model, inputs, num_items_in_batch)
        # Under a launcher each process sees only its share of the loss, so they could disagree;
        # the gradient norm below is the same on all of them once gradients are averaged.
        if self.args.world_size <= 1:
            faults.check_loss(loss, self.state)
        return loss

    def _get_grad_norm(self, model, grad_norm=None):
        grad_norm = super()._get_grad_norm(model, grad_norm)
        # With fp16 the gradient scaler expects the odd overflow and skips that step itself.
        if grad_norm is not None and not self.args.fp16:
            faults.check_loss(grad_norm, self.state, what="gradient norm")
        return grad_norm

    def _save_checkpoint(self, model, trial):
        checkpoints.save_checkpoint(self, trial, limit=self.checkpoint_limit)

    # The public face of the private API for the rest of tlstudio (checkpoints.py, engine.py).

    def save_checkpoint_now(self) -> None:
        """Save a checkpoint of the current step as a scheduled save would (atomically, then pruned)."""
        self._save_checkpoint(self.model, trial=None)

    def checkpoint_root(self, trial=None) -> str:
        """The folder that holds this run's (or this search trial's) ``checkpoint-N`` folders."""
        return self._get_output_dir(trial=trial)

    def save_weights(self, folder: str) -> None:
        """The model (and tokenizer) into ``folder`` as part of a checkpoint, so never pushed to the Hub."""
        self.save_model(folder, _internal_call=True)

    def save_resume_state(self, folder: str) -> None:
        """Optimizer, scheduler, gradient scaler and RNG state into ``folder``, as the Trainer's resume reads them.

        Under a launcher every process calls it: each writes its own RNG file.
        """
        self._save_optimizer_and_scheduler(folder)
        self._save_scaler(folder)
        self._save_rng_state(folder)

    def is_finished_checkpoint(self, checkpoint: str) -> bool:
        """Whether ``checkpoint`` was saved at the run's last step. Handed one mid-epoch, train() would take one
        step past the end before its stop check (a 12-step run resumed at 12 recorded 13)."""
        state = TrainerState.load_from_json(str(Path(checkpoint) / TRAINER_STATE_FILE))
        return state.max_steps > 0 and state.global_step >= state.max_steps

    def adopt_finished_checkpoint(self, checkpoint: str) -> TrainOutput:
        """Take up a finished checkpoint as train() would end: its state, its weights, then the best weights."""
        self.state = TrainerState.load_from_json(str(Path(checkpoint) / TRAINER_STATE_FILE))
        self._load_from_checkpoint(checkpoint)
        if self.args.load_best_model_at_end and self.state.best_model_checkpoint:
            self._load_best_model()
        return TrainOutput(self.state.global_step, 0.0, {"train_runtime": 0.0, "train_samples_per_second": 0.0})


_LOSS_WITH_KWARGS = re.compile(r"self\.loss_function\((?:[^()]|\([^()]*\))*\*\*\w+")


def loss_uses_item_count(model) -> bool:
    """Whether ``model``'s own loss reads ``num_items_in_batch`` (passed to it through ``**kwargs``).

    Models that normalise by the item count hand their keyword arguments to
    ``self.loss_function``; the rest compute ``CrossEntropyLoss()`` or similar
    over the batch in front of them.  A model may also say so itself with
    ``accepts_loss_kwargs``.

    The source is read because the signature cannot tell them apart: in
    transformers 5 every head's ``forward`` takes ``**kwargs`` and none names
    ``num_items_in_batch``, so BERT's classifier and GPT-2's language model look
    the same to ``inspect.signature``.  tests/test_framework_contract.py pins the
    answers for the heads tlstudio trains.
    """
    while hasattr(model, "module"):  # DDP and similar wrappers
        model = model.module
    if hasattr(model, "get_base_model"):  # a PEFT (LoRA) model
        model = model.get_base_model()
    declared = getattr(model, "accepts_loss_kwargs", None)
    if declared is not None:
        return bool(declared)
    try:
        source = inspect.getsource(type(model).forward)
    except (OSError, TypeError):  # no source (a frozen build): the per-batch mean is the safe reading
        return False
    return bool(_LOSS_WITH_KWARGS.search(source))

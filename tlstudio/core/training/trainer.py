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
"""

from __future__ import annotations

import inspect
import re

from torch.utils.data import SequentialSampler
from transformers import PrinterCallback, Trainer

from . import checkpoints, faults
from .sampling import EpochSeededLengthGroupedSampler


class StudioTrainer(Trainer):
    def __init__(self, *args, checkpoint_limit: int | None = None, parameter_groups=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.remove_callback(PrinterCallback)
        self.checkpoint_limit = checkpoint_limit
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
            groups = self.parameter_groups(model, set(self.get_decay_parameter_names(model)),
                                           self.args.learning_rate, self.args.weight_decay)
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
        dataset = self.train_dataset if train_dataset is None else train_dataset
        column = self.args.length_column_name
        if (self.args.world_size > 1 or self.args.train_sampling_strategy != "group_by_length"
                or column not in getattr(dataset, "column_names", ())):
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


_LOSS_WITH_KWARGS = re.compile(r"self\.loss_function\((?:[^()]|\([^()]*\))*\*\*\w+")


def loss_uses_item_count(model) -> bool:
    """Whether ``model``'s own loss reads ``num_items_in_batch`` (passed to it through ``**kwargs``).

    Models that normalise by the item count hand their keyword arguments to
    ``self.loss_function``; the rest compute ``CrossEntropyLoss()`` or similar
    over the batch in front of them.  A model may also say so itself with
    ``accepts_loss_kwargs``.
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

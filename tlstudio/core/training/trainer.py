"""tlstudio's Trainer: the Hugging Face Trainer with two behaviours changed.

* Evaluation runs in dataset order.  The eval split is stored sorted by
  length (little padding), and keeping that order lets the engine map the
  last evaluation's predictions back to rows instead of predicting the
  validation set a second time at the end of a run.  (With length-grouped
  training the stock Trainer also shuffles evaluation batches by length.)
* It prints nothing itself: progress reaches the user through tlstudio's
  sink, so the stock console printer is removed.
"""

from __future__ import annotations

from torch.utils.data import SequentialSampler
from transformers import PrinterCallback, Trainer


class StudioTrainer(Trainer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.remove_callback(PrinterCallback)

    def _get_eval_sampler(self, eval_dataset):
        if self.args.world_size > 1:
            return super()._get_eval_sampler(eval_dataset)
        return SequentialSampler(eval_dataset)

"""The order training examples are visited in, reproducible from the seed and the epoch alone.

The Trainer's length-grouped sampler shuffles with torch's global random
state, so the order of epoch 2 depends on every random number drawn during
epoch 1 (dropout included).  A run resumed in the middle of epoch 2 starts
with different random state and would visit its examples in a different order
than the run it continues.  Here each epoch's shuffle comes from its own
generator seeded with (seed, epoch), so a resumed run sees exactly the same
batches, and the global random state (dropout) is left to the Trainer's own
checkpointed RNG.
"""

from __future__ import annotations

from torch import Generator
from torch.utils.data import Sampler
from transformers.trainer_pt_utils import get_length_grouped_indices


class EpochSeededLengthGroupedSampler(Sampler):
    """Batches of similar length, shuffled per epoch from (seed, epoch)."""

    def __init__(self, lengths: list[int], batch_size: int, seed: int):
        self.lengths = list(lengths)
        self.batch_size = batch_size
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Called by the data loader at the start of every epoch, including a resumed one."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self):
        generator = Generator()
        # Distinct, reproducible streams per epoch; the multiplier keeps nearby seeds' streams apart.
        generator.manual_seed(self.seed * 1_000_003 + self.epoch)
        return iter(get_length_grouped_indices(self.lengths, self.batch_size, generator=generator))

"""How much memory a training run will need at its peak, before it starts.

The estimate adds up what fine-tuning with AdamW keeps alive:

* weights: fp32 master weights (mixed precision keeps them in fp32 too);
* gradients: one fp32 value per trainable parameter;
* optimizer state: AdamW's two fp32 moments per parameter;
* activations: what the forward pass saves for the backward pass, for the
  chosen batch size and the longest padded batch (batches are padded to
  their longest text, and the length-grouped sampler runs the longest batch
  first, so the peak comes early).

Per encoder layer and token the saved activations are about
``10.4*hidden + 2*intermediate`` values plus ``3*heads*length`` for the
attention probabilities, their dropout mask and dropout output.  Those
coefficients were measured with ``torch.autograd.graph.saved_tensors_hooks``
on the bundled BERT (PyTorch's SDPA falls back to the math kernel when
training on a CPU).  On a GPU the fused attention kernels keep no
length-squared tensors, so that term drops out, and mixed precision stores
activations in 16 bits.

While the backward pass runs, gradients flowing through the current layer and
the allocator's slack come on top of the saved activations: measured on 6-
and 12-layer BERTs, about one layer's activations plus 10% of all of them.
At the optimizer step the activations are gone but AdamW's multi-tensor
update allocates one more parameter-sized buffer; the peak is the larger of
the two moments.

Accuracy against measured runs is recorded in ``docs/memory-estimate.md``
(``bench/memory_estimate.py`` re-measures it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .model_info import Dimensions, format_bytes

FP32 = 4
# Saved activations per layer and token, in values (see module docstring).
HIDDEN_COEFFICIENT = 10.4
INTERMEDIATE_COEFFICIENT = 2.0
ATTENTION_MAPS = 3  # probabilities, dropout mask, dropout output (math attention kernel)
# Activations of the embedding layer and the head, in hidden-sized values per token.
EMBEDDING_VALUES = 6
# Backward-pass working set: this share of all saved activations plus one layer's worth.
BACKWARD_SLACK = 0.10
# What CUDA itself takes before PyTorch allocates anything (context, cuBLAS/cuDNN workspaces).
CUDA_RUNTIME_BYTES = 500 * 2**20


@dataclass(frozen=True)
class MemoryEstimate:
    weights: int
    gradients: int
    optimizer: int
    activations: int  # saved by the forward pass for the backward pass
    backward_working: int  # gradients in flight through a layer, allocator slack
    step_buffers: int  # AdamW's temporary buffer at the optimizer step
    runtime: int  # CUDA context and workspaces (0 on a CPU)
    device: str
    batch_size: int
    sequence_length: int

    @property
    def backward_peak(self) -> int:
        return self.weights + self.gradients + self.optimizer + self.activations + self.backward_working

    @property
    def step_peak(self) -> int:
        return self.weights + self.gradients + self.optimizer + self.step_buffers

    @property
    def total(self) -> int:
        return max(self.backward_peak, self.step_peak) + self.runtime

    def parts(self) -> list[tuple[str, int]]:
        rows = [
            ("weights", self.weights),
            ("gradients", self.gradients),
            ("optimizer state (AdamW)", self.optimizer),
            (
                f"activations (batch {self.batch_size} x {self.sequence_length} tokens)",
                self.activations + self.backward_working,
            ),
        ]
        if self.runtime:
            rows.append(("CUDA runtime", self.runtime))
        return rows

    def describe(self) -> str:
        return (
            f"about {format_bytes(self.total)} at peak ("
            + ", ".join(f"{name} {format_bytes(size)}" for name, size in self.parts())
            + ")"
        )


def activation_values_per_token(dims: Dimensions, sequence_length: int, *, fused_attention: bool) -> float:
    """Values saved for backward per token across the whole network."""
    per_layer = HIDDEN_COEFFICIENT * dims.hidden + INTERMEDIATE_COEFFICIENT * dims.intermediate
    if not fused_attention:
        per_layer += ATTENTION_MAPS * dims.heads * sequence_length
    layers = dims.layers + dims.decoder_layers * 1.5  # a decoder layer adds cross-attention
    return per_layer * layers + EMBEDDING_VALUES * dims.hidden


def training_shape(dims: Dimensions, parameters: int, task: str) -> tuple[Dimensions, int]:
    """The dimensions and parameter count of the model a run of ``task`` really trains.

    Translation and summarization on an encoder-only backbone train an
    encoder-decoder made of two copies of it (``tasks/seq2seq_model.py``): the
    decoder repeats every encoder weight (without the pooler) and adds
    cross-attention (query, key, value and output projections plus a layer norm)
    and a vocabulary bias.  Counting the encoder alone halved the estimate.
    """
    from .tasks import find_task

    found = find_task(task)
    if found is None or not found.is_sequence_to_sequence or dims.decoder_layers:
        return dims, parameters
    hidden = dims.hidden
    cross_attention = dims.layers * (4 * hidden * hidden + 4 * hidden + 2 * hidden)
    pooler = hidden * hidden + hidden
    decoder = parameters - pooler + cross_attention + dims.vocab + hidden * hidden + 3 * hidden  # + LM head transform
    return replace(dims, decoder_layers=dims.layers), parameters + decoder


def estimate_training_memory(
    dims: Dimensions,
    parameters: int,
    *,
    batch_size: int,
    sequence_length: int,
    device: str = "cpu",
    precision: str = "fp32",
    trainable_parameters: int | None = None,
) -> MemoryEstimate:
    """Peak memory of fine-tuning on ``device`` ('cpu', 'cuda:N', 'mps') in ``precision``."""
    trainable = parameters if trainable_parameters is None else trainable_parameters
    on_gpu = device.startswith("cuda")
    activation_bytes = 2 if precision in ("bf16", "fp16") else FP32
    values = activation_values_per_token(dims, sequence_length, fused_attention=on_gpu)
    saved = values * batch_size * sequence_length * activation_bytes
    working = BACKWARD_SLACK * saved + saved / (dims.layers + dims.decoder_layers)
    return MemoryEstimate(
        weights=parameters * FP32,
        gradients=trainable * FP32,
        optimizer=2 * trainable * FP32,
        activations=int(saved),
        backward_working=int(working),
        step_buffers=trainable * FP32,
        runtime=CUDA_RUNTIME_BYTES if on_gpu else 0,
        device=device,
        batch_size=batch_size,
        sequence_length=sequence_length,
    )


def fits(estimate: MemoryEstimate, available_bytes: int | None) -> str | None:
    """A warning when the estimate comes near the memory the device has, else None."""
    if not available_bytes:
        return None
    if estimate.total > available_bytes:
        return (
            f"needs about {format_bytes(estimate.total)} but the device has {format_bytes(available_bytes)}: "
            "lower the batch size or max length (gradient accumulation keeps the effective batch)."
        )
    if estimate.total > 0.85 * available_bytes:
        return f"needs about {format_bytes(estimate.total)} of {format_bytes(available_bytes)}: close to the limit."
    return None


def total_memory() -> int | None:
    """This machine's physical memory in bytes (what a CPU run can use), when it can be found."""
    try:
        import psutil

        return int(psutil.virtual_memory().total)
    except ImportError:
        pass
    import os

    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def lora_trainable_parameters(dims: Dimensions, rank: int) -> int:
    """About how many weights LoRA trains: two low-rank factors on two attention projections per layer.

    peft's default targets are the query and value projections (hidden -> hidden) or, for GPT-2's fused
    projection, one hidden -> 3 x hidden layer; both come to about ``rank x 4 x hidden`` per layer.
    """
    return rank * 4 * dims.hidden * (dims.layers + dims.decoder_layers)

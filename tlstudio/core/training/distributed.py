"""Where this process stands in a data-parallel launch (``accelerate launch``, ``torchrun``).

Launchers start one copy of tlstudio per GPU and tell each its place through
environment variables; reading them needs no torch.  Every process trains;
only the main one (rank 0) writes the run folder, prints progress and builds
the final report, so the run folder looks the same as after a one-GPU run.
"""

from __future__ import annotations

import os


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1") or 1)


def rank() -> int:
    return int(os.environ.get("RANK", "0") or 0)


def local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", "0") or 0)


def is_distributed() -> bool:
    return world_size() > 1


def is_main_process() -> bool:
    return rank() == 0


def any_process_cancelled(local: bool, device) -> bool:
    """Whether any process was asked to stop: all must stop at the same step, or the others wait forever."""
    return any_process(local, device)


def any_process(local: bool, device) -> bool:
    """True on every process when ``local`` is true on any of them (a collective: every process must call it).

    Also what keeps a failure on one process from leaving the others waiting at the next collective.
    """
    import torch
    import torch.distributed as dist

    if not (is_distributed() and dist.is_available() and dist.is_initialized()):
        return local
    flag = torch.tensor([1 if local else 0], device=device)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return bool(flag.item())

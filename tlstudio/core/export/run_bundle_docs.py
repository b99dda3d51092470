"""The texts of a run bundle: its README, accelerate config and Slurm script."""

from __future__ import annotations


def accelerate_config() -> str:
    return """\
# Data parallel training on every GPU of one machine. For several machines set num_machines,
# machine_rank (per machine) and main_process_ip/port, or launch with torchrun/srun (README.md).
# DeepSpeed or FSDP: change distributed_type and add their sections (accelerate config writes them).
compute_environment: LOCAL_MACHINE
distributed_type: MULTI_GPU
num_machines: 1
machine_rank: 0
num_processes: 2          # the number of GPUs to use (on a machine without GPUs: CPU processes)
gpu_ids: all
main_training_function: main
mixed_precision: 'no'     # train.py picks bf16/fp16 itself from run.json's precision
same_network: true
rdzv_backend: static
use_cpu: false
"""


def slurm_script(name: str) -> str:
    return f"""\
#!/bin/bash
# Submit with: sbatch slurm.sbatch   (adjust nodes, GPUs, time and partition to your cluster)
#SBATCH --job-name={name}
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=4
#SBATCH --cpus-per-task=16
#SBATCH --time=04:00:00
#SBATCH --output=%x-%j.log

set -euo pipefail
cd "$SLURM_SUBMIT_DIR"
export MASTER_ADDR=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
export MASTER_PORT=29500
GPUS_PER_NODE=${{SLURM_GPUS_ON_NODE:-4}}

# One torchrun per node; torchrun starts one training process per GPU.
srun torchrun --nnodes "$SLURM_NNODES" --nproc-per-node "$GPUS_PER_NODE" \\
    --rdzv-id "$SLURM_JOB_ID" --rdzv-backend c10d --rdzv-endpoint "$MASTER_ADDR:$MASTER_PORT" \\
    train.py
"""


def readme(name: str, config, data, backbone) -> str:
    task = f"{config.task}, text pairs" if data.train.pairs is not None else config.task
    return f"""\
# Run bundle: {name}

A tlstudio run ({task}, {len(data.label_names)} classes, {len(data.train.texts)} training and
{len(data.eval.texts)} validation rows, backbone `{backbone.title or backbone.name}`) packed to train
on other machines with plain transformers. Nothing here needs tlstudio.

| file | what it is |
|---|---|
| `train.py` | the training script (transformers `Trainer`, data parallel under any launcher) |
| `run.json` | labels and hyperparameters (`tlstudio_config` holds the original tlstudio settings) |
| `data/` | the run's exact train/validation split; `data_manifest.json` has their SHA-256, checked before training |
| `backbone/` | the pretrained model, so no download is needed |
| `accelerate_config.yaml` | data parallel on the GPUs of one machine |
| `requirements.txt` | the versions the bundle was made with |
| `slurm.sbatch` | a Slurm job for several nodes |

## Set up

```bash
python -m venv .venv && . .venv/bin/activate
pip install -r requirements.txt
```

## Launch

```bash
# one GPU, or the CPU
python train.py

# every GPU of this machine (set num_processes in accelerate_config.yaml to the GPU count)
accelerate launch --config_file accelerate_config.yaml train.py

# the same with torchrun
torchrun --nproc-per-node 4 train.py

# a quick check on a machine without GPUs: two processes on the CPU (gloo)
torchrun --nproc-per-node 2 train.py

# Slurm, several nodes: one torchrun per node (slurm.sbatch holds the whole job)
srun torchrun --nnodes "$SLURM_NNODES" --nproc-per-node 4 --rdzv-id "$SLURM_JOB_ID" \\
    --rdzv-backend c10d --rdzv-endpoint "$MASTER_ADDR:29500" train.py
sbatch slurm.sbatch
```

The run's batch size ({config.batch_size}) is kept as the global batch: each of N processes gets
{config.batch_size}/N examples per step (override with `--per-device-batch-size`). `--max-steps`,
`--epochs` and `--output-dir` override run.json; `--resume` continues from the last checkpoint
after a job is pre-empted.

The trained model goes to `output/` (a standard Hugging Face folder plus `metrics.json`):

```python
from transformers import pipeline
print(pipeline("text-classification", model="output")("Write a sentence here."))
```
"""

"""Hub kernels (compiled code transformers fetches from the Hub when it loads a model) stay off in tlstudio."""

from __future__ import annotations

import subprocess
import sys


def test_importing_tlstudio_turns_hub_kernels_off_unless_the_user_set_them():
    code = (
        "import os; os.environ.pop('USE_HUB_KERNELS', None); import tlstudio\n"
        "try:\n    from transformers.integrations.hub_kernels import _kernels_enabled\n"
        "except ImportError:  # a transformers without Hub kernels\n    _kernels_enabled = lambda: False\n"
        "print(os.environ['USE_HUB_KERNELS'], _kernels_enabled())"
    )
    env_free = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert env_free.returncode == 0, env_free.stderr
    assert env_free.stdout.strip().splitlines()[-1] == "0 False"
    chosen = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os; os.environ['USE_HUB_KERNELS'] = 'YES'; import tlstudio; print(os.environ['USE_HUB_KERNELS'])",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert chosen.stdout.strip() == "YES"  # the user's own setting wins

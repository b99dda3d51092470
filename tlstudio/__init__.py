"""tlstudio: a desktop studio for transfer learning.

Importing the package is cheap on purpose: torch, transformers and pandas
load only when a command or page first needs them, so the app's window can
appear at once.
"""

import os

__version__ = "0.1.0"

# transformers (5.25 and later) swaps layers for "Hub kernels" by default: compiled code fetched from the Hub
# at load time. tlstudio runs no code that comes with a model (trust_remote_code is never set), works offline,
# and its frozen build has no kernels package (loading any model there failed with "Kernels are not
# available"), so they are off unless the user asks for them in the environment.
os.environ.setdefault("USE_HUB_KERNELS", "0")

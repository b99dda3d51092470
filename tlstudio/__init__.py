"""tlstudio: a desktop studio for transfer learning.

Importing the package is cheap on purpose: torch, transformers and pandas
load only when a command or page first needs them, so the app's window can
appear at once.
"""

__version__ = "0.1.0"

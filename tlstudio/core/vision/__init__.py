"""Images: reading and checking them, augmenting them, and the offline EfficientNet-Lite0 backbone.

Everything here works with PIL and numpy only: torchvision's PyPI wheels break
against the CPU build of torch, so tlstudio never depends on it.
"""

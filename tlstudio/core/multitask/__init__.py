"""Multi-task learning: one shared backbone, one head per sub-task, trained together.

* ``spec.py``: the sub-task list a user writes (or the app builds) and its checks.
* ``model.py``: the standard transformers model of every sub-task, sharing one encoder.
* ``batches.py``: each batch drawn from one sub-task, in the chosen proportions.
* ``setup.py``: the shared model and its batches built from the sub-tasks' data.
* ``trainer.py``: the StudioTrainer evaluating every sub-task at each evaluation.
* ``parts.py``: the run's parts handed to ``training/engine.py``, which trains it like any other run.
* ``export.py``: what a finished run writes: ``tasks/<name>/`` per sub-task plus ``joint/``, the
  checkpoint to continue from.
* ``compare.py``: the same sub-tasks trained alone, for a side-by-side table.

Importing this package is cheap; torch and transformers load with the modules that need them.
"""

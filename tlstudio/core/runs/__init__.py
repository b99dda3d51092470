"""A run's folder and what reads it.

* ``folder.py``: the run folder's one owner: its files' names, reading and writing them, predictions,
  checkpoints' names; ``record.py``: ``RunRecord`` (run.json, typed) and ``RunMetrics``.
* ``events.py``: the run's event stream (``events.jsonl``), written as it goes and followed by other processes.
* ``lock.py``: one process trains a run folder at a time.
* ``model_card.py``: the README.md of a finished run, with the Hub's metadata block.
* ``listing.py``: the runs of a project folder, for ``tlstudio runs`` and the app's Runs page.
* ``comparison.py``: two runs side by side; ``recovery.py``: runs a crash interrupted, offered for resume.
"""

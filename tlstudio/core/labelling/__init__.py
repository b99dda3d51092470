"""Labelling: editing a dataset's cells safely, and choosing what to label next.

- ``edits``: the cells changed since the file was opened, applied to its frame.
- ``journal``: every edit appended to a file on disk as it happens, replayed after a crash.
- ``save``: writing edits back into the user's file in its own format, touching only edited records.
- ``uncertainty`` / ``suggestions`` / ``retrain``: model-assisted labelling (active learning).

Nothing here imports Qt; the app's labelling page sits on top of it.
"""

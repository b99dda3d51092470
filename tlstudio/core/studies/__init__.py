"""Studies that train many runs to answer one question: ``tuning.py`` (a hyperparameter search) and
``labels_needed.py`` (accuracy against the number of labelled rows)."""

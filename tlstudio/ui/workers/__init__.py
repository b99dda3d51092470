"""Work off the GUI thread: the training worker on its own QThread, short jobs on a QThreadPool."""

"""Callbacks that plug into any ``model.fit``.

- :class:`EpochTimer`: per-epoch wall time split into training and validation,
  throughput, warm-up flag and a steady-state summary; adds its figures to the
  epoch logs.
- :class:`HistoryExporter`: a crash-safe history on disk (``history.jsonl``,
  ``history.csv``, ``history.json``, ``run.json``), with resume.
- :func:`read_history` and :func:`read_run`: read an exporter's directory back.

Importing this module imports Keras and the standard library only; pandas and
matplotlib load on first use.

Example:

```python
from keras_seqzoo.callbacks import EpochTimer, HistoryExporter, read_history

callbacks = [EpochTimer(batch_size=32), HistoryExporter("runs/bilstm")]
model.fit(x, y, batch_size=32, epochs=5, validation_split=0.2, callbacks=callbacks)
read_history("runs/bilstm")
```
"""

from __future__ import annotations

from keras_seqzoo.callbacks.history import HistoryExporter, read_history, read_run
from keras_seqzoo.callbacks.timing import EpochTimer

__all__ = ["EpochTimer", "HistoryExporter", "read_history", "read_run"]

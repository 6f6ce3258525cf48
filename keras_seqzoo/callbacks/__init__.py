"""Callbacks that plug into any ``model.fit``.

- :class:`EpochTimer`: per-epoch wall time split into training and validation,
  throughput, warm-up flag and a steady-state summary; one rounded
  ``epoch_time`` in the epoch logs by default.
- :class:`HistoryExporter`: a crash-safe history on disk (``history.jsonl``
  and ``run.json``, the record; ``history.csv`` and ``history.json``, derived
  from it), with resume, and every figure of an :class:`EpochTimer` in the
  same fit.
- :func:`read_history` and :func:`read_run`: read an exporter's directory back.
- :func:`bind_trial`: names the trial for exporters inside a keras-tuner
  search (the copies that ``tuner.search`` makes find it by themselves and
  write to ``trial_<id>/``).

Modules: ``epoch_timer`` (the timer), ``history_exporter`` (the exporter),
``history_files`` (the files' format and the readers), ``run_record`` (the
``run.json`` bookkeeping); import from this package, not from them.

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

from keras_seqzoo.callbacks.epoch_timer import EpochTimer
from keras_seqzoo.callbacks.history_exporter import HistoryExporter, bind_trial
from keras_seqzoo.callbacks.history_files import read_history, read_run

__all__ = ["EpochTimer", "HistoryExporter", "bind_trial", "read_history", "read_run"]

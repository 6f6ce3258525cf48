"""Former home of the exporter, kept only so that ``keras_seqzoo.plots`` (which
imports ``read_history`` from here) keeps working until it imports from
:mod:`keras_seqzoo.callbacks`. Import from :mod:`keras_seqzoo.callbacks`."""

from __future__ import annotations

from keras_seqzoo.callbacks.history_exporter import HistoryExporter
from keras_seqzoo.callbacks.history_files import read_history, read_run

__all__ = ["HistoryExporter", "read_history", "read_run"]

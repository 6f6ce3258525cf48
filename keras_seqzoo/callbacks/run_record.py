"""``run.json``: the metadata and status of a :class:`~keras_seqzoo.callbacks.HistoryExporter` run.

``history.jsonl`` and ``run.json`` are the record of a run (``history.csv`` and
``history.json`` are derived from ``history.jsonl``). This module keeps the
``run.json`` side: what a run ran on, one entry per ``fit`` with its first epoch
and status, and the run's status (``"running"``, ``"finished"``, ``"failed"``,
``"interrupted"``). Every write replaces the file atomically; with ``fsync`` the
new file is fsynced before the rename and its folder after it, so a power loss
leaves the old or the new version, whole.
"""

from __future__ import annotations

import datetime
import json
import logging
from pathlib import Path
from typing import Any, Mapping

from keras_seqzoo import _atomic
from keras_seqzoo.callbacks import history_files as files

__all__ = ["RunRecord", "now"]

_logger = logging.getLogger("keras_seqzoo.callbacks")


def now() -> str:
    """The current UTC time, ISO 8601 to the second (``updated_at`` and friends)."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def render(run: Mapping[str, Any]) -> str:
    """The text of ``run.json`` (strict JSON, one key per line)."""
    return json.dumps(run, indent=1, allow_nan=False) + "\n"


class RunRecord:
    """The ``run.json`` of one run directory, kept in memory and written on every change.

    Args:
        path: the ``run.json`` file.
        fsync: make every write durable (file and folder fsynced).
    """

    def __init__(self, path: Path, *, fsync: bool):
        self.path = path
        self.fsync = fsync
        self._data: dict[str, Any] | None = None

    @property
    def data(self) -> dict[str, Any]:
        """The run's metadata (a new run's skeleton until the first fit starts)."""
        if self._data is None:
            self._data = {"status": "running", "started_at": now(), "fits": []}
        return self._data

    def load(self) -> bool:
        """Reads an existing ``run.json`` to continue it (``resume=True``).

        A fit that was still ``"running"`` belongs to a process that stopped
        without a word (SIGKILL, power loss): it is recorded as failed.

        Returns:
            Whether the file existed.

        Raises:
            HistoryFileError: the file is not a JSON object (file, line, column).
        """
        if not self.path.exists():
            self._data = None
            return False
        run = files.load_run(self.path)
        if run.get("status") == "running":
            fits = run.get("fits") or []
            if fits and fits[-1].get("status") == "running":
                fits[-1]["status"] = "failed"
                fits[-1]["error"] = "the process stopped without recording an end (killed?)"
        self._data = run
        return True

    def start_fit(self, *, first_epoch: int, epochs_completed: int, last_epoch: int | None,
                  replaced: list[int] | None, facts: Mapping[str, Any],
                  metadata: Mapping[str, Any], trial_id: str | None) -> None:
        """Records the start of a fit and writes the file.

        Args:
            first_epoch: the fit's first epoch (Keras' numbering).
            epochs_completed: epochs recorded so far.
            last_epoch: the last recorded epoch, or ``None``.
            replaced: ``[first, last]`` recorded epochs this fit replaces, or ``None``.
            facts: model, batch size, sequence length, versions, device, seed.
            metadata: the user's metadata (merged over the stored one).
            trial_id: the keras-tuner trial, or ``None``.
        """
        run = self.data
        run.update(
            {
                "status": "running",
                "updated_at": now(),
                "finished_at": None,
                "error": None,
                "epochs_completed": epochs_completed,
                "last_epoch": last_epoch,
                **facts,
                "metadata": {**(run.get("metadata") or {}), **metadata},
            }
        )
        for stale in ("hostname", "pid"):  # recorded by earlier versions
            run.pop(stale, None)
        if trial_id is not None:
            run["trial_id"] = trial_id
        entry: dict[str, Any] = {"started_at": now(), "first_epoch": first_epoch,
                                 "status": "running"}
        if replaced is not None:
            entry["replaced_epochs"] = list(replaced)
        run.setdefault("fits", []).append(entry)
        self.write()

    def after_epoch(self, epochs_completed: int, last_epoch: int) -> dict[str, Any]:
        """A copy of the run updated for one more written epoch (not adopted yet:
        the exporter adopts it with :meth:`adopt` once every file is written)."""
        run = json.loads(json.dumps(self.data))
        run["epochs_completed"] = epochs_completed
        run["last_epoch"] = last_epoch
        run["updated_at"] = now()
        return run

    def adopt(self, run: dict[str, Any]) -> None:
        """Takes ``run`` (from :meth:`after_epoch`, now on disk) as the current state."""
        self._data = run

    def end_fit(self, status: str, error: str | None = None) -> None:
        """Sets the status of the last fit entry (not written; see :meth:`finish`)."""
        fits = self.data.get("fits")
        if fits:
            fits[-1]["status"] = status
            fits[-1]["ended_at"] = now()
            if error:
                fits[-1]["error"] = error

    def finish(self, status: str, error: str | None, epochs_completed: int) -> None:
        """Ends the run's current fit with ``status`` and writes the file.

        A write that fails (a full disk) is logged, not raised: ``run.json``
        keeps its last state.
        """
        run = self.data
        self.end_fit(status, error)
        run["status"] = status
        run["error"] = error
        run["finished_at"] = now()
        run["updated_at"] = run["finished_at"]
        run["epochs_completed"] = epochs_completed
        try:
            self.write()
        except OSError as write_error:
            _logger.warning("keras_seqzoo: could not update %s: %s", self.path, write_error)

    def write(self) -> None:
        """Replaces ``run.json`` with the current state (atomically; durably with fsync)."""
        _atomic.write_text(self.path, render(self.data), fsync=self.fsync)

"""``HistoryExporter``: a crash-safe training history on disk, and its readers.

Files in the run directory, written after every epoch:

- ``history.jsonl``: one JSON record per epoch, appended, flushed and fsynced.
  It is the source of truth; every other file is derived from it.
- ``history.csv`` and ``history.json``: the whole history, with one column per
  key ever seen. An epoch that only adds a row is appended to them in place (one
  ``write`` each, undone if it fails), so an epoch costs the same after 10 or
  10,000 epochs; when columns appear or a resumed run replaces epochs, they are
  rewritten atomically (temporary file + rename) from ``history.jsonl``.
- ``run.json``: metadata (model, data, versions, device, seed) and the status.

Values: numbers are written exactly; NaN and infinities are written as the
strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` in JSON (so the files stay
strict JSON) and ``nan``, ``inf``, ``-inf`` in CSV; :func:`read_history` turns
them back into floats. Arrays (e.g. a per-class metric) are written as nested
lists (a JSON string in the CSV cell) and read back as lists. Anything else is
refused with a ``TypeError``.
"""

from __future__ import annotations

import atexit
import csv
import datetime
import io
import json
import logging
import math
import os
import platform
import socket
import sys
import weakref
from pathlib import Path
from typing import Any, Iterable, Mapping

import keras

from keras_seqzoo import _atomic

__all__ = ["HistoryExporter", "read_history", "read_run"]

_logger = logging.getLogger(__name__)

JSONL_NAME = "history.jsonl"
CSV_NAME = "history.csv"
JSON_NAME = "history.json"
RUN_NAME = "run.json"
_RUN_FILES = (JSONL_NAME, CSV_NAME, JSON_NAME, RUN_NAME)

_FLOAT_TOKENS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


# -- multi-process ---------------------------------------------------------------


def _process_index() -> int:
    """The index of this process in multi-process training (0 when alone).

    JAX: ``jax.process_index()``. TensorFlow: the ``TF_CONFIG`` task (the chief,
    or worker 0 when there is no chief, is process 0; ``ps`` and ``evaluator``
    tasks are not). PyTorch: ``torch.distributed.get_rank()`` when initialized.
    Otherwise the ``RANK`` (then ``LOCAL_RANK``) environment variable.
    """
    backend = keras.backend.backend()
    if backend == "jax":
        try:
            import jax

            return int(jax.process_index())
        except Exception:  # pragma: no cover - jax not usable
            pass
    elif backend == "tensorflow" and os.environ.get("TF_CONFIG"):
        try:
            config = json.loads(os.environ["TF_CONFIG"])
            task = config.get("task", {})
            kind, index = task.get("type"), int(task.get("index", 0))
            if kind == "chief":
                return 0
            if kind == "worker":
                return index + 1 if config.get("cluster", {}).get("chief") else index
            if kind:
                return -1  # ps, evaluator: never process 0
        except (ValueError, TypeError, AttributeError):
            pass
    elif backend == "torch":
        torch = sys.modules.get("torch")
        try:
            if torch is not None and torch.distributed.is_available():
                if torch.distributed.is_initialized():
                    return int(torch.distributed.get_rank())
        except Exception:  # pragma: no cover
            pass
    for variable in ("RANK", "LOCAL_RANK"):
        value = os.environ.get(variable)
        if value not in (None, ""):
            try:
                return int(value)
            except ValueError:
                pass
    return 0


# -- values ----------------------------------------------------------------------


def _encode_value(value: Any, key: str) -> Any:
    """Converts a log value to strict-JSON data (NaN/Inf as strings)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, (list, tuple)):
        return [_encode_value(v, key) for v in value]
    if isinstance(value, Mapping):
        raise TypeError(
            f"HistoryExporter cannot record a dict as the value of {key!r}; log its entries "
            f"as separate keys instead. Received: logs[{key!r}]={value!r}"
        )
    try:
        import numpy as np

        if keras.ops.is_tensor(value):
            value = keras.ops.convert_to_numpy(value)
        elif hasattr(value, "__array__") and not isinstance(value, (np.ndarray, np.generic)):
            value = np.asarray(value)
        if isinstance(value, (np.ndarray, np.generic)):
            if value.dtype.kind in "biuf":
                return _encode_value(value.tolist(), key)
            raise TypeError
    except TypeError:
        pass
    raise TypeError(
        "HistoryExporter can record numbers, strings, booleans and numeric arrays "
        f"(written as nested lists). Received: logs[{key!r}]={value!r} "
        f"of type {type(value).__name__}. Convert it to one of these, or remove it from the logs."
    )


def _decode_value(value: Any) -> Any:
    if isinstance(value, str) and value in _FLOAT_TOKENS:
        return _FLOAT_TOKENS[value]
    if isinstance(value, list):
        return [_decode_value(v) for v in value]
    return value


def _csv_cell(value: Any) -> str:
    """One CSV cell from an encoded value; missing values are empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)  # the shortest string that reads back exactly
    if isinstance(value, str):
        return {"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}.get(value, value)
    if isinstance(value, list):
        return json.dumps(value, allow_nan=False)
    return str(value)


# -- files -----------------------------------------------------------------------


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _fsync_directory(directory: Path) -> None:
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # pragma: no cover
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse
        pass
    finally:
        os.close(fd)


def _load_jsonl(path: Path) -> tuple[list[dict[str, Any]], int]:
    """Reads ``history.jsonl``.

    Returns:
        ``(raw records in file order, byte length of the complete part)``. A
        last line cut short by a killed process is left out.
    """
    data = path.read_bytes()
    records: list[dict[str, Any]] = []
    offset = 0
    lines = data.split(b"\n")
    for number, line in enumerate(lines, start=1):
        is_last = number == len(lines)
        if line.strip():
            try:
                record = json.loads(line)
                if not isinstance(record, dict) or "epoch" not in record:
                    raise ValueError("not an epoch record")
            except ValueError as error:
                if is_last:  # a partial write: the process died mid-line
                    _logger.warning(
                        "keras_seqzoo: ignoring an incomplete last line in %s "
                        "(the writing process was probably killed).", path
                    )
                    break
                raise ValueError(
                    f"{path} line {number} is not a valid history record ({error}). "
                    "The file may have been edited or corrupted; fix or remove that line."
                ) from None
            records.append(record)
        if not is_last:
            offset += len(line) + 1
        elif line.strip():
            offset += len(line)
    return records, offset


def _reduce(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Applies the resume rule: a record for epoch ``e`` replaces every earlier
    record for epoch ``e`` *or later* (those belong to an abandoned attempt)."""
    kept: list[dict[str, Any]] = []
    for record in records:
        epoch = record["epoch"]
        if kept and kept[-1]["epoch"] >= epoch:
            kept = [r for r in kept if r["epoch"] < epoch]
        kept.append(record)
    return kept


def _columns(records: Iterable[Mapping[str, Any]]) -> list[str]:
    columns = {"epoch": None}
    for record in records:
        for key in record:
            columns.setdefault(key, None)
    return list(columns)


def _csv_rows(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _render_csv(records: list[dict[str, Any]], columns: list[str]) -> str:
    return _csv_rows([columns, *([_csv_cell(r.get(c)) for c in columns] for r in records)])


def _json_item(record: Mapping[str, Any], columns: list[str]) -> str:
    return json.dumps({c: record.get(c) for c in columns}, allow_nan=False)


# history.json is a list with one record per line; it always ends with this tail,
# which an in-place append overwrites (see HistoryExporter._append_derived).
_JSON_TAIL = b"\n]\n"


def _render_json(records: list[dict[str, Any]], columns: list[str]) -> str:
    if not records:
        return "[]\n"
    return "[\n" + ",\n".join(_json_item(r, columns) for r in records) + _JSON_TAIL.decode()


# -- readers ---------------------------------------------------------------------


def read_history(directory: str | os.PathLike, *, as_frame: bool = False):
    """Reads the history a :class:`HistoryExporter` wrote.

    It reads ``history.jsonl`` (the source of truth), keeps the last record of
    each epoch (a resumed run that went back to epoch ``e`` replaces the old
    records from ``e`` on), and ignores a last line cut short by a killed process.

    Args:
        directory: the exporter's directory.
        as_frame: return a ``pandas.DataFrame`` (one row per epoch) instead of
            a list of dicts. Needs pandas.

    Returns:
        The records sorted by epoch, each with every column (``None`` where an
        epoch has no value, e.g. ``val_loss`` under ``validation_freq=2``),
        NaN and infinities as floats and arrays as lists; or the DataFrame.

    Raises:
        FileNotFoundError: the directory holds no ``history.jsonl``.

    Example:

    ```python
    records = keras_seqzoo.callbacks.read_history("runs/bilstm")
    best = min(records, key=lambda r: r["val_loss"] or float("inf"))
    frame = keras_seqzoo.callbacks.read_history("runs/bilstm", as_frame=True)
    ```
    """
    path = Path(directory) / JSONL_NAME
    if not path.is_file():
        raise FileNotFoundError(
            f"No training history in {os.fspath(directory)!r}: {JSONL_NAME} is missing. "
            "Pass the directory given to HistoryExporter."
        )
    raw, _ = _load_jsonl(path)
    records = _reduce(raw)
    columns = _columns(records)
    records = [{c: _decode_value(r.get(c)) for c in columns} for r in records]
    if not as_frame:
        return records
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "read_history(..., as_frame=True) needs pandas. Install it with "
            "`pip install pandas`, or call read_history(directory) for a list of dicts."
        ) from None
    return pd.DataFrame.from_records(records, columns=columns)


def read_run(directory: str | os.PathLike) -> dict[str, Any]:
    """Reads ``run.json``, the metadata and status of a run.

    ``status`` is ``"running"`` (in progress, or killed without a chance to
    write: compare ``pid``/``hostname`` and ``updated_at``), ``"finished"``,
    ``"failed"`` or ``"interrupted"``.

    Args:
        directory: the exporter's directory.

    Returns:
        The run metadata as a dict.
    """
    path = Path(directory) / RUN_NAME
    if not path.is_file():
        raise FileNotFoundError(
            f"No run metadata in {os.fspath(directory)!r}: {RUN_NAME} is missing. "
            "Pass the directory given to HistoryExporter."
        )
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# -- environment -----------------------------------------------------------------


def _backend_version(backend: str) -> str | None:
    import importlib.metadata

    for package in {"tensorflow": ("tensorflow", "tensorflow-cpu"), "jax": ("jax",),
                    "torch": ("torch",), "numpy": ("numpy",)}.get(backend, (backend,)):
        try:
            return importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _device(backend: str) -> str | None:
    """The accelerator in use, from the backend already imported by Keras."""
    try:
        if backend == "jax":
            import jax

            device = jax.devices()[0]
            return f"{device.platform}:{getattr(device, 'device_kind', '')}".rstrip(":")
        if backend == "tensorflow":
            import tensorflow as tf  # already imported: it is the backend

            gpus = tf.config.list_logical_devices("GPU")
            return ", ".join(d.name for d in gpus) if gpus else "CPU"
        if backend == "torch":
            import torch

            if torch.cuda.is_available():
                return f"cuda:{torch.cuda.get_device_name(0)}"
            return "cpu"
    except Exception:  # pragma: no cover - never fail a run over metadata
        return None
    return None


def _global_seed() -> int | None:
    try:
        from keras.src.backend.common import global_state

        return global_state.get_global_attribute("global_random_seed")
    except Exception:  # pragma: no cover - private API moved
        return None


def _input_shape(model: Any) -> tuple | None:
    try:
        inputs = model.inputs
        if inputs and len(inputs) == 1:
            return tuple(inputs[0].shape)
    except Exception:
        pass
    return None


# -- the callback ----------------------------------------------------------------


class HistoryExporter(keras.callbacks.Callback):
    """Writes the training history to disk after every epoch, crash-safely.

    After each epoch it appends the epoch's logs to ``history.jsonl`` (flushed
    and fsynced), adds the row to ``history.csv`` and ``history.json`` (in place;
    rewritten atomically from ``history.jsonl`` when columns appear or epochs
    are replaced), and updates ``run.json``: 1-2 ms per epoch on a local disk,
    the same after 10 or 10,000 epochs. Keys that appear later (validation every N
    epochs, a learning rate added mid-run) become new columns; epochs without
    a value are empty in the CSV and ``null`` in JSON. A process killed in the
    middle of epoch ``N`` leaves files that parse and hold epochs ``0..N-1``.

    **An existing run in the directory** (any of ``history.jsonl``, ``run.json``)
    is never mixed with a new one silently:

    - default: ``fit`` raises ``FileExistsError`` before the first epoch;
    - ``resume=True``: continue it (``initial_epoch``, or
      ``keras.callbacks.BackupAndRestore`` after a crash). Records are
      appended; a record for epoch ``e`` replaces the old records from ``e``
      on (the last record for an epoch wins). An empty directory is fine too;
    - ``overwrite=True``: delete the four run files first (nothing else).

    Calling ``fit`` again with the *same* exporter continues the same run: if
    Keras numbers the new epochs from 0 again, they are shifted to follow the
    recorded ones, so no epoch is duplicated.

    **Status** in ``run.json``: ``"running"`` from ``on_train_begin``,
    ``"finished"`` in ``on_train_end``. Keras calls ``on_train_end`` only when
    ``fit`` returns, so a failure is detected in three honest ways:

    - use the exporter as a context manager around ``fit``
      (``with exporter: model.fit(..., callbacks=[exporter])``): an exception
      sets ``"failed"`` (with ``error``), ``KeyboardInterrupt`` sets
      ``"interrupted"``, and the exception propagates;
    - without it, if the Python process exits while ``fit`` is still running
      (an uncaught exception, ``sys.exit``), an ``atexit`` hook sets ``"failed"``;
      a later ``fit`` with the same exporter records the abandoned attempt in
      ``fits`` as ``"failed"`` too;
    - a process killed outright (SIGKILL, power loss) cannot write anything:
      its status stays ``"running"``; ``pid``, ``hostname`` and ``updated_at``
      tell a reader that it is stale.

    Under multi-process training only process 0 writes (see ``_process_index``).

    Put :class:`EpochTimer` *before* the exporter in ``callbacks`` so that the
    timing keys are recorded.

    Args:
        directory: the run directory; created if needed.
        resume: continue the run already in the directory.
        overwrite: replace the run already in the directory.
        metadata: a JSON-serializable dict stored under ``"metadata"`` in
            ``run.json`` (e.g. the experiment name and data settings).
        batch_size: recorded in ``run.json``; else ``metadata["batch_size"]``
            or the model's static batch size.
        sequence_length: recorded in ``run.json``; else read from the model's
            input shape ``(batch, length)``.
        fsync: fsync ``history.jsonl`` after every epoch (the default). The
            derived files are only renamed into place, never fsynced: they are
            rebuilt from ``history.jsonl``. ``False`` still survives a killed
            process, but not a power loss.

    Example:

    ```python
    from keras_seqzoo.callbacks import EpochTimer, HistoryExporter, read_history

    exporter = HistoryExporter("runs/bilstm", metadata={"experiment": "T5"})
    with exporter:
        model.fit(x, y, epochs=10, validation_split=0.2,
                  callbacks=[EpochTimer(batch_size=32), exporter])
    read_history("runs/bilstm", as_frame=True)
    ```
    """

    def __init__(
        self,
        directory: str | os.PathLike,
        *,
        resume: bool = False,
        overwrite: bool = False,
        metadata: Mapping[str, Any] | None = None,
        batch_size: int | None = None,
        sequence_length: int | None = None,
        fsync: bool = True,
    ):
        super().__init__()
        if resume and overwrite:
            raise ValueError(
                "HistoryExporter: `resume` continues the run in the directory and `overwrite` "
                "replaces it; pass only one. Received: resume=True, overwrite=True"
            )
        if metadata is not None:
            if not isinstance(metadata, Mapping):
                raise TypeError(
                    f"`metadata` must be a dict. Received: metadata={metadata!r}"
                )
            try:
                json.dumps(dict(metadata), allow_nan=False)
            except (TypeError, ValueError) as error:
                raise ValueError(
                    "`metadata` must be JSON-serializable (strings, numbers, lists, dicts). "
                    f"Received: metadata={metadata!r} ({error})"
                ) from None
        self.directory = Path(directory)
        self.resume = bool(resume)
        self.overwrite = bool(overwrite)
        self.metadata = dict(metadata or {})
        self.batch_size = batch_size
        self.sequence_length = sequence_length
        self.fsync = bool(fsync)
        self._records: list[dict[str, Any]] = []
        self._columns: list[str] = []
        self._derived_current = False  # history.csv/json on disk match _records/_columns
        self._run: dict[str, Any] | None = None
        self._fits = 0
        self._running = False
        self._writer = True
        self._offset = 0
        self._offset_decided = True
        self._model_ref: Any = None
        self._atexit_registered = False

    # -- paths -------------------------------------------------------------------

    def _path(self, name: str) -> Path:
        return self.directory / name

    def _existing_run(self) -> bool:
        return any(self._path(name).exists() for name in (JSONL_NAME, RUN_NAME))

    # -- context manager -------------------------------------------------------

    def __enter__(self) -> "HistoryExporter":
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        if exc_type is not None and self._running:
            status = "interrupted" if issubclass(exc_type, KeyboardInterrupt) else "failed"
            self._mark_ended(status, error=f"{exc_type.__name__}: {exc}")
        return False  # never swallow the exception

    def _at_exit(self) -> None:
        if self._running:
            self._mark_ended(
                "failed",
                error="the Python process exited while fit() was running "
                "(an uncaught exception or sys.exit())",
            )

    # -- hooks -----------------------------------------------------------------

    def on_train_begin(self, logs=None):
        self._writer = _process_index() == 0
        if not self._writer:
            return
        model = self._model
        if self._fits == 0:
            self._open_directory()
        else:
            previous = self._model_ref() if self._model_ref is not None else None
            if previous is not None and previous is not model:
                raise ValueError(
                    "HistoryExporter: this exporter recorded another model's run in "
                    f"{os.fspath(self.directory)!r}. Create a new HistoryExporter (with "
                    "another directory) for each model."
                )
            if self._running:  # the previous fit never reached on_train_end
                self._end_fit_entry("failed", "fit() did not finish (an exception was raised)")
            self._offset_decided = False  # a second fit may renumber its epochs from 0
        try:
            self._model_ref = weakref.ref(model) if model is not None else None
        except TypeError:  # pragma: no cover
            self._model_ref = None
        self._fits += 1
        self._running = True
        self._start_fit_entry()
        if not self._atexit_registered:
            atexit.register(self._at_exit)
            self._atexit_registered = True

    def on_epoch_end(self, epoch, logs=None):
        if not self._writer:
            return
        epoch = int(epoch)
        if not self._offset_decided:
            last = self._records[-1]["epoch"] if self._records else -1
            self._offset = last + 1 - epoch if epoch <= last else 0
            self._offset_decided = True
        record: dict[str, Any] = {"epoch": epoch + self._offset}
        for key, value in (logs or {}).items():
            if key != "epoch":
                record[key] = _encode_value(value, key)
        self._append(record)
        fits = self._run_info().get("fits")
        if fits and fits[-1].get("first_epoch") is None:
            fits[-1]["first_epoch"] = record["epoch"]
        # Constant work per epoch in the usual case (a new last epoch, no new keys).
        if self._records and record["epoch"] > self._records[-1]["epoch"]:
            self._records.append(record)
            if self._derived_current and all(key in self._columns for key in record):
                self._append_derived(record)
            else:
                self._write_derived()
        else:
            self._records = _reduce([*self._records, record])
            self._write_derived()
        run = self._run_info()
        run["epochs_completed"] = len(self._records)
        run["last_epoch"] = record["epoch"]
        run["updated_at"] = _now()
        self._write_run()

    def on_train_end(self, logs=None):
        if not self._writer or not self._running:
            return
        self._mark_ended("finished")

    # -- writing ---------------------------------------------------------------

    def _open_directory(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._existing_run():
            if self.overwrite:
                for name in _RUN_FILES:
                    self._path(name).unlink(missing_ok=True)
            elif self.resume:
                self._load_existing()
                return
            else:
                raise FileExistsError(
                    f"HistoryExporter: {os.fspath(self.directory)!r} already holds a run "
                    f"({self._describe_existing()}). Pass resume=True to continue it, "
                    "overwrite=True to replace it, or choose another directory."
                )
        self._records = []
        self._derived_current = False
        self._run = None

    def _describe_existing(self) -> str:
        parts = []
        try:
            run = read_run(self.directory)
            parts.append(f"status {run.get('status')!r}, {run.get('epochs_completed')} epoch(s)")
        except (OSError, ValueError):
            pass
        return ", ".join(parts) or "history files present"

    def _load_existing(self) -> None:
        jsonl = self._path(JSONL_NAME)
        raw: list[dict[str, Any]] = []
        if jsonl.exists():
            raw, complete = _load_jsonl(jsonl)
            with open(jsonl, "r+b") as f:
                f.truncate(complete)  # drop a partial last line before appending
                if complete:
                    f.seek(complete - 1)
                    if f.read(1) != b"\n":
                        f.write(b"\n")
        self._records = _reduce(raw)
        try:
            self._run = read_run(self.directory)
        except (OSError, ValueError):
            self._run = None
        if self._run is not None and self._run.get("status") == "running":
            # The previous process died without a word (e.g. SIGKILL).
            fits = self._run.get("fits") or []
            if fits and fits[-1].get("status") == "running":
                fits[-1]["status"] = "failed"
                fits[-1]["error"] = "the process stopped without recording an end (killed?)"

    def _append(self, record: dict[str, Any]) -> None:
        line = json.dumps(record, allow_nan=False) + "\n"
        path = self._path(JSONL_NAME)
        created = not path.exists()
        with open(path, "a", encoding="utf-8", newline="") as f:
            f.write(line)
            f.flush()
            if self.fsync:
                os.fsync(f.fileno())
        if created and self.fsync:
            _fsync_directory(self.directory)  # make the new file's name durable too

    def _write_text(self, name: str, text: str) -> None:
        # Derived files: atomic (a reader sees the old or the new file, even
        # after SIGKILL) but not fsynced; history.jsonl, fsynced, can rebuild them.
        _atomic.write_text(self._path(name), text)

    def _write_derived(self) -> None:
        self._derived_current = False
        self._columns = _columns(self._records)
        self._write_text(CSV_NAME, _render_csv(self._records, self._columns))
        self._write_text(JSON_NAME, _render_json(self._records, self._columns))
        self._derived_current = True

    def _append_derived(self, record: dict[str, Any]) -> None:
        """Adds one row to history.csv and history.json in place, one ``write``
        each. A failed write (a full disk) is undone before the error propagates,
        so both files still parse and hold the previous epochs."""
        self._derived_current = False
        row = _csv_rows([[_csv_cell(record.get(c)) for c in self._columns]]).encode()
        item = b",\n" + _json_item(record, self._columns).encode() + _JSON_TAIL
        for name, data, keep in ((CSV_NAME, row, 0), (JSON_NAME, item, len(_JSON_TAIL))):
            with open(self._path(name), "r+b", buffering=0) as f:
                size = f.seek(0, os.SEEK_END)
                f.seek(size - keep)
                try:
                    written = f.write(data)
                    if written != len(data):
                        raise OSError(f"short write to {self._path(name)} ({written} of "
                                      f"{len(data)} bytes; is the disk full?)")
                except OSError:
                    f.truncate(size - keep)  # back to the old content: no new space needed
                    f.seek(size - keep)
                    f.write(_JSON_TAIL[:keep])
                    raise
        self._derived_current = True

    def _write_run(self) -> None:
        self._write_text(RUN_NAME, json.dumps(self._run, indent=1, allow_nan=False) + "\n")

    def _run_info(self) -> dict[str, Any]:
        if self._run is None:
            self._run = {"status": "running", "started_at": _now(), "fits": []}
        return self._run

    def _start_fit_entry(self) -> None:
        run = self._run_info()
        backend = keras.backend.backend()
        run.update(
            {
                "status": "running",
                "updated_at": _now(),
                "finished_at": None,
                "error": None,
                "epochs_completed": len(self._records),
                "last_epoch": self._records[-1]["epoch"] if self._records else None,
                "model": self._model_info(),
                "batch_size": self._batch_size(),
                "sequence_length": self._sequence_length(),
                "keras_version": keras.__version__,
                "backend": backend,
                "backend_version": _backend_version(backend),
                "device": _device(backend),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "hostname": socket.gethostname(),
                "pid": os.getpid(),
                "seed": _global_seed(),
                "metadata": {**(run.get("metadata") or {}), **self.metadata},
            }
        )
        run.setdefault("fits", []).append(
            {"started_at": _now(), "first_epoch": None, "status": "running"}
        )
        self._write_run()

    def _end_fit_entry(self, status: str, error: str | None = None) -> None:
        run = self._run_info()
        if run.get("fits"):
            entry = run["fits"][-1]
            entry["status"] = status
            entry["ended_at"] = _now()
            if error:
                entry["error"] = error

    def _mark_ended(self, status: str, error: str | None = None) -> None:
        self._running = False
        if not self._writer:
            return
        run = self._run_info()
        self._end_fit_entry(status, error)
        run["status"] = status
        run["error"] = error
        run["finished_at"] = _now()
        run["updated_at"] = run["finished_at"]
        run["epochs_completed"] = len(self._records)
        try:
            self._write_run()
        except OSError as write_error:  # pragma: no cover - at exit, be quiet
            _logger.warning("keras_seqzoo: could not update %s: %s", RUN_NAME, write_error)

    # -- metadata --------------------------------------------------------------

    def _model_info(self) -> dict[str, Any]:
        model = self._model
        info: dict[str, Any] = {"name": getattr(model, "name", None)}
        config = getattr(model, "seqzoo_config", None)
        if isinstance(config, Mapping):
            info["builder"] = config.get("builder")
            info["preset"] = config.get("preset")
            info["arguments"] = _jsonable(config.get("arguments"))
        else:
            info.update(builder=None, preset=None, arguments=None)
        try:
            info["params"] = int(model.count_params())
            info["trainable_params"] = int(
                sum(int(math.prod(w.shape)) for w in model.trainable_weights)
            )
        except Exception:  # an unbuilt model
            info["params"] = None
        return info

    def _batch_size(self) -> int | None:
        if self.batch_size is not None:
            return self.batch_size
        if "batch_size" in self.metadata:
            return self.metadata["batch_size"]
        shape = _input_shape(self._model)
        return shape[0] if shape and isinstance(shape[0], int) else None

    def _sequence_length(self) -> int | None:
        if self.sequence_length is not None:
            return self.sequence_length
        if "sequence_length" in self.metadata:
            return self.metadata["sequence_length"]
        shape = _input_shape(self._model)
        if shape and len(shape) == 2 and isinstance(shape[1], int):
            return shape[1]
        return None


def _jsonable(value: Any) -> Any:
    """A JSON-safe copy of builder arguments (tuples as lists, others as repr)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return repr(value)

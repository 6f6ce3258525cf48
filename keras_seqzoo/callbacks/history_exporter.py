"""``HistoryExporter``: a crash-safe training history on disk (the callback).

The files and their readers are in :mod:`keras_seqzoo.callbacks.history_files`;
what a run ran on (versions, device, process index) in ``_runtime``; how an
:class:`~keras_seqzoo.callbacks.EpochTimer` hands its figures over in
``_epoch_figures``.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import datetime
import json
import logging
import math
import os
import sys
import weakref
from pathlib import Path
from typing import Any, Callable, Iterable, Literal, Mapping

import keras

from keras_seqzoo import _atomic
from keras_seqzoo.callbacks import _epoch_figures, _runtime
from keras_seqzoo.callbacks import history_files as files
from keras_seqzoo._values import to_jsonable

__all__ = ["HistoryExporter", "bind_trial"]

_logger = logging.getLogger("keras_seqzoo.callbacks")


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


class _Copies:
    """What the deep copies of one exporter share (keras-tuner copies callbacks
    for every trial): which instance opened which run directory, and how many
    executions of each trial have started."""

    def __init__(self) -> None:
        self.opened: dict[str, object] = {}
        self.executions: dict[str, int] = {}


def _refuse_in_search(message: str) -> Exception:
    """A ValueError that keras-tuner treats as fatal (it stops the search instead
    of failing every later trial the same way) when keras-tuner is running."""
    errors = getattr(sys.modules.get("keras_tuner"), "errors", None)
    error_type = getattr(errors, "FatalValueError", ValueError)
    return error_type(message)


class HistoryExporter(keras.callbacks.Callback):
    """Writes the training history to disk after every epoch, crash-safely.

    After each epoch it appends the epoch's logs to ``history.jsonl`` (flushed
    and fsynced), adds the row to ``history.csv`` and ``history.json`` (in place;
    rewritten atomically from ``history.jsonl`` when columns appear, epochs are
    replaced, or either file was deleted or changed by someone else), and
    updates ``run.json``: 1-2 ms per epoch on a local disk, the same after 10 or
    10,000 epochs. Keys that appear later (validation every N epochs, a learning
    rate added mid-run) become new columns; epochs without a value are empty in
    the CSV and ``null`` in JSON. The format is described in
    :mod:`keras_seqzoo.callbacks.history_files`.

    **Failures leave consistent files.** A process killed in the middle of
    epoch ``N`` leaves files that parse and hold epochs ``0..N-1``. A write
    that fails (a full disk) is undone in every file before the error
    propagates, so all four files still parse and agree on the epochs.

    **With an EpochTimer** in the same ``fit`` (anywhere in ``callbacks``),
    every record also carries the timer's full figures (``epoch_time``,
    ``train_time``, ``validation_time``, ``steps``, ``steps_per_second``,
    ``examples_per_second``, ``tokens_per_second``, ``step_time``) and its
    ``warmup`` flag, whatever the timer puts in the epoch logs.

    **Epoch numbers are Keras' own.** A record for epoch ``e`` replaces the
    recorded epochs from ``e`` on (``history.jsonl`` keeps every line). So a
    ``fit(..., initial_epoch=e)``, or a fit that
    ``keras.callbacks.BackupAndRestore`` restarts at epoch ``e``, redoes the
    epochs from ``e``. A fit that starts at epoch 0 over recorded epochs is
    refused (``ValueError`` before its first epoch), unless
    ``BackupAndRestore`` restored it to epoch 0: it would replace the whole
    history. Pass ``initial_epoch`` to continue, or use ``overwrite=True``.

    **An existing run in the directory** (any of ``history.jsonl``, ``run.json``)
    is never mixed with a new one silently:

    - default: ``fit`` raises ``FileExistsError`` before the first epoch;
    - ``resume=True``: continue it (with ``initial_epoch``, or
      ``keras.callbacks.BackupAndRestore`` after a crash). An empty directory
      is fine too. A corrupt ``run.json`` or a malformed line of
      ``history.jsonl`` is refused with the file and line, never dropped;
    - ``overwrite=True``: delete the four run files first (nothing else).

    The same checks apply when the hooks are driven by hand (a custom training
    loop calling ``on_epoch_end`` without ``on_train_begin``): the first hook
    called opens the run as ``fit`` would.

    **Inside** ``tuner.search(callbacks=[exporter])``: keras-tuner deep-copies
    the callbacks for every trial. With :class:`keras_seqzoo.tuning.HyperModel`
    (or :func:`bind_trial` in your own ``HyperModel.fit``), each trial writes
    to ``<directory>/trial_<id>`` (``.../trial_<id>/execution_<k>`` when
    ``executions_per_trial > 1``) and ``run.json`` records its ``trial_id``.
    When the trial cannot be known, the first trial writes to ``directory`` and
    the second is refused before it trains, with an error that says what to
    do: no trial ever overwrites another.

    **Status** in ``run.json``: ``"running"`` from the first epoch of a fit,
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
      its status stays ``"running"`` and ``updated_at`` tells when its last
      epoch ended; resuming records that attempt as ``"failed"``.

    ``run.json`` holds no host name, process id, user name or absolute path,
    so run directories can be shared as they are (put such things in
    ``metadata`` yourself if you want them). Under multi-process training only
    process 0 writes.

    Args:
        directory: the run directory; created if needed. Must not be empty
            or name a file.
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

    Raises:
        ValueError: ``directory`` is empty or names an existing file, or
            ``resume`` and ``overwrite`` are both set.

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
        if directory is None or (isinstance(directory, (str, bytes)) and not directory) \
                or not os.fspath(directory):
            raise ValueError(
                "HistoryExporter needs a directory to write the run to. Received: "
                f"directory={directory!r}. Pass a path such as 'runs/bilstm'."
            )
        self.directory = Path(os.fspath(directory))
        _check_not_a_file(self.directory)
        if resume and overwrite:
            raise ValueError(
                "HistoryExporter: `resume` continues the run in the directory and `overwrite` "
                "replaces it; pass only one. Received: resume=True, overwrite=True"
            )
        if metadata is not None:
            if not isinstance(metadata, Mapping):
                raise TypeError(
                    f"HistoryExporter: `metadata` must be a dict. Received: metadata={metadata!r}"
                )
            try:
                json.dumps(dict(metadata), allow_nan=False)
            except (TypeError, ValueError) as error:
                raise ValueError(
                    "HistoryExporter: `metadata` must be JSON-serializable (strings, numbers, "
                    f"lists, dicts). Received: metadata={metadata!r} ({error})"
                ) from None
        self.resume = bool(resume)
        self.overwrite = bool(overwrite)
        self.metadata = dict(metadata or {})
        self.batch_size = batch_size
        self.sequence_length = sequence_length
        self.fsync = bool(fsync)
        self._copies = _Copies()
        self._copied = False
        self._token = object()
        self._trial_id: str | None = None
        self._run_directory = self.directory
        self._atexit_registered = False
        self._reset_run_state()

    def _reset_run_state(self) -> None:
        self._records: list[dict[str, Any]] = []
        self._columns: list[str] = []
        self._derived_sizes: dict[str, int] | None = None  # None: rebuild before appending
        self._run: dict[str, Any] | None = None
        self._opened = False
        self._running = False  # a fit has begun and not ended
        self._fit_started = False  # ... and its first epoch was accepted
        self._fit_last_epoch: int | None = None
        self._writer = True
        self._model_ref: Any = None

    # -- where -------------------------------------------------------------------

    @property
    def run_directory(self) -> Path:
        """Where this exporter writes: ``directory``, or a trial's subfolder of it."""
        return self._run_directory

    def _path(self, name: str) -> Path:
        return self._run_directory / name

    def _existing_run(self) -> bool:
        return any(self._path(name).exists() for name in (files.JSONL_NAME, files.RUN_NAME))

    # -- keras-tuner ---------------------------------------------------------------

    def __deepcopy__(self, memo: dict) -> "HistoryExporter":
        # keras-tuner deep-copies the search's callbacks for every trial. A copy
        # starts with no run and shares _copies with its original and siblings,
        # which is how two copies writing to one directory are caught.
        new = self.__class__.__new__(self.__class__)
        memo[id(self)] = new
        shared = {"_copies": self._copies, "_model": None, "_model_ref": None}
        for key, value in self.__dict__.items():
            setattr(new, key, shared[key] if key in shared else copy.deepcopy(value, memo))
        new._copied = True
        new._token = object()
        new._trial_id = None
        new._run_directory = new.directory
        new._atexit_registered = False
        new._reset_run_state()
        return new

    def set_trial(self, trial_id: str, *, executions_per_trial: int = 1) -> None:
        """Writes this exporter's run to the subfolder of a keras-tuner trial.

        :func:`bind_trial` calls it; call it yourself only to name the trial
        by hand. Must be called before the fit starts.

        Args:
            trial_id: the trial's id (``trial.trial_id``).
            executions_per_trial: the tuner's ``executions_per_trial``; above
                1, each execution gets its own ``execution_<k>`` subfolder.
        """
        trial_id = str(trial_id)
        if self._trial_id == trial_id:
            return
        if self._opened:
            raise ValueError(
                f"HistoryExporter: set_trial({trial_id!r}) after the run in "
                f"{os.fspath(self._run_directory)!r} was opened; call it before fit()."
            )
        folder = self.directory / f"trial_{trial_id}"
        if executions_per_trial > 1:
            execution = self._copies.executions.get(trial_id, 0)
            self._copies.executions[trial_id] = execution + 1
            folder = folder / f"execution_{execution}"
        self._trial_id = trial_id
        self._run_directory = folder

    # -- context manager -------------------------------------------------------

    def __enter__(self) -> "HistoryExporter":
        return self

    def __exit__(self, exc_type, exc, traceback) -> Literal[False]:
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
        self._writer = _runtime.process_index() == 0
        if not self._writer:
            return
        model = self._model
        if not self._opened:
            self._open_directory()
        else:
            previous = self._model_ref() if self._model_ref is not None else None
            if previous is not None and model is not None and previous is not model:
                raise ValueError(
                    "HistoryExporter: this exporter recorded another model's run in "
                    f"{os.fspath(self._run_directory)!r}. Create a new HistoryExporter (with "
                    "another directory) for each model."
                )
            if self._running and self._fit_started:  # the previous fit never ended
                self._end_fit_entry("failed", "fit() did not finish (an exception was raised)")
                self._write_run(self._run_info())
        try:
            self._model_ref = weakref.ref(model) if model is not None else None
        except TypeError:  # pragma: no cover
            self._model_ref = None
        self._running = True
        self._fit_started = False
        self._fit_last_epoch = None
        if not self._atexit_registered:
            atexit.register(self._at_exit)
            self._atexit_registered = True

    def on_epoch_begin(self, epoch, logs=None):
        if not self._running:  # hooks driven by hand, without on_train_begin
            self.on_train_begin()
        if self._writer and not self._fit_started:
            self._start_fit(int(epoch))

    def on_epoch_end(self, epoch, logs=None):
        if not self._running:  # hooks driven by hand, without on_train_begin
            self.on_train_begin()
        if not self._writer:
            return
        epoch = int(epoch)
        if not self._fit_started:
            self._start_fit(epoch)
        elif self._fit_last_epoch is not None and epoch <= self._fit_last_epoch:
            raise ValueError(
                f"HistoryExporter: epoch {epoch} ended after epoch {self._fit_last_epoch} in "
                "the same fit. Epoch numbers must increase within a fit; to start a new "
                "one when driving the callbacks by hand, call on_train_end() and "
                "on_train_begin() first."
            )
        record: dict[str, Any] = {"epoch": epoch}
        for key, value in (logs or {}).items():
            if key != "epoch":
                record[key] = files.encode_value(value, key)
        for key, value in (_epoch_figures.figures(self._model, epoch) or {}).items():
            record[key] = files.encode_value(value, key)  # full precision, and "warmup"
        self._commit(record)
        self._fit_last_epoch = epoch

    def on_train_end(self, logs=None):
        if not self._writer or not self._running:
            return
        self._mark_ended("finished")

    # -- opening a run ---------------------------------------------------------

    def _open_directory(self) -> None:
        directory = self._run_directory
        key = os.path.abspath(directory)
        holder = self._copies.opened.get(key)
        if holder is not None and holder is not self._token:
            raise _refuse_in_search(
                f"HistoryExporter({os.fspath(self.directory)!r}) was copied, and another copy "
                f"already records a run in {os.fspath(directory)!r}. keras-tuner copies the "
                "callbacks given to tuner.search() for every trial; without knowing the "
                "trial, this one would overwrite the previous trial's history. Use "
                "keras_seqzoo.tuning.HyperModel (each trial then writes to "
                f"{os.fspath(self.directory)}/trial_<id>), or in your own HyperModel.fit"
                "(hp, model, *args, **kwargs) call "
                "keras_seqzoo.callbacks.bind_trial(kwargs['callbacks']) before model.fit."
            )
        _check_not_a_file(directory)
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as error:
            raise ValueError(
                f"HistoryExporter cannot create the directory {os.fspath(directory)!r}: "
                f"{error.strerror} ({error.filename}). Choose a directory path whose parents "
                "are directories."
            ) from None
        self._copies.opened[key] = self._token
        if self._existing_run():
            if self.overwrite:
                for name in files.RUN_FILES:
                    self._path(name).unlink(missing_ok=True)
            elif self.resume:
                self._load_existing()
                self._opened = True
                return
            else:
                raise FileExistsError(
                    f"HistoryExporter: {os.fspath(directory)!r} already holds a run "
                    f"({self._describe_existing()}). Pass resume=True to continue it, "
                    "overwrite=True to replace it, or choose another directory."
                )
        self._records = []
        self._derived_sizes = None
        self._run = None
        self._opened = True

    def _describe_existing(self) -> str:
        try:
            run = files.read_run(self._run_directory)
            return f"status {run.get('status')!r}, {run.get('epochs_completed')} epoch(s)"
        except (OSError, ValueError):
            return "history files present"

    def _load_existing(self) -> None:
        jsonl = self._path(files.JSONL_NAME)
        raw: list[dict[str, Any]] = []
        run: dict[str, Any] | None = None
        if self._path(files.RUN_NAME).exists():
            run = files.load_run(self._path(files.RUN_NAME))  # refuses a corrupt run.json
        if jsonl.exists():
            raw, complete = files.load_jsonl(jsonl)  # refuses a malformed line
            if complete != jsonl.stat().st_size:
                with open(jsonl, "r+b") as f:
                    f.truncate(complete)  # drop a partial last line before appending
                    if complete:
                        f.seek(complete - 1)
                        if f.read(1) != b"\n":
                            f.write(b"\n")
        self._records = files.reduce_records(raw)
        self._derived_sizes = None  # rebuilt from history.jsonl at the first epoch
        if run is None and self._records:
            _logger.warning(
                "keras_seqzoo: %s has a history but no %s; the metadata of its earlier fits "
                "is unknown. Resuming records the new fits only.",
                self._run_directory, files.RUN_NAME,
            )
        if run is not None and run.get("status") == "running":
            # The previous process died without a word (e.g. SIGKILL).
            fits = run.get("fits") or []
            if fits and fits[-1].get("status") == "running":
                fits[-1]["status"] = "failed"
                fits[-1]["error"] = "the process stopped without recording an end (killed?)"
        self._run = run

    # -- starting a fit --------------------------------------------------------

    def _start_fit(self, epoch: int) -> None:
        """Accepts (or refuses) the first epoch of a fit, then records the fit."""
        last: int | None = self._records[-1]["epoch"] if self._records else None
        replaces = last is not None and epoch <= last
        if last is not None and replaces and epoch == 0 \
                and not _restored_by_backup(self._model):
            self._running = False  # this fit is refused: nothing of it is recorded
            first = self._records[0]["epoch"]
            raise ValueError(
                f"HistoryExporter: {os.fspath(self._run_directory)!r} already records epochs "
                f"{first}-{last}, and this fit starts again at epoch 0, which would replace "
                f"them all. To continue the run, pass initial_epoch={last + 1} to fit() (with "
                "the weights restored; keras.callbacks.BackupAndRestore does both). To start "
                "over, use a new HistoryExporter(..., overwrite=True) or another directory."
            )
        run = self._run_info()
        environment = _runtime.environment()
        run.update(
            {
                "status": "running",
                "updated_at": _now(),
                "finished_at": None,
                "error": None,
                "epochs_completed": len(self._records),
                "last_epoch": last,
                "model": self._describe_model(),
                "batch_size": self._batch_size(),
                "sequence_length": self._sequence_length(),
                **environment,
                "metadata": {**(run.get("metadata") or {}), **self.metadata},
            }
        )
        for stale in ("hostname", "pid"):  # recorded by earlier versions
            run.pop(stale, None)
        if self._trial_id is not None:
            run["trial_id"] = self._trial_id
        entry: dict[str, Any] = {"started_at": _now(), "first_epoch": epoch, "status": "running"}
        if replaces:
            entry["replaced_epochs"] = [epoch, last]
            _logger.info("keras_seqzoo: this fit starts at epoch %d and replaces the recorded "
                         "epochs %d-%d (history.jsonl keeps them).", epoch, epoch, last)
        run.setdefault("fits", []).append(entry)
        self._write_run(run)
        self._fit_started = True

    # -- writing an epoch ------------------------------------------------------

    def _commit(self, record: dict[str, Any]) -> None:
        """Writes one epoch to every file, or to none of them.

        Prepares everything first (rows appended in place, or whole files
        written to temporary names, and run.json to a temporary name), then
        appends the history.jsonl line (fsynced), then renames. Any failure
        undoes the appends and removes the temporary files before it propagates.
        """
        if self._records and record["epoch"] > self._records[-1]["epoch"]:
            records = [*self._records, record]
        else:
            records = files.reduce_records([*self._records, record])
        appending = (
            len(records) == len(self._records) + 1
            and all(key in self._columns for key in record)
            and self._derived_intact()
        )
        columns = self._columns if appending else files.columns_of(records)
        run = json.loads(json.dumps(self._run_info()))  # a copy, changed only on success
        run["epochs_completed"] = len(records)
        run["last_epoch"] = record["epoch"]
        run["updated_at"] = _now()

        undo: list[Callable[[], None]] = []
        sizes: dict[str, int] = dict(self._derived_sizes or {})
        try:
            with contextlib.ExitStack() as renames:
                if appending:
                    row = files.csv_rows([[files.csv_cell(record.get(c)) for c in columns]])
                    item = b",\n" + files.json_item(record, columns).encode() + files.JSON_TAIL
                    for name, data, keep in ((files.CSV_NAME, row.encode(), 0),
                                             (files.JSON_NAME, item, len(files.JSON_TAIL))):
                        undo.append(self._append_in_place(name, data, keep))
                        sizes[name] += len(data) - keep
                else:
                    for name, text in (
                        (files.CSV_NAME, files.render_csv(records, columns)),
                        (files.JSON_NAME, files.render_json(records, columns)),
                    ):
                        data = text.encode("utf-8")
                        self._write_temporary(renames, name, data)
                        sizes[name] = len(data)
                run_text = json.dumps(run, indent=1, allow_nan=False) + "\n"
                self._write_temporary(renames, files.RUN_NAME, run_text.encode("utf-8"))
                undo.append(self._append_jsonl(record))
        except BaseException:
            for step in reversed(undo):
                with contextlib.suppress(OSError):
                    step()
            raise
        self._records, self._columns, self._derived_sizes = records, columns, sizes
        self._run = run

    def _write_temporary(self, renames: contextlib.ExitStack, name: str, data: bytes) -> None:
        tmp = renames.enter_context(_atomic.replacing(self._path(name)))
        with open(tmp, "wb") as handle:
            handle.write(data)

    def _derived_intact(self) -> bool:
        """history.csv and history.json are as this exporter left them (by size,
        and history.json's closing bracket); otherwise they are rebuilt."""
        if self._derived_sizes is None:
            return False
        for name, size in self._derived_sizes.items():
            try:
                if self._path(name).stat().st_size != size:
                    raise OSError
                if name == files.JSON_NAME:
                    with open(self._path(name), "rb") as f:
                        f.seek(max(0, size - len(files.JSON_TAIL)))
                        if f.read() != files.JSON_TAIL:
                            raise OSError
            except OSError:
                _logger.warning("keras_seqzoo: %s was deleted or changed during the run; "
                                "rebuilding it from %s.", self._path(name), files.JSONL_NAME)
                return False
        return True

    def _append_in_place(self, name: str, data: bytes, keep: int) -> Callable[[], None]:
        """Writes ``data`` over the last ``keep`` bytes of a file (its closing tail).

        The space is claimed first by appending blanks (JSON allows trailing
        whitespace), so a full disk or a file-size limit fails before any byte
        of the old content changes, and putting the tail back never needs
        space the file did not already have.

        Returns:
            A function that puts the file back as it was.
        """
        path = self._path(name)
        with open(path, "r+b", buffering=0) as f:
            size = f.seek(0, os.SEEK_END)
            start = size - keep
            f.seek(start)
            tail = f.read(keep)

            def restore() -> None:
                with open(path, "r+b", buffering=0) as g:
                    g.seek(start)
                    g.write(tail)
                    g.truncate(size)

            try:
                if keep:
                    _write_all(f, size, b" " * len(data), path)
                _write_all(f, start, data, path)
                f.truncate(start + len(data))
            except OSError:
                with contextlib.suppress(OSError):
                    f.truncate(size)
                    if keep:
                        restore()
                raise
        return restore

    def _append_jsonl(self, record: dict[str, Any]) -> Callable[[], None]:
        path = self._path(files.JSONL_NAME)
        data = (json.dumps(record, allow_nan=False) + "\n").encode("utf-8")
        created = not path.exists()
        with open(path, "ab", buffering=0) as f:
            start = f.seek(0, os.SEEK_END)

            def restore() -> None:
                with open(path, "r+b") as g:
                    g.truncate(start)

            try:
                written = f.write(data)
                if written != len(data):
                    raise OSError(f"short write to {path} ({written} of {len(data)} bytes; "
                                  "is the disk full?)")
                if self.fsync:
                    os.fsync(f.fileno())
            except OSError:
                restore()
                raise
        if created and self.fsync:
            _fsync_directory(self._run_directory)  # make the new file's name durable too
        return restore

    # -- run.json --------------------------------------------------------------

    def _write_run(self, run: dict[str, Any]) -> None:
        _atomic.write_text(self._path(files.RUN_NAME),
                           json.dumps(run, indent=1, allow_nan=False) + "\n")

    def _run_info(self) -> dict[str, Any]:
        if self._run is None:
            self._run = {"status": "running", "started_at": _now(), "fits": []}
        return self._run

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
        if not self._writer or not self._fit_started:
            return
        run = self._run_info()
        self._end_fit_entry(status, error)
        run["status"] = status
        run["error"] = error
        run["finished_at"] = _now()
        run["updated_at"] = run["finished_at"]
        run["epochs_completed"] = len(self._records)
        try:
            self._write_run(run)
        except OSError as write_error:  # a full disk: run.json keeps its last state
            _logger.warning("keras_seqzoo: could not update %s: %s",
                            self._path(files.RUN_NAME), write_error)

    # -- metadata --------------------------------------------------------------

    def _describe_model(self) -> dict[str, Any] | None:
        """The model's name, builder, preset, arguments and size; ``None`` for an
        object that is not a ``keras.Model`` or cannot be described."""
        model = self._model
        if not isinstance(model, keras.Model):
            return None
        try:
            info: dict[str, Any] = {"name": str(model.name)}
            config = getattr(model, "seqzoo_config", None)
            if isinstance(config, Mapping):
                info["builder"] = to_jsonable(config.get("builder"))
                info["preset"] = to_jsonable(config.get("preset"))
                info["arguments"] = to_jsonable(config.get("arguments"))
            else:
                info.update(builder=None, preset=None, arguments=None)
            try:
                info["params"] = int(model.count_params())
                info["trainable_params"] = int(
                    sum(int(math.prod(w.shape)) for w in model.trainable_weights)
                )
            except Exception:  # an unbuilt model
                info["params"] = None
            json.dumps(info, allow_nan=False)
            return info
        except Exception as error:  # never fail a fit over metadata
            _logger.warning("keras_seqzoo: could not describe the model (%s); run.json "
                            "records it without metadata.", error)
            return None

    def _batch_size(self) -> Any:
        if self.batch_size is not None:
            return to_jsonable(self.batch_size)
        if "batch_size" in self.metadata:
            return self.metadata["batch_size"]
        return _runtime.batch_size_of(self._model)

    def _sequence_length(self) -> Any:
        if self.sequence_length is not None:
            return to_jsonable(self.sequence_length)
        if "sequence_length" in self.metadata:
            return self.metadata["sequence_length"]
        return _runtime.sequence_length_of(self._model)


def bind_trial(callbacks: Iterable[Any] | None, trial_id: str | None = None) -> None:
    """Points every :class:`HistoryExporter` in a trial's callbacks at the trial's subfolder.

    Inside ``tuner.search(callbacks=[...])`` keras-tuner deep-copies the
    callbacks for every trial and adds its own callback, which knows the trial.
    :class:`keras_seqzoo.tuning.HyperModel` calls this in its ``fit``; call it
    in your own ``HyperModel.fit`` before ``model.fit``. Each exporter then
    writes to ``<directory>/trial_<id>`` (``.../execution_<k>`` when the tuner
    runs several executions per trial).

    Args:
        callbacks: the ``callbacks`` keras-tuner passed to ``HyperModel.fit``.
        trial_id: the trial id; found among ``callbacks`` when omitted.

    Example:

    ```python
    class MyHyperModel(keras_tuner.HyperModel):
        def fit(self, hp, model, *args, **kwargs):
            keras_seqzoo.callbacks.bind_trial(kwargs.get("callbacks"))
            return model.fit(*args, **kwargs)
    ```
    """
    callbacks = list(callbacks or [])
    executions = 1
    for callback in callbacks:
        trial = getattr(callback, "trial", None)
        if trial is not None and getattr(trial, "trial_id", None) is not None:
            trial_id = trial_id if trial_id is not None else trial.trial_id
            executions = int(getattr(getattr(callback, "tuner", None),
                                     "executions_per_trial", 1) or 1)
            break
    if trial_id is None:
        return
    for callback in callbacks:
        if isinstance(callback, HistoryExporter):
            callback.set_trial(trial_id, executions_per_trial=executions)


def _write_all(handle: Any, offset: int, data: bytes, path: Path) -> None:
    handle.seek(offset)
    written = handle.write(data)
    if written != len(data):
        raise OSError(f"short write to {path} ({written} of {len(data)} bytes; is the disk full?)")


def _restored_by_backup(model: Any) -> bool:
    """Whether ``keras.callbacks.BackupAndRestore`` restored this fit's start epoch.

    BackupAndRestore tells the model the epoch to restart from through the
    model's ``_initial_epoch`` attribute (Keras sets nothing else there); it is
    the only sign, as Keras passes no ``initial_epoch`` to callbacks.
    """
    return getattr(model, "_initial_epoch", None) is not None


def _check_not_a_file(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise ValueError(
            f"HistoryExporter: {os.fspath(directory)!r} is a file, not a directory. Pass a "
            "directory (it is created if needed) for the run's files."
        )


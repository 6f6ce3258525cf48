"""``HistoryExporter``: a crash-safe training history on disk (the callback).

The callback decides *what* is recorded and *where*; the rest lives beside it:

- :mod:`~keras_seqzoo.callbacks.history_files`: the files' format and the readers;
- ``_history_writer``: writing one epoch to every file, in order, or to none;
- :mod:`~keras_seqzoo.callbacks.run_record`: the ``run.json`` bookkeeping;
- ``_epoch_figures``: how an :class:`~keras_seqzoo.callbacks.EpochTimer` in the
  same fit hands over its figures (through the model the two share);
- ``_trial``: which keras-tuner trial a copy runs in;
- ``_runtime``: what a run ran on (versions, device, process index).
"""

from __future__ import annotations

import atexit
import copy
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
from keras_seqzoo._values import to_jsonable
from keras_seqzoo.callbacks import _epoch_figures, _runtime, _trial
from keras_seqzoo.callbacks import history_files as files
from keras_seqzoo.callbacks._history_writer import HistoryWriter
from keras_seqzoo.callbacks.run_record import RunRecord

__all__ = ["HistoryExporter", "bind_trial"]

_logger = logging.getLogger("keras_seqzoo.callbacks")


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

    A run directory holds ``history.jsonl`` and ``run.json``, the record of the
    run, and ``history.csv`` and ``history.json``, derived from
    ``history.jsonl``. After each epoch the exporter appends the epoch's logs
    to ``history.jsonl`` first (flushed and fsynced), then adds the row to
    ``history.csv`` and ``history.json`` (appended in place; rewritten whole
    from the records, to a temporary file renamed into place, when columns
    appear, epochs are replaced, or either file was deleted or changed by
    someone else), then replaces ``run.json`` atomically (fsynced, and its
    folder). The cost does not grow with the run; it is mostly the three
    fsyncs (0.4 ms per epoch with ``fsync=False`` and about 20 ms with it,
    measured on an ext4 virtual disk under load). Keys that appear later (validation every N epochs, a
    learning rate added mid-run) become new columns; epochs without a value are
    empty in the CSV and ``null`` in JSON. The format is described in
    :mod:`keras_seqzoo.callbacks.history_files`.

    **Failures leave consistent files.** A process killed in the middle of
    epoch ``N`` leaves files that parse and hold epochs ``0..N-1``. A write
    that fails (a full disk) is undone in every file before the error
    propagates, so all four files still parse and agree on the epochs. With
    ``fsync=True`` (the default) ``history.jsonl`` and ``run.json`` also
    survive a power loss (file and folder fsynced); the derived files are not
    fsynced and may then be behind or torn: the next fit with ``resume=True``
    rebuilds them from ``history.jsonl``, which :func:`read_history` reads.

    **With an EpochTimer** in the same ``fit`` (anywhere in ``callbacks``),
    every record also carries the timer's full figures (``epoch_time``,
    ``train_time``, ``validation_time``, ``steps``, ``steps_per_second``,
    ``examples_per_second``, ``tokens_per_second``, ``step_time``) and its
    ``warmup`` flag, whatever the timer puts in the epoch logs. The timer
    attaches itself to the model the two share; see
    :meth:`EpochTimer.epoch_figures <keras_seqzoo.callbacks.EpochTimer.epoch_figures>`.

    **Epoch numbers are Keras' own.** A record for epoch ``e`` replaces the
    recorded epochs from ``e`` on (``history.jsonl`` keeps every line). So a
    ``fit(..., initial_epoch=e)``, or a fit that
    ``keras.callbacks.BackupAndRestore`` restarts at epoch ``e``, redoes the
    epochs from ``e``. A fit that starts at epoch 0 over recorded epochs is
    refused (``ValueError`` before its first epoch): it would replace the whole
    history. Pass ``initial_epoch`` to continue, or use ``overwrite=True``. The
    one exception is a model rolled back into epoch 0, which is what
    ``BackupAndRestore`` leaves when it restores a backup made during epoch 0
    (``save_freq=N`` batches): its optimizer has taken at least one step and no
    more than one epoch's steps (Keras' ``params["steps"]``, or the ``steps``
    an EpochTimer recorded for epoch 0).

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
    the callbacks for every trial, and the copy for each trial writes to
    ``<directory>/trial_<id>`` (``.../trial_<id>/execution_<k>`` when
    ``executions_per_trial > 1``); ``run.json`` records its ``trial_id``. This
    holds with a build function, your own ``HyperModel`` or
    :class:`keras_seqzoo.tuning.HyperModel`: the copy finds keras-tuner's
    callback for the trial in the callbacks list it was copied into (the way
    keras-tuner itself sends each trial's TensorBoard logs to a subfolder).
    :func:`bind_trial` names the trial explicitly. A copy made outside
    keras-tuner, whose trial cannot be known, writes to ``directory``, and a
    second copy is refused before it trains: no copy ever overwrites another.

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
        directory: the run directory (a ``str`` or path); created if needed.
            Must not be empty or name a file.
        resume: continue the run already in the directory.
        overwrite: replace the run already in the directory.
        metadata: a JSON-serializable dict stored under ``"metadata"`` in
            ``run.json`` (e.g. the experiment name and data settings); an
            integer ``"seed"`` in it is also recorded as ``run.json``'s ``seed``.
        batch_size: recorded in ``run.json``; else ``metadata["batch_size"]``
            or the model's static batch size.
        sequence_length: recorded in ``run.json``; else read from the model's
            input shape ``(batch, length)``.
        fsync: make ``history.jsonl`` and ``run.json`` durable after every
            epoch (the default; see above). ``False`` still survives a killed
            process, but not a power loss.

    Raises:
        TypeError: an argument of the wrong type (named in the message).
        ValueError: ``directory`` is empty or names an existing file, a size
            is not a positive integer, or ``resume`` and ``overwrite`` are
            both set.

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
        self.directory = _check_directory(directory)
        for name, value in (("resume", resume), ("overwrite", overwrite), ("fsync", fsync)):
            if not isinstance(value, bool):
                raise TypeError(f"HistoryExporter: `{name}` must be True or False. "
                                f"Received: {name}={value!r}")
        if resume and overwrite:
            raise ValueError(
                "HistoryExporter: `resume` continues the run in the directory and `overwrite` "
                "replaces it; pass only one. Received: resume=True, overwrite=True"
            )
        self.resume = resume
        self.overwrite = overwrite
        self.metadata = _check_metadata(metadata)
        self.batch_size = _check_size("batch_size", batch_size)
        self.sequence_length = _check_size("sequence_length", sequence_length)
        self.fsync = fsync
        self._copies = _Copies()
        self._token = object()
        self._copied_into: list[list] = []  # a copy's candidate callbacks lists (_trial)
        self._trial_id: str | None = None
        self._run_directory = self.directory
        self._atexit_registered = False
        self._reset_run_state()

    def _reset_run_state(self) -> None:
        self._history = HistoryWriter(self._run_directory, fsync=self.fsync)
        self._run = RunRecord(self._path(files.RUN_NAME), fsync=self.fsync)
        self._opened = False
        self._running = False  # a fit has begun and not ended
        self._fit_started = False  # ... and its first epoch was accepted
        self._fit_began_at = _epoch_figures.clock()
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
        # which is how two copies writing to one directory are caught; it keeps
        # the lists copied in the same pass, one of which will hold it and
        # keras-tuner's callback for the trial (see _trial).
        new = self.__class__.__new__(self.__class__)
        memo[id(self)] = new
        shared: dict[str, Any] = {"_copies": self._copies, "_model": None, "_model_ref": None,
                  "_copied_into": [], "_history": None, "_run": None}
        for key, value in self.__dict__.items():
            setattr(new, key, shared[key] if key in shared else copy.deepcopy(value, memo))
        new._copied_into = _trial.copied_lists(memo)
        new._token = object()
        new._trial_id = None
        new._run_directory = new.directory
        new._atexit_registered = False
        new._reset_run_state()
        return new

    def set_trial(self, trial_id: str, *, executions_per_trial: int = 1) -> None:
        """Writes this exporter's run to the subfolder of a keras-tuner trial.

        :func:`bind_trial` calls it, and so does a copy made by
        ``tuner.search`` that found its trial; call it yourself only to name
        the trial by hand. Must be called before the fit starts.

        Args:
            trial_id: the trial's id (``trial.trial_id``): letters, digits,
                ``_``, ``.`` or ``-``; it names the folder ``trial_<id>``.
            executions_per_trial: the tuner's ``executions_per_trial``; above
                1, each execution gets its own ``execution_<k>`` subfolder.

        Raises:
            ValueError: ``trial_id`` is not a plain name, or the run was
                already opened.
        """
        trial_id = _trial.check_trial_id(trial_id, "HistoryExporter.set_trial")
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
        self._reset_run_state()

    def _find_trial(self) -> None:
        """A copy made by keras-tuner names its trial from its callbacks list."""
        lists, self._copied_into = self._copied_into, []  # needed once; free the copies
        if self._trial_id is not None or self._opened:
            return
        for callbacks in lists:
            if any(callback is self for callback in callbacks):
                found = _trial.trial_of(callbacks)
                if found is not None:
                    self.set_trial(found[0], executions_per_trial=found[1])
                    return

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
        self._find_trial()
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
                self._run.end_fit("failed", "fit() did not finish (an exception was raised)")
                self._run.write()
        try:
            self._model_ref = weakref.ref(model) if model is not None else None
        except TypeError:  # pragma: no cover
            self._model_ref = None
        self._running = True
        self._fit_started = False
        self._fit_began_at = _epoch_figures.clock()
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
        timed = _epoch_figures.figures(self._model, epoch, since=self._fit_began_at)
        for key, value in (timed or {}).items():
            record[key] = files.encode_value(value, key)  # full precision, and "warmup"
        self._history.commit(record, self._run)
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
                f"already records a run in {os.fspath(directory)!r}. A copy made by "
                "keras-tuner's tuner.search() writes to the trial's subfolder "
                f"({os.fspath(self.directory)}/trial_<id>); this copy could not learn its "
                "trial, and would overwrite the other copy's history. Give each copy its own "
                "HistoryExporter, or name the trial: in a HyperModel.fit(hp, model, *args, "
                "**kwargs) call keras_seqzoo.callbacks.bind_trial(kwargs['callbacks']) before "
                "model.fit, or call exporter.set_trial(trial_id) yourself."
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
        self._history = HistoryWriter(directory, fsync=self.fsync)
        self._run = RunRecord(self._path(files.RUN_NAME), fsync=self.fsync)
        if self._existing_run():
            if self.overwrite:
                for name in files.RUN_FILES:
                    self._path(name).unlink(missing_ok=True)
                if self.fsync:
                    _atomic.fsync_directory(directory)
            elif self.resume:
                self._load_existing()
            else:
                raise FileExistsError(
                    f"HistoryExporter: {os.fspath(directory)!r} already holds a run "
                    f"({self._describe_existing()}). Pass resume=True to continue it, "
                    "overwrite=True to replace it, or choose another directory."
                )
        self._opened = True

    def _describe_existing(self) -> str:
        try:
            run = files.read_run(self._run_directory)
            return f"status {run.get('status')!r}, {run.get('epochs_completed')} epoch(s)"
        except (OSError, ValueError):
            return "history files present"

    def _load_existing(self) -> None:
        has_run = self._run.load()  # refuses a corrupt run.json (before touching anything)
        self._history.load()  # refuses a malformed line; repairs a cut-short last one
        if not has_run and self._history.records:
            _logger.warning(
                "keras_seqzoo: %s has a history but no %s; the metadata of its earlier fits "
                "is unknown. Resuming records the new fits only.",
                self._run_directory, files.RUN_NAME,
            )

    # -- starting a fit --------------------------------------------------------

    def _start_fit(self, epoch: int) -> None:
        """Accepts (or refuses) the first epoch of a fit, then records the fit."""
        records = self._history.records
        last = self._history.last_epoch
        replaces = last is not None and epoch <= last
        if last is not None and replaces and epoch == 0 and not self._rolled_back_into_epoch_0():
            self._running = False  # this fit is refused: nothing of it is recorded
            first = records[0]["epoch"]
            raise ValueError(
                f"HistoryExporter: {os.fspath(self._run_directory)!r} already records epochs "
                f"{first}-{last}, and this fit starts again at epoch 0, which would replace "
                f"them all. To continue the run, pass initial_epoch={last + 1} to fit() (with "
                "the weights restored; keras.callbacks.BackupAndRestore does both). To start "
                "over, use a new HistoryExporter(..., overwrite=True) or another directory."
            )
        metadata = self.metadata
        seed = metadata.get("seed")
        facts = {
            "model": self._describe_model(),
            "batch_size": self._setting("batch_size", _runtime.batch_size_of),
            "sequence_length": self._setting("sequence_length", _runtime.sequence_length_of),
            **_runtime.environment(),
            "seed": seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
        }
        if replaces:
            _logger.info("keras_seqzoo: this fit starts at epoch %d and replaces the recorded "
                         "epochs %d-%d (history.jsonl keeps them).", epoch, epoch, last)
        self._run.start_fit(
            first_epoch=epoch, epochs_completed=len(records), last_epoch=last,
            replaced=[epoch, last] if replaces and last is not None else None,
            facts=facts, metadata=metadata, trial_id=self._trial_id,
        )
        self._fit_started = True

    def _rolled_back_into_epoch_0(self) -> bool:
        """Whether the model's optimizer stands inside epoch 0: at least one step,
        at most one epoch's (what BackupAndRestore leaves when it restores a backup
        made during epoch 0). Keras' public ``optimizer.iterations`` and
        ``params["steps"]``; the EpochTimer's ``steps`` of epoch 0 when the
        data has no known length."""
        optimizer: Any = getattr(self._model, "optimizer", None)
        try:
            taken = int(keras.ops.convert_to_numpy(optimizer.iterations.value))
        except Exception:  # no optimizer (hooks driven by hand, a mock): not restored
            return False
        per_epoch = (self.params or {}).get("steps")
        if not isinstance(per_epoch, int) or per_epoch <= 0:
            first = self._history.records[0]
            per_epoch = first.get("steps") if first["epoch"] == 0 else None
        if not isinstance(per_epoch, int) or isinstance(per_epoch, bool):
            return False
        return 0 < taken <= per_epoch

    # -- status ----------------------------------------------------------------

    def _mark_ended(self, status: str, error: str | None = None) -> None:
        self._running = False
        if not self._writer or not self._fit_started:
            return
        self._run.finish(status, error, len(self._history.records))

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

    def _setting(self, name: str, of_model: Callable[[Any], Any]) -> Any:
        """``name`` (``"batch_size"``, ``"sequence_length"``) as given, else from the
        metadata, else what ``of_model`` reads off the model's input."""
        given = getattr(self, name)
        if given is not None:
            return to_jsonable(given)
        if name in self.metadata:
            return self.metadata[name]
        return of_model(self._model)


def bind_trial(callbacks: Iterable[Any] | None, trial_id: str | None = None) -> None:
    """Points every :class:`HistoryExporter` in a trial's callbacks at the trial's subfolder.

    Inside ``tuner.search(callbacks=[...])`` keras-tuner deep-copies the
    callbacks for every trial and adds its own callback, which knows the trial.
    The copies find it by themselves; this names the trial explicitly (for
    example in a custom ``Tuner.run_trial`` that copies the callbacks its own
    way). :class:`keras_seqzoo.tuning.HyperModel` calls it in its ``fit``. Each
    exporter then writes to ``<directory>/trial_<id>`` (``.../execution_<k>``
    when the tuner runs several executions per trial).

    Args:
        callbacks: the callbacks keras-tuner passed to ``HyperModel.fit``.
        trial_id: the trial id; found among ``callbacks`` when omitted.

    Raises:
        ValueError: the trial id is not a plain name (letters, digits, ``_``,
            ``.``, ``-``).

    Example:

    ```python
    class MyHyperModel(keras_tuner.HyperModel):
        def fit(self, hp, model, *args, **kwargs):
            keras_seqzoo.callbacks.bind_trial(kwargs.get("callbacks"))
            return model.fit(*args, **kwargs)
    ```
    """
    callbacks = list(callbacks or [])
    found = _trial.trial_of(callbacks)
    executions = found[1] if found is not None else 1
    if trial_id is None and found is not None:
        trial_id = found[0]
    if trial_id is None:
        return
    for callback in callbacks:
        if isinstance(callback, HistoryExporter):
            callback.set_trial(trial_id, executions_per_trial=executions)


def _check_directory(directory: Any) -> Path:
    if directory is not None and not isinstance(directory, (str, bytes, os.PathLike)):
        raise TypeError(
            "HistoryExporter: `directory` must be a path (a str or a pathlib.Path). "
            f"Received: directory={directory!r} of type {type(directory).__name__}. "
            "Pass a path such as 'runs/bilstm'."
        )
    if directory is None or not os.fsdecode(directory):
        raise ValueError(
            "HistoryExporter needs a directory to write the run to. Received: "
            f"directory={directory!r}. Pass a path such as 'runs/bilstm'."
        )
    path = Path(os.fsdecode(directory))
    _check_not_a_file(path)
    return path


def _check_metadata(metadata: Any) -> dict[str, Any]:
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise TypeError(
            f"HistoryExporter: `metadata` must be a dict. Received: metadata={metadata!r} "
            f"of type {type(metadata).__name__}"
        )
    try:
        json.dumps(dict(metadata), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(
            "HistoryExporter: `metadata` must be JSON-serializable (strings, numbers, "
            f"lists, dicts). Received: metadata={metadata!r} ({error})"
        ) from None
    return dict(metadata)


def _check_size(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            import numpy as np

            if isinstance(value, np.integer):
                value = int(value)
        except ImportError:  # pragma: no cover
            pass
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"HistoryExporter: `{name}` must be a positive integer or None. "
                        f"Received: {name}={value!r} of type {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"HistoryExporter: `{name}` must be a positive integer or None. "
                         f"Received: {name}={value!r}")
    return value


def _check_not_a_file(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise ValueError(
            f"HistoryExporter: {os.fspath(directory)!r} is a file, not a directory. Pass a "
            "directory (it is created if needed) for the run's files."
        )

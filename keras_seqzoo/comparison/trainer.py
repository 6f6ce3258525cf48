"""The trial trainer: one (architecture, seed) trial, trained and recorded in its folder.

:class:`ComparisonTuner` is the keras-tuner ``Tuner`` a comparison runs (in one
process, or as a worker); :class:`TrialTrainer` holds what a trial needs (the
data, the settings, the protocol). In the trial's folder:

- :class:`~keras_seqzoo.callbacks.EpochTimer` and
  :class:`~keras_seqzoo.callbacks.HistoryExporter` (``resume=True``) record
  every epoch (``history.jsonl``, ``run.json``);
- ``keras.callbacks.BackupAndRestore`` (``backup/``) resumes an unfinished
  trial from its last completed epoch; a trial that recorded epochs but has no
  backup (weights are not committed with a recording) trains again from epoch 1,
  its earlier attempt kept in ``earlier_attempt_<n>/``;
- under the sound protocol, ``keras.callbacks.ModelCheckpoint`` keeps the
  weights of the best epoch on validation (``checkpoint.weights.h5``,
  keras-tuner's name), they are restored after training, and the test split
  is evaluated once with them; ``run.json`` then holds ``best_epoch``,
  ``validation`` (the metrics at that epoch) and ``test``;
- under either protocol ``run.json`` holds ``load``: the machine's load over the
  trial's sitting (:func:`keras_seqzoo.machine.load_record`).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import re
import time
from pathlib import Path
from typing import Any, Mapping

import keras
import keras_tuner

from keras_seqzoo import _atomic, _registry, _stop, machine
from keras_seqzoo._values import is_finite, to_jsonable
from keras_seqzoo.callbacks.epoch_timer import TIMER_KEYS
from keras_seqzoo.comparison.report import ARCHITECTURE, EARLIER_ATTEMPT, SEED
from keras_seqzoo.compiling import compile_model, release_compiled_programs

__all__ = ["CHECKPOINT_FILE", "PROTOCOLS", "ComparisonTuner", "TrialTrainer", "check_trial_id"]

#: The best epoch's weights in a trial folder (the name keras-tuner gives its own).
CHECKPOINT_FILE = "checkpoint.weights.h5"
#: keras.callbacks.BackupAndRestore's folder in a trial folder.
BACKUP_DIR = "backup"
#: ``"sound"``: best epoch on validation, test evaluated once; ``"slides"``: the
#: slides' way, IMDB's test set as validation and no test split.
PROTOCOLS = ("sound", "slides")
#: Seconds between two requests of a worker that the oracle told to wait (IDLE).
_IDLE_POLL = 0.5
_TRIAL_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")


def check_trial_id(trial_id: Any) -> str:
    """Returns ``trial_id`` when it is safe as part of a folder name, else raises.

    A trial id comes from the oracle, which may be a chief on another machine:
    it is checked before any path is built from it.

    Raises:
        ValueError: not 1-64 letters, digits, ``_`` or ``-``.
    """
    if not isinstance(trial_id, str) or not _TRIAL_ID.fullmatch(trial_id):
        raise ValueError(
            f"compare: the oracle sent the trial id {trial_id!r}, which is not 1-64 letters, "
            "digits, '_' or '-'. No folder was made. Check which chief KERASTUNER_ORACLE_IP "
            "points at."
        )
    return trial_id


@dataclasses.dataclass
class TrialTrainer:
    """What a worker needs to train one trial: the data and the settings.

    Attributes:
        data: the data (``train``, ``validation``, optional ``test``,
            ``batch_size``, ``max_length``, ``vocab_size``, ``num_classes``).
        epochs: the most epochs per trial.
        compile_options: for :func:`keras_seqzoo.compile_model`.
        objective: the validation metric that picks the best epoch.
        direction: ``"max"`` or ``"min"``.
        protocol: one of :data:`PROTOCOLS`.
        patience: stop after this many epochs without a better objective
            (``None``: train every epoch).
        class_weight: ``{class id: weight}`` for ``model.fit``, or ``None``.
        arguments: builder arguments per model name (a tuned configuration).
        metadata: recorded in each trial's ``run.json``.
        verbose: 0 silent, 1 progress bars, 2 one line per epoch.
    """

    data: Any
    epochs: int
    compile_options: Mapping[str, Any]
    objective: str = "val_accuracy"
    direction: str = "max"
    protocol: str = "sound"
    patience: int | None = None
    class_weight: Mapping[int, float] | None = None
    arguments: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    metadata: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    verbose: int = 2

    def build(self, name: str, seed: int) -> keras.Model:
        """Builds and compiles ``name`` for this data, seeded by ``seed``."""
        keras.backend.clear_session()
        release_compiled_programs()
        keras.utils.set_random_seed(int(seed))
        entry, _ = _registry.resolve(name)
        overrides: dict[str, Any] = dict(self.arguments.get(name) or {})
        if "vocab_size" in entry.arguments:
            overrides["vocab_size"] = self.data.vocab_size
        if "max_length" in entry.arguments:
            overrides["max_length"] = self.data.max_length  # None: variable-length input
        num_classes = getattr(self.data, "num_classes", None)
        options = dict(self.compile_options)
        if num_classes is not None:  # the head and the loss and metrics follow the data
            overrides["num_classes"] = int(num_classes)
            options.setdefault("num_classes", int(num_classes))
        if self.protocol == "slides":  # the slides tracked accuracy only: same step cost
            options.setdefault("metrics", "slides")
        model = _registry.build(name, **overrides)
        compile_model(model, **options)
        return model

    @property
    def sound(self) -> bool:
        return self.protocol == "sound"


class _ReportEpoch(keras.callbacks.Callback):
    """Sends each epoch's metrics to the oracle (curves in trial.json, a sign of life)."""

    def __init__(self, tuner: keras_tuner.Tuner, trial: Any):
        super().__init__()
        self.tuner, self.trial = tuner, trial

    def on_epoch_end(self, epoch: int, logs: Mapping[str, Any] | None = None) -> None:
        metrics = {k: float(v) for k, v in (logs or {}).items()
                   if k not in TIMER_KEYS and isinstance(v, (int, float))
                   and not isinstance(v, bool) and math.isfinite(float(v))}
        if self.tuner.oracle.objective.name in metrics:
            self.tuner.oracle.update_trial(self.trial.trial_id, metrics, step=int(epoch))


def _best_record(records: list[Mapping[str, Any]], key: str,
                 direction: str) -> Mapping[str, Any] | None:
    scored = [r for r in records if is_finite(r.get(key))]
    if not scored:
        return None
    pick = max if direction == "max" else min
    return pick(scored, key=lambda r: float(r[key]))


def _update_run(folder: Path, **values: Any) -> None:
    path = folder / "run.json"
    if not path.exists():
        return
    run = json.loads(path.read_text(encoding="utf-8"))
    run.update(to_jsonable(values))
    _atomic.write_text(path, json.dumps(run, indent=1, allow_nan=False) + "\n")


class ComparisonTuner(keras_tuner.Tuner):
    """Trains one (architecture, seed) trial with the package's callbacks.

    Set :attr:`trainer` before ``search()``. See the module docstring for what
    lands in the trial's folder.
    """

    trainer: TrialTrainer | None = None
    _asked = False

    def get_trial_dir(self, trial_id: str) -> str:
        return super().get_trial_dir(check_trial_id(trial_id))

    def pre_create_trial(self) -> None:
        if self._asked:  # the oracle answered IDLE last time: do not hammer it
            time.sleep(_IDLE_POLL)
        self._asked = True

    def on_trial_begin(self, trial: Any) -> None:
        _stop.check()
        check_trial_id(trial.trial_id)
        self._asked = False
        super().on_trial_begin(trial)

    def _callbacks(self, trial: Any, folder: Path, data: Any, seed: int) -> tuple[list, Any]:
        from keras_seqzoo.callbacks import EpochTimer, HistoryExporter, read_history

        trainer = self.trainer
        assert trainer is not None
        timer = EpochTimer(batch_size=data.batch_size, sequence_length=data.max_length,
                           verbose=bool(trainer.verbose))
        exporter = HistoryExporter(
            folder, resume=True,
            metadata={**trainer.metadata, "seed": seed, "trial_id": trial.trial_id},
            batch_size=data.batch_size, sequence_length=data.max_length,
        )
        callbacks: list = [timer, exporter, _stop.StopWhenAsked()]
        if trainer.sound:
            # The best epoch's weights on disk: a resumed trial keeps comparing with the
            # best epoch it already recorded.
            before = _best_record(read_history(folder), trainer.objective, trainer.direction) \
                if (folder / "history.jsonl").exists() else None
            callbacks.append(keras.callbacks.ModelCheckpoint(
                os.fspath(folder / CHECKPOINT_FILE), monitor=trainer.objective,
                mode=trainer.direction, save_best_only=True, save_weights_only=True,
                initial_value_threshold=float(before[trainer.objective]) if before else None,
            ))
        if trainer.patience is not None:
            callbacks.append(keras.callbacks.EarlyStopping(
                monitor=trainer.objective, mode=trainer.direction, patience=trainer.patience))
        # The exporter and the checkpoint write an epoch before the backup records it as
        # done: a kill in between retrains that epoch, it never loses one.
        callbacks.append(keras.callbacks.BackupAndRestore(os.fspath(folder / BACKUP_DIR)))
        callbacks.append(_ReportEpoch(self, trial))
        return callbacks, exporter

    def run_trial(self, trial: Any, *args: Any, **kwargs: Any) -> Any:
        from keras_seqzoo.callbacks import read_history

        trainer = self.trainer
        if trainer is None:
            raise RuntimeError("ComparisonTuner: set .trainer before search().")
        values = trial.hyperparameters.values
        name, seed = values[ARCHITECTURE], values[SEED]
        folder = Path(self.get_trial_dir(trial.trial_id))
        if trainer.verbose:
            print(f"[trial {trial.trial_id}] {name}, seed {seed}", flush=True)
        started = time.monotonic()
        model = trainer.build(name, seed)
        # A pipeline of its own, shuffled by the trial's seed: the trial sees the same
        # data order whether it runs first, after other trials in this process, or alone
        # (one shared pipeline would hand it the n-th reshuffle of the run).
        data = trainer.data
        if getattr(data, "shuffle", False) and hasattr(data, "with_seed"):
            data = data.with_seed(int(seed))
        earlier = _set_aside_unresumable(folder)
        if earlier is not None:
            _forget_reported_epochs(self.oracle, trial)
            if trainer.verbose:
                print(f"[trial {trial.trial_id}] its folder records epochs but keeps no backup "
                      f"of their weights: trained again from epoch 1 (the earlier attempt is "
                      f"in {earlier.name}/)", flush=True)
        callbacks, exporter = self._callbacks(trial, folder, data, seed)
        load_before = machine.load_snapshot()
        with exporter:
            history = model.fit(
                data.train, validation_data=data.validation, epochs=trainer.epochs,
                shuffle=False,  # the data pipeline shuffles; Keras would only warn
                class_weight=dict(trainer.class_weight) if trainer.class_weight else None,
                callbacks=callbacks, verbose=trainer.verbose,
            )
        _record_kernels(folder, model)
        if trainer.sound:
            self._restore_and_test(folder, model, data, read_history(folder))
        # The machine's load over this sitting of the trial: its seconds carry it.
        _update_run(folder, load=machine.load_record(load_before, machine.load_snapshot()))
        attempts = sorted(p.name for p in folder.glob(f"{EARLIER_ATTEMPT}*") if p.is_dir())
        if attempts:
            _update_run(folder, earlier_attempts=attempts)
        if trainer.verbose:
            print(f"[trial {trial.trial_id}] {name}, seed {seed}: done in "
                  f"{time.monotonic() - started:.1f} s", flush=True)
        return history

    def _restore_and_test(self, folder: Path, model: keras.Model, data: Any,
                          records: list[Mapping[str, Any]]) -> None:
        """Restores the best epoch's weights and evaluates the test split once with them."""
        trainer = self.trainer
        assert trainer is not None
        best = _best_record(records, trainer.objective, trainer.direction)
        checkpoint = folder / CHECKPOINT_FILE
        started = time.perf_counter()
        if checkpoint.exists():
            model.load_weights(os.fspath(checkpoint))
        restore_seconds = time.perf_counter() - started
        record: dict[str, Any] = {
            "protocol": trainer.protocol,
            "objective": trainer.objective,
            "best_epoch": best["epoch"] if best else None,
            "validation": {k: v for k, v in (best or {}).items()
                           if k.startswith("val_") and is_finite(v)},
            "restore_seconds": restore_seconds,
            "class_names": list(getattr(data, "class_names", None) or []) or None,
            "positive_class": getattr(data, "positive_class", None),
        }
        test = getattr(data, "test", None)
        if test is not None:
            started = time.perf_counter()
            scores = model.evaluate(test, verbose=0, return_dict=True)
            record["test"] = {k: float(v) for k, v in scores.items() if is_finite(v)}
            record["test_seconds"] = time.perf_counter() - started
        _update_run(folder, **record)


def _set_aside_unresumable(folder: Path) -> Path | None:
    """Moves an attempt that cannot be resumed into ``earlier_attempt_<n>/``; returns it.

    A trial's folder that records epochs but keeps no ``BackupAndRestore`` backup
    (a checkout of a recording, whose weights git ignores; a trial whose training
    ended but whose test was interrupted; a kill between the history's epoch and
    the backup's) has lost the weights those epochs trained: the trial can only
    train again from epoch 1. Its run files and best-epoch checkpoint move into a
    subfolder, so nothing recorded is lost and the new attempt starts clean.
    """
    from keras_seqzoo.callbacks.history_files import JSONL_NAME, RUN_FILES

    history = folder / JSONL_NAME
    if not history.exists() or history.stat().st_size == 0:
        return None
    if any((folder / BACKUP_DIR).glob("*")):
        return None  # BackupAndRestore resumes it
    n = 1
    while (folder / f"{EARLIER_ATTEMPT}{n}").exists():
        n += 1
    earlier = folder / f"{EARLIER_ATTEMPT}{n}"
    earlier.mkdir()
    # history.jsonl last: an attempt cut short in between is set aside again next time.
    for name in (CHECKPOINT_FILE, *(f for f in RUN_FILES if f != JSONL_NAME), JSONL_NAME):
        if (folder / name).exists():
            os.replace(folder / name, earlier / name)
    return earlier


def _forget_reported_epochs(oracle: Any, trial: Any) -> None:
    """Clears the epochs an earlier attempt reported to keras-tuner, in this process.

    keras-tuner averages two reports of the same step; the trial's curve in
    ``trial.json`` must be the new attempt's alone. (A chief in another process
    keeps the reports it received; ``run.json`` and ``history.jsonl`` are exact.)
    """
    trial.metrics = type(trial.metrics)()  # keras-tuner's MetricsTracker, empty
    held = getattr(oracle, "trials", {}).get(trial.trial_id)  # the same object in one process
    if held is not None:
        held.metrics = trial.metrics


def _record_kernels(folder: Path, model: keras.Model) -> None:
    """Adds the kernel each fused recurrent layer ran (``keras_seqzoo.layers``) to run.json."""
    from keras_seqzoo.layers import recurrent_kernels

    kernels = recurrent_kernels(model)
    if kernels:
        _update_run(folder, recurrent_kernels=kernels)

"""The comparison runner on keras-tuner: each (model, seed) pair is one trial.

A comparison is a grid search whose only hyperparameters are ``architecture``
(the model names) and ``seed``. :func:`compare` runs it with a keras-tuner
oracle and tuner, so it shares keras-tuner's folder layout, trial states,
reload and distributed engine:

- **resume**: the output directory is the keras-tuner project directory
  (``overwrite=False``): a re-run skips every finished trial, and an
  unfinished trial continues from its last completed epoch through
  ``keras.callbacks.BackupAndRestore`` in the trial's folder (``backup/``);
- **several processes**: run the same command with keras-tuner's environment
  variables (``KERASTUNER_TUNER_ID``, ``KERASTUNER_ORACLE_IP``,
  ``KERASTUNER_ORACLE_PORT``): the process whose id contains ``chief`` serves
  the oracle over gRPC, the others train, and each (model, seed) is trained
  once. A worker killed mid-trial loses at most its current epoch: restarted
  with the same ``KERASTUNER_TUNER_ID`` it gets the same trial back (that is
  keras-tuner's rule), and with ``takeover_after`` set another worker takes
  a trial over whose worker has been silent that long. The directory must be
  shared by all processes (one host, or a shared file system).

Example:

```python
import keras_seqzoo as zoo
result = zoo.compare(["conv1d.imdb_words10k", "embedding_flatten.imdb_words10k"],
                     epochs=2, limit=2000, seeds=(0, 1), output_dir="runs/demo")
print(result.table_markdown)
```
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import keras

from keras_seqzoo import _atomic, _registry
from keras_seqzoo.callbacks.epoch_timer import TIMER_KEYS
from keras_seqzoo.comparison import report
from keras_seqzoo.comparison.report import ARCHITECTURE, SEED, SETTINGS_FILE, Comparison
from keras_seqzoo.compiling import check_training_values, compile_model

__all__ = ["CHIEF_TIMEOUT", "compare", "fast_compile_options"]

#: Seconds a worker waits for the chief oracle before it gives up with an error.
CHIEF_TIMEOUT = 20.0
#: Seconds between two requests of a worker that the oracle told to wait (IDLE).
_IDLE_POLL = 0.5
#: Seconds the chief waits for a worker with no trial that stopped talking to it.
_SILENT_WORKER = 30.0

# The runner reports each epoch to the oracle (the trial's curves and the worker's
# sign of life); keras-tuner then warns that run_trial reported metrics itself.
warnings.filterwarnings("ignore", message="The use case of calling", category=DeprecationWarning)


def _keras_tuner():
    try:
        from keras_seqzoo._extras import require
    except ImportError:  # before the packaging change: a plain import
        import keras_tuner

        return keras_tuner
    return require("tuner", "keras_tuner")


def _distributed_role() -> str | None:
    """``"chief"``, ``"worker"`` or ``None`` (one process), from keras-tuner's variables."""
    if "KERASTUNER_ORACLE_IP" not in os.environ:
        return None
    missing = [v for v in ("KERASTUNER_ORACLE_PORT", "KERASTUNER_TUNER_ID")
               if not os.environ.get(v)]
    if missing:
        raise ValueError(
            f"compare: KERASTUNER_ORACLE_IP is set but {' and '.join(missing)} is not. Set all "
            "three (KERASTUNER_TUNER_ID=chief for the process that serves the oracle, a unique "
            "id such as worker0 for each worker) or none for a single process."
        )
    return "chief" if "chief" in os.environ["KERASTUNER_TUNER_ID"] else "worker"


def _chief_address() -> str:
    return f"{os.environ['KERASTUNER_ORACLE_IP']}:{os.environ['KERASTUNER_ORACLE_PORT']}"


def _wait_for_chief(timeout: float) -> None:
    """Raises ``ConnectionError`` when the chief oracle does not answer within ``timeout``."""
    import grpc

    channel = grpc.insecure_channel(_chief_address())
    try:
        grpc.channel_ready_future(channel).result(timeout=timeout)
    except grpc.FutureTimeoutError:
        raise ConnectionError(
            f"compare: the chief oracle at {_chief_address()} (KERASTUNER_ORACLE_IP:"
            f"KERASTUNER_ORACLE_PORT) did not answer within {timeout:.0f} s. Start the chief "
            "first (the same command with KERASTUNER_TUNER_ID=chief), check the address and "
            "port, or unset KERASTUNER_ORACLE_IP to run in one process."
        ) from None
    finally:
        channel.close()


def _make_oracle_class():
    keras_tuner = _keras_tuner()

    class ComparisonOracle(keras_tuner.Oracle):
        """Proposes every (architecture, seed) pair once, in order (models, then seeds).

        Like keras-tuner's ``GridSearch`` over a fixed list; in addition, with
        ``takeover_after`` a worker that finds nothing new to do takes over a
        running trial whose worker has not reported for that many seconds.
        """

        def __init__(self, grid, *, takeover_after=None, **kwargs):
            hp = keras_tuner.HyperParameters()
            models = list(dict.fromkeys(m for m, _ in grid))
            seeds = list(dict.fromkeys(s for _, s in grid))
            hp.Choice(ARCHITECTURE, models, ordered=False)
            hp.Choice(SEED, seeds, ordered=False)
            super().__init__(hyperparameters=hp, max_retries_per_trial=1,
                             max_consecutive_failed_trials=len(grid) + 1, **kwargs)
            self.grid = [{ARCHITECTURE: m, SEED: s} for m, s in grid]
            self.takeover_after = takeover_after
            self._contact: dict[str, float] = {}

        def _untried(self):
            return [v for v in self.grid
                    if self._compute_values_hash(v) not in self._tried_so_far]

        def populate_space(self, trial_id):
            untried = self._untried()
            if untried:
                return {"status": "RUNNING", "values": dict(untried[0])}
            if self.ongoing_trials:
                return {"status": "IDLE", "values": None}
            return {"status": "STOPPED", "values": None}

        def _take_over_silent(self, tuner_id, now):
            if (self.takeover_after is None or tuner_id in self.ongoing_trials
                    or self._retry_queue or self._untried()):
                return
            for other, trial in list(self.ongoing_trials.items()):
                silent = now - self._contact.get(other, now)
                if other != tuner_id and silent > self.takeover_after:
                    print(f"compare: trial {trial.trial_id} of {other!r} had no report for "
                          f"{silent:.0f} s; {tuner_id!r} takes it over", flush=True)
                    self.ongoing_trials.pop(other)
                    self.tuner_ids.discard(other)
                    self._retry_queue.append(trial.trial_id)
                    return

        def create_trial(self, tuner_id):
            now = time.monotonic()
            self._contact[tuner_id] = now
            self._take_over_silent(tuner_id, now)
            return super().create_trial(tuner_id)

        def _touch(self, trial_id):
            for tuner_id, trial in self.ongoing_trials.items():
                if trial.trial_id == trial_id:
                    self._contact[tuner_id] = time.monotonic()

        def update_trial(self, trial_id, metrics, step=0):
            self._touch(trial_id)
            return super().update_trial(trial_id, metrics, step=step)

        def end_trial(self, trial):
            self._touch(trial.trial_id)
            return super().end_trial(trial)

        def set_state(self, state):
            # A trial folder deleted by hand (e.g. after a corrupt trial.json): the trial is
            # recreated under its own id and queued, so that it is trained again in a new
            # folder of the same name; the other trials are kept as they are.
            state = dict(state)
            by_hash = {self._compute_values_hash(v): v for v in self.grid}
            missing = [t for t in state["id_to_hash"] if t not in self.trials]
            for trial_id in missing:
                values = by_hash.get(state["id_to_hash"][trial_id])
                if values is None:
                    continue  # not a pair of this grid: leave it out of the search
                hp = keras_tuner.HyperParameters.from_config(state["hyperparameters"])
                hp.values = dict(values)
                self.trials[trial_id] = keras_tuner.engine.trial.Trial(
                    hyperparameters=hp, trial_id=trial_id, status="RUNNING")
            known = set(self.trials)
            state["ongoing_trials"] = {k: v for k, v in state["ongoing_trials"].items()
                                       if v in known and v not in missing}
            state["end_order"] = [t for t in state["end_order"] if t in known and t not in missing]
            state["start_order"] = [t for t in state["start_order"] if t in known]
            state["retry_queue"] = [t for t in state["retry_queue"] if t in known]
            state["retry_queue"] += [t for t in missing
                                     if t in known and t not in state["retry_queue"]]
            super().set_state(state)

        def done(self) -> bool:
            return not (self._untried() or self._retry_queue or self.ongoing_trials)

    return ComparisonOracle


class _Trainer:
    """What a worker needs to train one trial: the data and the settings."""

    def __init__(self, data, *, epochs, compile_options, metadata, verbose):
        self.data = data
        self.epochs = epochs
        self.compile_options = compile_options
        self.metadata = metadata
        self.verbose = verbose

    def build(self, name: str, seed: int) -> keras.Model:
        keras.backend.clear_session()
        keras.utils.set_random_seed(int(seed))
        entry, _ = _registry.resolve(name)
        overrides = {}
        if "vocab_size" in entry.arguments:
            overrides["vocab_size"] = self.data.vocab_size
        if "max_length" in entry.arguments:
            overrides["max_length"] = self.data.max_length  # None: variable-length input
        model = _registry.build(name, **overrides)
        compile_model(model, **self.compile_options)
        return model


def _make_tuner_class():
    keras_tuner = _keras_tuner()

    class ReportEpoch(keras.callbacks.Callback):
        """Sends each epoch's metrics to the oracle (curves in trial.json, a sign of life)."""

        def __init__(self, tuner, trial):
            super().__init__()
            self.tuner, self.trial = tuner, trial

        def on_epoch_end(self, epoch, logs=None):
            metrics = {k: float(v) for k, v in (logs or {}).items()
                       if k not in TIMER_KEYS and isinstance(v, (int, float))
                       and not isinstance(v, bool) and math.isfinite(float(v))}
            if self.tuner.oracle.objective.name in metrics:
                self.tuner.oracle.update_trial(self.trial.trial_id, metrics, step=int(epoch))

    class ComparisonTuner(keras_tuner.Tuner):
        """Trains one (architecture, seed) trial with the package's callbacks.

        In the trial's folder: :class:`~keras_seqzoo.callbacks.EpochTimer` and
        :class:`~keras_seqzoo.callbacks.HistoryExporter` (``resume=True``)
        record the history, and ``keras.callbacks.BackupAndRestore``
        (``backup/``) resumes an unfinished trial from its last completed epoch.
        """

        trainer: _Trainer | None = None
        _asked = False

        def pre_create_trial(self):
            if self._asked:  # the oracle answered IDLE last time: do not hammer it
                time.sleep(_IDLE_POLL)
            self._asked = True

        def on_trial_begin(self, trial):
            self._asked = False
            super().on_trial_begin(trial)

        def run_trial(self, trial, *args, **kwargs):
            from keras_seqzoo.callbacks import EpochTimer, HistoryExporter

            trainer = self.trainer
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
            timer = EpochTimer(batch_size=data.batch_size, sequence_length=data.max_length,
                               verbose=bool(trainer.verbose))
            exporter = HistoryExporter(
                folder, resume=True, metadata={**trainer.metadata, "seed": seed,
                                               "trial_id": trial.trial_id},
                batch_size=data.batch_size, sequence_length=data.max_length,
            )
            # The exporter writes an epoch before the backup records it as done: a kill
            # in between retrains that epoch and replaces its record, it never loses one.
            backup = keras.callbacks.BackupAndRestore(os.fspath(folder / "backup"))
            with exporter:
                history = model.fit(
                    data.train, validation_data=data.validation, epochs=trainer.epochs,
                    shuffle=False,  # the tf.data pipeline shuffles; Keras would only warn
                    callbacks=[timer, exporter, backup, ReportEpoch(self, trial)],
                    verbose=trainer.verbose,
                )
            _record_kernels(folder, model)
            if trainer.verbose:
                print(f"[trial {trial.trial_id}] {name}, seed {seed}: done in "
                      f"{time.monotonic() - started:.1f} s", flush=True)
            return history

    return ComparisonTuner


def _start_server(tuner):
    """The chief: serves the oracle over gRPC (keras-tuner's own servicer); returns the server."""
    import grpc
    from concurrent import futures

    from keras_tuner.src import protos
    from keras_tuner.src.distribute.oracle_chief import OracleServicer

    tuner.save()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    protos.get_service_grpc().add_OracleServicer_to_server(OracleServicer(tuner.oracle), server)
    server.add_insecure_port(_chief_address())
    server.start()
    return server


def _wait_until_done(oracle) -> None:
    """Returns when every trial has ended and every worker was told to stop (or went silent).

    keras-tuner's own chief checks this every 20 s; here it is 0.2 s, and a worker that
    died between two trials (it holds none) is let go after ``_SILENT_WORKER`` seconds.
    """
    while True:
        time.sleep(0.2)
        if not oracle.done():
            continue
        now = time.monotonic()
        for tuner_id in list(oracle.tuner_ids):
            if now - oracle._contact.get(tuner_id, now) > _SILENT_WORKER:
                oracle.tuner_ids.discard(tuner_id)
        if not oracle.tuner_ids:
            return


def _data_settings(models: Sequence[str], given: Mapping[str, Any]) -> dict[str, Any]:
    """Data settings shared by the models' presets, then overridden by ``given``."""
    settings: dict[str, Any] = {}
    for name in models:
        _, preset = _registry.resolve(name)
        if preset is None or not preset.data:
            continue
        wanted = {k: v for k, v in preset.data.items() if k in ("encoding", "max_length")}
        if preset.data.get("encoding") == "words":
            wanted["vocab_size"] = preset.data.get("vocab_size")
        for key, value in wanted.items():
            if key in settings and settings[key] != value and given.get(key) is None:
                raise ValueError(
                    f"compare: the presets expect different data ({key}={settings[key]!r} vs "
                    f"{key}={value!r} for {name!r}). Compare models that share an encoding, or "
                    f"pass {key}=... to choose one for all."
                )
            settings[key] = value
    settings.setdefault("encoding", "words")
    settings.update({k: v for k, v in given.items() if v is not None})
    return settings


def fast_compile_options(compile_options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The compile options the runner uses: the user's, plus the fastest safe defaults.

    On the TensorFlow backend Keras' ``jit_compile="auto"`` turns XLA off on
    CPU-only machines, yet XLA trains the slides' recurrent models 1.5-2.7x faster
    there (see the benchmarks page); the runner therefore sets
    ``jit_compile=True`` on TensorFlow unless you chose a value. JAX compiles with
    XLA already; PyTorch is left as it is. The model, data and optimizer are
    unchanged.

    Args:
        compile_options: options for :func:`keras_seqzoo.compile_model`.

    Returns:
        A new dict with ``jit_compile`` filled in.
    """
    options = dict(compile_options or {})
    if "jit_compile" not in options:
        options["jit_compile"] = True if keras.backend.backend() == "tensorflow" else "auto"
    return options


def _portable(value: Any) -> Any:
    """Drops what ties a record to one machine: absolute paths become their last part."""
    if isinstance(value, Mapping):
        return {k: _portable(v) for k, v in value.items() if k not in ("hostname", "pid")}
    if isinstance(value, (list, tuple)):
        return [_portable(v) for v in value]
    if isinstance(value, str) and os.path.isabs(value):
        return os.path.basename(value.rstrip("/\\")) or value
    return value


def _check_seeds(seeds: Any) -> list[int]:
    if isinstance(seeds, (int, str)) or seeds is None:
        seeds = [seeds]
    seeds = list(seeds)
    if not seeds or any(isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in seeds):
        raise ValueError(
            "compare: seeds must be a non-empty list of integers >= 0 (e.g. seeds=(0, 1, 2), "
            f"--seeds 0 1 2). Received: seeds={seeds!r}"
        )
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"compare: seeds must not repeat. Received: seeds={seeds!r}")
    return seeds


def _identity(settings: Mapping[str, Any]) -> dict[str, Any]:
    """What must agree for two runs to be the same comparison (models and seeds may grow)."""
    keys = ("epochs", "batch_size", "limit", "compile_options", "data_settings")
    return {k: settings.get(k) for k in keys}


def _check_directory(directory: Path, settings: Mapping[str, Any], overwrite: bool) -> None:
    """Refuses a directory that holds another comparison (or another keras-tuner search)."""
    if overwrite or not directory.exists():
        return
    old = report._settings(directory)
    if not old:
        if (directory / "oracle.json").exists() or any(directory.glob("trial_*")):
            raise ValueError(
                f"compare: {os.fspath(directory)!r} holds keras-tuner trials that are not a "
                "comparison (no comparison.json). Choose another output directory, or pass "
                "overwrite=True (--overwrite) to delete them and start over."
            )
        return
    differences = [
        f"{key}: {old_value!r} there, {new!r} now"
        for key, new in _identity(settings).items()
        if (old_value := _identity(old).get(key)) != new
    ]
    if differences:
        raise ValueError(
            f"compare: {os.fspath(directory)!r} holds another comparison ("
            + "; ".join(differences) + "). Choose another output directory, or pass "
            "overwrite=True (--overwrite) to delete it and start over."
        )
    report.read_trials(directory)  # a corrupt trial file is named before anything runs
    for name in ["oracle.json", *(p.name for p in directory.glob("*.json"))]:
        path = directory / name
        if path.exists() and name != SETTINGS_FILE:
            try:
                json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                raise ValueError(
                    f"compare: the keras-tuner file {name} in {os.fspath(directory)!r} is "
                    f"corrupt ({error}). Nothing was changed. Delete it (the trials' own files "
                    "are kept) or pass overwrite=True (--overwrite) to start over."
                ) from None


def compare(
    models: Sequence[str],
    *,
    seeds: Sequence[int] | int = (0,),
    output_dir: str | os.PathLike = "runs/compare",
    epochs: int = 10,
    batch_size: int = 32,
    encoding: str | None = None,
    vocab_size: int | None = None,
    max_length: int | None = None,
    source: str | os.PathLike | None = None,
    limit: int | None = None,
    data=None,
    compile_options: Mapping[str, Any] | None = None,
    title: str | None = None,
    experiment: str | None = None,
    overwrite: bool = False,
    takeover_after: float | None = None,
    verbose: int = 2,
    seed: int | None = None,
) -> Comparison:
    """Trains registered models on the same data, one keras-tuner trial per (model, seed).

    The output directory is a keras-tuner project: running the same call again
    skips the finished trials and resumes an unfinished one from its last
    completed epoch. Several processes run it together through keras-tuner's
    environment variables (see the module docstring and the scaling guide).

    Args:
        models: builder or preset names (``seqzoo list --presets``).
        seeds: one run per seed and model (weights initialisation and shuffling);
            the table shows mean ± std over the seeds.
        output_dir: the run directory; running again resumes what is there.
        epochs: epochs per model (>= 1).
        batch_size: batch size.
        encoding: ``"words"`` or ``"subwords"``; by default what the presets expect.
        vocab_size: word vocabulary size (words encoding).
        max_length: sequence length (truncates subwords when set).
        source: the IMDB data (an ``aclImdb`` folder or ``.tar.gz``); see
            ``keras_seqzoo.datasets.load_imdb`` for where it looks otherwise.
        limit: use a balanced subset of this many reviews per split (quick runs).
        data: an already loaded dataset (``load_imdb``'s result); skips loading.
        compile_options: passed to :func:`keras_seqzoo.compile_model`
            (default: the slides' adam / binary cross-entropy / accuracy).
        title: a title for the figures.
        experiment: the experiment's name, recorded in ``comparison.json``.
        overwrite: delete what ``output_dir`` holds and start over. Without it, a
            directory holding another comparison (other epochs, batch size,
            data or compile options) or another keras-tuner search is refused.
        takeover_after: distributed runs: seconds without a report (one per
            epoch) after which a running trial is handed to another worker that
            has nothing else to do. Must exceed your longest epoch. ``None``
            (default): only the same worker, restarted with the same
            ``KERASTUNER_TUNER_ID``, continues its trial.
        verbose: 0 silent, 1 progress bars, 2 one line per epoch.
        seed: the same as ``seeds=(seed,)`` (kept for older calls).

    Returns:
        A :class:`Comparison` with the rows, the Markdown table and the figures.

    Raises:
        UnknownModelError: a model name is not registered (nothing is trained).
        ValueError: bad settings (``epochs < 1``, bad seeds), a directory that
            holds another comparison, or a corrupt trial file (named).
        ConnectionError: a worker whose chief oracle does not answer.

    Example:

    ```python
    import keras_seqzoo as zoo
    result = zoo.compare(["bilstm", "conv1d"], seeds=(0, 1, 2), epochs=3, limit=2000,
                         output_dir="runs/demo")
    print(result.table_markdown)
    ```
    """
    if isinstance(models, str):
        models = [models]
    models = list(dict.fromkeys(models))
    if not models:
        raise ValueError("compare: give at least one model name (see `seqzoo list --presets`).")
    for name in models:
        _registry.resolve(name)  # unknown names fail before any work
    seeds = _check_seeds(seed if seed is not None else seeds)
    check_training_values("compare", batch_size=batch_size, epochs=epochs,
                          learning_rate=(compile_options or {}).get("learning_rate"))
    if takeover_after is not None and (isinstance(takeover_after, bool)
                                       or not isinstance(takeover_after, (int, float))
                                       or not takeover_after > 0
                                       or not math.isfinite(takeover_after)):
        raise ValueError("compare: takeover_after must be a number of seconds > 0 or None. "
                         f"Received: takeover_after={takeover_after!r}")
    data_settings = _data_settings(
        models, {"encoding": encoding, "vocab_size": vocab_size, "max_length": max_length}
    )
    options = fast_compile_options(compile_options)
    role = _distributed_role()
    directory = Path(output_dir)
    settings = {
        "experiment": experiment,
        "models": models,
        "seeds": seeds,
        "epochs": epochs,
        "batch_size": batch_size,
        "limit": limit,
        "compile_options": {k: str(v) for k, v in options.items()},
        "data_settings": dict(data_settings),
    }
    if role == "worker":
        overwrite = False  # only the chief may delete the project
        _wait_for_chief(CHIEF_TIMEOUT)
    else:
        _check_directory(directory, settings, overwrite)

    def load(data):
        if data is None:
            from keras_seqzoo import datasets

            loaded = dict(data_settings)
            data = datasets.load_imdb(
                loaded.pop("encoding"), source=source, batch_size=batch_size, limit=limit,
                seed=seeds[0], **loaded,
            )
        return data

    if role != "chief":  # the chief serves first (workers give up after CHIEF_TIMEOUT)
        data = load(data)
    keras_tuner = _keras_tuner()
    objective = "val_accuracy"
    metrics = options.get("metrics")
    if metrics is not None and "accuracy" not in [str(m) for m in metrics]:
        objective = "val_loss"
    oracle = _make_oracle_class()(
        [(m, s) for m in models for s in seeds], takeover_after=takeover_after,
        objective=keras_tuner.Objective(objective, "max" if "accuracy" in objective else "min"),
    )
    directory.parent.mkdir(parents=True, exist_ok=True)
    tuner_file_existed = any(directory.glob(f"{os.environ.get('KERASTUNER_TUNER_ID', 'tuner0')}"
                                            ".json"))
    tuner = _make_tuner_class()(
        oracle=oracle, directory=os.fspath(directory.parent), project_name=directory.name,
        overwrite=overwrite,
    )
    directory.mkdir(parents=True, exist_ok=True)  # overwrite=True removed it
    if role != "worker" and not overwrite and not tuner_file_existed \
            and (directory / "oracle.json").exists():
        tuner.oracle.reload()  # another tuner id (e.g. a distributed run before) wrote it
    tuner.oracle.verbose = 0  # the runner prints its own lines
    server = None
    try:
        if role == "chief":
            server = _start_server(tuner)
            data = load(data)  # only for the record: the chief trains nothing
        if role != "worker":
            record = {**settings, "data": _portable(getattr(data, "info", None)),
                      "backend": keras.backend.backend(), "keras_version": keras.__version__}
            if sys.argv and os.path.basename(sys.argv[0]) in ("seqzoo", "cli.py"):
                record["command"] = " ".join(["seqzoo", *map(str, _portable(sys.argv[1:]))])
            _atomic.write_text(directory / SETTINGS_FILE, json.dumps(record, indent=2) + "\n")
        tuner.trainer = _Trainer(
            data, epochs=epochs, compile_options=options, verbose=verbose,
            metadata={"experiment": experiment, "data": _portable(getattr(data, "info", None))},
        )
        if role == "chief":
            if verbose:
                print(f"compare: serving the oracle at {_chief_address()} for "
                      f"{len(oracle.grid)} trials", flush=True)
            _wait_until_done(tuner.oracle)
        else:
            tuner.search()
    finally:
        if server is not None:
            server.stop(grace=2)
        # Interrupted or not, the table and figures describe exactly what is on disk.
        result = report.write_report(directory, title=_figure_title(experiment, title),
                                     reference_seconds=_reference_seconds(experiment))
    failed = [t for t in report.read_trials(directory) if t.get("status") == "FAILED"]
    if failed:
        messages = "\n".join(f"trial {t['trial_id']} ({report._values(t)}): "
                             f"{(t.get('message') or '').strip().splitlines()[-1:]}"
                             for t in failed)
        raise RuntimeError(f"compare: {len(failed)} trial(s) failed:\n{messages}")
    if verbose:
        print(result.table_markdown)
    return result


def _figure_title(experiment: str | None, title: str | None) -> str | None:
    """The figures' title prefix: the experiment's name (``"C4"``), else the given title."""
    return experiment.upper() if experiment else title


def _reference_seconds(experiment: str | None) -> dict[str, float] | None:
    from keras_seqzoo.comparison.experiments import EXPERIMENTS

    known = EXPERIMENTS.get(experiment or "")
    return dict(known.reference_seconds) if known and known.reference_seconds else None


def _record_kernels(folder: Path, model: keras.Model) -> None:
    """Adds the kernel each fused recurrent layer ran (``keras_seqzoo.layers``) to run.json."""
    from keras_seqzoo.layers import recurrent_kernels

    kernels = recurrent_kernels(model)
    path = folder / "run.json"
    if not kernels or not path.exists():
        return
    run = json.loads(path.read_text(encoding="utf-8"))
    run["recurrent_kernels"] = kernels
    _atomic.write_text(path, json.dumps(run, indent=1, allow_nan=False) + "\n")

"""The comparison runner on keras-tuner: each (model, seed) pair is one trial.

A comparison is a grid search whose only hyperparameters are ``architecture``
(the model names) and ``seed``. :func:`compare` validates the settings, opens
the output folder as a keras-tuner project, runs the trials and writes the
report; the rooms it orchestrates:

- :mod:`~keras_seqzoo.comparison.oracle`: which pair to train next;
- :mod:`~keras_seqzoo.comparison.trainer`: one trial, trained and recorded;
- :mod:`~keras_seqzoo.comparison.distributed`: the chief and the workers;
- :mod:`~keras_seqzoo.comparison.report`: the table and figures.

It shares keras-tuner's folder layout, trial states, reload and distributed
engine:

- **resume**: the output directory is the keras-tuner project directory
  (``overwrite=False``): a re-run skips every finished trial, and an
  unfinished trial continues from its last completed epoch through
  ``keras.callbacks.BackupAndRestore`` in the trial's folder (``backup/``);
- **several processes**: run the same command with keras-tuner's environment
  variables (``KERASTUNER_TUNER_ID``, ``KERASTUNER_ORACLE_IP``,
  ``KERASTUNER_ORACLE_PORT``, and ``KERAS_SEQZOO_ORACLE_TOKEN`` for a shared
  secret): the process whose id contains ``chief`` serves the oracle over
  gRPC, the others train, and each (model, seed) is trained once. A worker
  killed mid-trial loses at most its current epoch: restarted with the same
  ``KERASTUNER_TUNER_ID`` it gets the same trial back (that is keras-tuner's
  rule), and with ``takeover_after`` set another worker takes a trial over
  whose worker has been silent that long. The directory must be shared by all
  processes (one host, or a shared file system).

Example:

```python
import keras_seqzoo as zoo
result = zoo.compare(["conv1d.imdb_words10k", "embedding_flatten.imdb_words10k"],
                     epochs=2, limit=2000, seeds=(0, 1), output_dir="runs/demo")
print(result.table_markdown)
```
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import sys
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import keras
import keras_tuner

from keras_seqzoo import _atomic, _extras, _registry
from keras_seqzoo.comparison import distributed, report
from keras_seqzoo.comparison.oracle import ComparisonOracle
from keras_seqzoo.comparison.report import SETTINGS_FILE, Comparison
from keras_seqzoo.comparison.trainer import PROTOCOLS, ComparisonTuner, TrialTrainer
from keras_seqzoo.compiling import check_training_values

__all__ = ["CHIEF_TIMEOUT", "RunSettings", "compare", "fast_compile_options", "run"]

#: Seconds a worker waits for the chief oracle before it gives up with an error.
CHIEF_TIMEOUT = distributed.CHIEF_TIMEOUT

#: Data options (``keras_seqzoo.datasets.load_data``'s) a run may set besides the encoding.
DATA_OPTIONS = ("test", "validation", "format", "columns", "text_column", "label_column",
                "file_encoding", "keep", "data_dir")


@dataclasses.dataclass(frozen=True)
class RunSettings:
    """Everything a comparison run is told, checked: what :func:`run` orchestrates.

    Attributes:
        models: builder or preset names, without repeats.
        seeds: one trial per model and seed.
        epochs: the most epochs per trial.
        batch_size: the batch size.
        limit: a class-balanced subset per split, or ``None``.
        data_settings: ``encoding``, ``vocab_size``, ``max_length`` (the presets'
            unless given).
        data_options: file options for ``keras_seqzoo.datasets.load_data``
            (:data:`DATA_OPTIONS`).
        source: the data's path or name (``None``: IMDB).
        compile_options: for :func:`keras_seqzoo.compile_model`.
        protocol: ``"sound"`` or ``"slides"``.
        patience: early stopping's patience (epochs), or ``None``.
        class_weight: ``"balanced"``, ``{class id: weight}`` or ``None``.
        arguments: builder arguments per model (a tuned configuration).
        title: the figures' title prefix.
        experiment: the experiment's name, recorded.
        reference_seconds: seconds per epoch measured elsewhere (the slides').
        takeover_after: distributed runs: seconds of silence before a takeover.
        verbose: 0, 1 or 2.
    """

    models: tuple[str, ...]
    seeds: tuple[int, ...]
    epochs: int = 10
    batch_size: int = 32
    limit: int | None = None
    data_settings: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    data_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    source: str | None = None
    compile_options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    protocol: str = "sound"
    patience: int | None = None
    class_weight: Any = None
    arguments: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    title: str | None = None
    experiment: str | None = None
    reference_seconds: Mapping[str, float] | None = None
    takeover_after: float | None = None
    verbose: int = 2

    @property
    def grid(self) -> list[tuple[str, int]]:
        return [(m, s) for m in self.models for s in self.seeds]

    @property
    def objective(self) -> tuple[str, str]:
        """The validation metric that picks the best epoch, and its direction."""
        metrics = self.compile_options.get("metrics")
        if isinstance(metrics, str):  # "slides" is accuracy only; one metric's name
            metrics = ["accuracy"] if metrics == "slides" else [metrics]
        if metrics is not None and "accuracy" not in [str(m) for m in metrics]:
            return "val_loss", "min"
        return "val_accuracy", "max"

    def record(self) -> dict[str, Any]:
        """What ``comparison.json`` records of these settings."""
        return {
            "experiment": self.experiment,
            "models": list(self.models),
            "seeds": list(self.seeds),
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "limit": self.limit,
            "compile_options": {k: str(v) for k, v in self.compile_options.items()},
            "data_settings": dict(self.data_settings),
            "data_options": {k: _portable(v) for k, v in self.data_options.items()},
            "protocol": self.protocol,
            "patience": self.patience,
            "class_weight": (self.class_weight if not isinstance(self.class_weight, Mapping)
                             else {str(k): v for k, v in self.class_weight.items()}),
            "arguments": {k: dict(v) for k, v in self.arguments.items()},
        }


def _identity(settings: Mapping[str, Any]) -> dict[str, Any]:
    """What must agree for two runs to be the same comparison (models and seeds may grow)."""
    keys = ("epochs", "batch_size", "limit", "compile_options", "data_settings", "protocol",
            "patience", "class_weight", "arguments", "data_options")
    defaults = {"protocol": "slides"}  # folders written before the protocol existed
    return {k: settings.get(k, defaults.get(k)) for k in keys}


# -- validate --------------------------------------------------------------------------------


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


def _check_class_weight(class_weight: Any) -> Any:
    if class_weight is None or class_weight == "balanced":
        return class_weight
    if isinstance(class_weight, Mapping) and class_weight and all(
            isinstance(k, int) and not isinstance(k, bool) and k >= 0
            and isinstance(v, (int, float)) and not isinstance(v, bool)
            and math.isfinite(v) and v > 0 for k, v in class_weight.items()):
        return {int(k): float(v) for k, v in class_weight.items()}
    raise ValueError(
        "compare: class_weight must be 'balanced' (--class-weight balanced), a dict "
        "{class id: weight > 0} or None. Received: "
        f"class_weight={class_weight!r}"
    )


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
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str) and os.path.isabs(value):
        return os.path.basename(value.rstrip("/\\")) or value
    return value


def settings_from_arguments(
    models: Sequence[str] | str, *, seeds: Any, epochs: int, batch_size: int, limit: Any,
    encoding: str | None, vocab_size: int | None, max_length: int | None, source: Any,
    compile_options: Mapping[str, Any] | None, protocol: str | None, patience: Any,
    class_weight: Any, data_options: Mapping[str, Any] | None, data: Any, title: str | None,
    experiment: str | None, reference_seconds: Mapping[str, float] | None,
    takeover_after: Any, verbose: int, arguments: Mapping[str, Mapping[str, Any]] | None = None,
    where: str = "compare",
) -> RunSettings:
    """Checks :func:`compare`'s arguments (nothing is written) and returns the settings.

    Raises:
        UnknownModelError: an unknown model name.
        ValueError: a bad value, named with what is allowed.
    """
    if isinstance(models, str):
        models = [models]
    models = list(dict.fromkeys(models))
    if not models:
        raise ValueError(f"{where}: give at least one model name (see `seqzoo list --presets`).")
    for name in models:
        _registry.resolve(name)  # unknown names fail before any work
    check_training_values(where, batch_size=batch_size, epochs=epochs,
                          learning_rate=(compile_options or {}).get("learning_rate"))
    if takeover_after is not None and (isinstance(takeover_after, bool)
                                       or not isinstance(takeover_after, (int, float))
                                       or not takeover_after > 0
                                       or not math.isfinite(takeover_after)):
        raise ValueError(f"{where}: takeover_after must be a number of seconds > 0 or None. "
                         f"Received: takeover_after={takeover_after!r}")
    data_protocol = getattr(data, "protocol", None) if data is not None else None
    if protocol is None:
        protocol = data_protocol or "sound"
    if protocol not in PROTOCOLS:
        raise ValueError(f"{where}: protocol must be 'sound' (best epoch on validation, test "
                         "once) or 'slides' (IMDB's test set as validation, no test). "
                         f"Received: protocol={protocol!r}")
    if data_protocol is not None and data_protocol != protocol:
        raise ValueError(f"{where}: the data were loaded with protocol={data_protocol!r} but "
                         f"protocol={protocol!r} was asked. Load them with the same protocol "
                         "or leave protocol out.")
    if patience is not None and (isinstance(patience, bool) or not isinstance(patience, int)
                                 or patience < 1):
        raise ValueError(f"{where}: patience must be an integer >= 1 (epochs without a better "
                         f"validation score) or None. Received: patience={patience!r}")
    options = dict(data_options or {})
    unknown = [k for k in options if k not in DATA_OPTIONS]
    if unknown:
        raise ValueError(f"{where}: unknown data option(s) {unknown}; allowed: "
                         f"{', '.join(DATA_OPTIONS)}.")
    for name, value in (arguments or {}).items():
        if name not in models or not isinstance(value, Mapping):
            raise ValueError(f"{where}: arguments must map model names of this run to builder "
                             f"arguments. Received: {name!r}: {value!r}")
    return RunSettings(
        models=tuple(models),
        seeds=tuple(_check_seeds(seeds)),
        epochs=epochs,
        batch_size=batch_size,
        limit=limit,
        data_settings=_data_settings(models, {"encoding": encoding, "vocab_size": vocab_size,
                                              "max_length": max_length}),
        data_options={k: v for k, v in options.items() if v is not None},
        source=os.fspath(source) if isinstance(source, os.PathLike) else source,
        compile_options=fast_compile_options(compile_options),
        protocol=protocol,
        patience=patience,
        class_weight=_check_class_weight(class_weight),
        arguments={k: dict(v) for k, v in (arguments or {}).items()},
        title=experiment.upper() if experiment else title,
        experiment=experiment,
        reference_seconds=dict(reference_seconds) if reference_seconds else None,
        takeover_after=takeover_after,
        verbose=verbose,
    )


# -- open ------------------------------------------------------------------------------------


def _is_project(directory: Path) -> bool:
    """Whether a folder holds a comparison or a keras-tuner project (``tune``'s searches too)."""
    return ((directory / SETTINGS_FILE).is_file() or (directory / "oracle.json").is_file()
            or any(p.is_dir() for p in directory.glob("trial_*"))
            or any(directory.glob("search/*/oracle.json")))


def settings_from_call(where: str, call: Mapping[str, Any], **given: Any) -> RunSettings:
    """:func:`settings_from_arguments` from a public function's own arguments.

    ``compare`` and ``tune`` pass their ``locals()``: the names
    :func:`settings_from_arguments` takes are picked from ``call``, then ``given``
    overrides them.
    """
    import inspect

    names = inspect.signature(settings_from_arguments).parameters
    options = {k: v for k, v in call.items() if k in names and k != "where"}
    options.update(given)
    return settings_from_arguments(where=where, **options)


def check_overwrite(directory: Path, where: str = "compare") -> None:
    """Refuses to delete a folder that is neither empty nor a comparison or keras-tuner project.

    Raises:
        ValueError: naming what the folder holds.
    """
    if not directory.exists():
        return
    if directory.is_symlink() or not directory.is_dir():
        raise ValueError(f"{where}: overwrite=True (--overwrite) deletes only a folder; "
                         f"{os.fspath(directory)!r} is not one. Nothing was deleted.")
    entries = sorted(p.name for p in directory.iterdir())
    if entries and not _is_project(directory):
        shown = ", ".join(entries[:5]) + (f" and {len(entries) - 5} more" if len(entries) > 5
                                          else "")
        raise ValueError(
            f"{where}: overwrite=True (--overwrite) deletes only an empty folder or one that "
            f"holds a comparison or a keras-tuner project; {os.fspath(directory)!r} holds "
            f"{shown} (no comparison.json, oracle.json, trial_* or search/*/oracle.json). "
            "Nothing was deleted. Choose another output directory."
        )


def _check_directory(directory: Path, settings: RunSettings, overwrite: bool) -> None:
    """Refuses a directory that holds another comparison (or another keras-tuner search)."""
    if overwrite:
        check_overwrite(directory)
        return
    if not directory.exists():
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
    old_identity, new_identity = _identity(old), _identity(settings.record())
    # read_trials names a corrupt trial file before anything runs. A model without
    # trials here is not in the comparison yet (added, or searched again by tune's
    # redo): its arguments may differ from those recorded.
    trained = {str(report._values(t).get(report.ARCHITECTURE))
               for t in report.read_trials(directory)}
    for identity in (old_identity, new_identity):
        identity["arguments"] = {k: v for k, v in (identity["arguments"] or {}).items()
                                 if k in trained}
    differences = [
        f"{key}: {old_value!r} there, {new!r} now"
        for key, new in new_identity.items()
        if (old_value := old_identity.get(key)) != new
    ]
    if differences:
        raise ValueError(
            f"compare: {os.fspath(directory)!r} holds another comparison ("
            + "; ".join(differences) + "). Choose another output directory, or pass "
            "overwrite=True (--overwrite) to delete it and start over."
        )
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


def _is_imdb(source: str) -> bool:
    """Whether ``source`` names IMDB's own copy (an ``aclImdb`` folder or archive)."""
    return os.path.basename(source.rstrip("/\\")).lower().startswith("aclimdb")


def load_run_data(settings: RunSettings) -> Any:
    """Loads the data a run's settings name, through ``keras_seqzoo.datasets.load_data``.

    IMDB unless ``source`` says otherwise; an ``aclImdb`` folder or archive is
    IMDB's own copy.

    Raises:
        DatasetError: unusable data, named (a ``ValueError``: exit 2 on the command line).
    """
    from keras_seqzoo import datasets

    options = dict(settings.data_settings)
    options.update(settings.data_options)
    source = settings.source
    if source is not None and _is_imdb(source):
        options["imdb_source"], source = source, "imdb"
    return datasets.load_data(
        source, batch_size=settings.batch_size, limit=settings.limit, seed=settings.seeds[0],
        protocol=settings.protocol, **options,
    )


def _class_weight(settings: RunSettings, data: Any) -> dict[int, float] | None:
    if settings.class_weight != "balanced":
        return settings.class_weight
    if hasattr(data, "class_weight"):
        return dict(data.class_weight("balanced"))
    import numpy as np

    labels = np.asarray(data.labels("train")).astype(int)
    counts = np.bincount(labels)
    return {i: len(labels) / (len(counts) * int(c)) for i, c in enumerate(counts) if c}


def _save_encoding(data: Any, directory: Path) -> None:
    """Saves the data's encoding once per run, for ``keras_seqzoo.export`` and ``seqzoo export``."""
    from keras_seqzoo.exporting import save_encoding

    if not (directory / "encoding").exists() and hasattr(data, "encoder"):
        save_encoding(data, directory / "encoding")


def _open_tuner(settings: RunSettings, directory: Path, role: str | None,
                overwrite: bool) -> ComparisonTuner:
    objective, direction = settings.objective
    oracle = ComparisonOracle(settings.grid, takeover_after=settings.takeover_after,
                              objective=keras_tuner.Objective(objective, direction))
    directory.parent.mkdir(parents=True, exist_ok=True)
    tuner_id = os.environ.get("KERASTUNER_TUNER_ID", "tuner0")
    tuner_file_existed = not overwrite and (directory / f"{tuner_id}.json").exists()
    if overwrite and directory.exists():
        shutil.rmtree(directory)  # checked by check_overwrite
    tuner = ComparisonTuner(oracle=oracle, directory=os.fspath(directory.parent),
                            project_name=directory.name, overwrite=False)
    directory.mkdir(parents=True, exist_ok=True)
    if role != "worker" and not tuner_file_existed and (directory / "oracle.json").exists():
        tuner.oracle.reload()  # another tuner id (e.g. a distributed run before) wrote it
    tuner.oracle.verbose = 0  # the runner prints its own lines
    if role == "worker":
        distributed.attach_token(tuner.oracle)
    return tuner


def _write_settings(settings: RunSettings, directory: Path, data: Any) -> None:
    record = {**settings.record(), "data": _portable(getattr(data, "info", None)),
              "backend": keras.backend.backend(), "keras_version": keras.__version__}
    if os.environ.get(_extras.BACKEND_NOTE_VARIABLE):  # the seqzoo command's: why this backend
        record["backend_note"] = os.environ[_extras.BACKEND_NOTE_VARIABLE]
    if sys.argv and os.path.basename(sys.argv[0]) in ("seqzoo", "cli.py", "__main__.py"):
        record["command"] = " ".join(["seqzoo", *map(str, _portable(sys.argv[1:]))])
    _atomic.write_text(directory / SETTINGS_FILE, json.dumps(record, indent=2) + "\n")


# -- run and report --------------------------------------------------------------------------


def _search(tuner: ComparisonTuner) -> None:
    with warnings.catch_warnings(), distributed.rpc_errors("compare"):
        # The runner reports each epoch to the oracle (the trial's curves and the
        # worker's sign of life); keras-tuner then warns that run_trial reported
        # metrics itself.
        warnings.filterwarnings("ignore", message="The use case of calling",
                                category=DeprecationWarning)
        tuner.search()


def run(settings: RunSettings, output_dir: str | os.PathLike, *, data: Any = None,
        overwrite: bool = False) -> Comparison:
    """Runs checked settings: opens the folder, trains the trials, writes the report.

    :func:`compare` and :func:`~keras_seqzoo.comparison.tune` call it; see
    :func:`compare` for the arguments' meaning.

    Returns:
        The :class:`Comparison`.
    """
    role = distributed.distributed_role()
    directory = Path(output_dir)
    if role == "worker":
        overwrite = False  # only the chief may delete the project
        distributed.wait_for_chief(CHIEF_TIMEOUT)
    else:
        _check_directory(directory, settings, overwrite)
    if role != "chief":  # the chief serves first (workers give up after CHIEF_TIMEOUT)
        data = data if data is not None else load_run_data(settings)
    tuner = _open_tuner(settings, directory, role, overwrite)
    server = None
    try:
        if role == "chief":
            tuner.save()
            server = distributed.serve_oracle(tuner.oracle, verbose=settings.verbose)
            data = data if data is not None else load_run_data(settings)  # for the record
        if role != "worker":
            _write_settings(settings, directory, data)
            _save_encoding(data, directory)
        objective, direction = settings.objective
        tuner.trainer = TrialTrainer(
            data, epochs=settings.epochs, compile_options=settings.compile_options,
            objective=objective, direction=direction, protocol=settings.protocol,
            patience=settings.patience, class_weight=_class_weight(settings, data),
            arguments=settings.arguments, verbose=settings.verbose,
            metadata={"experiment": settings.experiment, "protocol": settings.protocol,
                      "data": _portable(getattr(data, "info", None))},
        )
        if role == "chief":
            if settings.verbose:
                print(f"compare: serving the oracle at {distributed.chief_address()} for "
                      f"{len(settings.grid)} trials", flush=True)
            distributed.wait_until_done(tuner.oracle)
        else:
            _search(tuner)
    finally:
        if server is not None:
            server.stop(grace=2)
        # Interrupted or not, the table and figures describe exactly what is on disk.
        result = report.write_report(directory, title=settings.title,
                                     reference_seconds=settings.reference_seconds)
    failed = [t for t in report.read_trials(directory) if t.get("status") == "FAILED"]
    if failed:
        messages = "\n".join(f"trial {t['trial_id']} ({report._values(t)}): "
                             f"{(t.get('message') or '').strip().splitlines()[-1:]}"
                             for t in failed)
        raise RuntimeError(f"compare: {len(failed)} trial(s) failed:\n{messages}")
    if settings.verbose:
        print(result.table_markdown)
    return result


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
    data: Any = None,
    data_options: Mapping[str, Any] | None = None,
    protocol: str | None = None,
    patience: int | None = None,
    class_weight: str | Mapping[int, float] | None = None,
    compile_options: Mapping[str, Any] | None = None,
    title: str | None = None,
    experiment: str | None = None,
    reference_seconds: Mapping[str, float] | None = None,
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

    Under the sound protocol (the default) each trial keeps the weights of its
    best epoch on the validation split (``checkpoint.weights.h5``), restores
    them, and evaluates the test split once with them; the table ranks the
    models by validation and gives test mean ± std and a 95 % confidence
    interval over the seeds.

    Args:
        models: builder or preset names (``seqzoo list --presets``).
        seeds: one run per seed and model (weights initialisation and shuffling);
            the table shows mean ± std over the seeds.
        output_dir: the run directory; running again resumes what is there.
        epochs: the most epochs per model (>= 1).
        batch_size: batch size.
        encoding: ``"words"`` or ``"subwords"``; by default what the presets expect.
        vocab_size: word vocabulary size (words encoding).
        max_length: sequence length (truncates subwords when set).
        source: the data: IMDB by default, or a path or name for
            ``keras_seqzoo.datasets.load_data``.
        limit: use a class-balanced subset of this many examples per split.
        data: an already loaded dataset; skips loading.
        data_options: file options for ``load_data`` (``test``, ``validation``,
            ``format``, ``columns``, ``text_column``, ``label_column``,
            ``file_encoding``, ``keep``).
        protocol: ``"sound"`` (default: best epoch on validation, test once) or
            ``"slides"`` (IMDB's test set as validation, no test column); by
            default the loaded data's.
        patience: stop a trial after this many epochs without a better
            validation score (``None``: train every epoch).
        class_weight: ``"balanced"``, ``{class id: weight}``, or ``None``.
        compile_options: passed to :func:`keras_seqzoo.compile_model`.
        title: a title for the figures.
        experiment: the experiment's name, recorded in ``comparison.json``.
        reference_seconds: seconds per epoch measured elsewhere (the slides'),
            drawn beside the measured ones.
        overwrite: delete ``output_dir`` and start over; only an empty folder
            or one that holds a comparison or keras-tuner project is deleted.
            Without it, a directory holding another comparison (other epochs,
            batch size, data, protocol or compile options) or another
            keras-tuner search is refused.
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
            holds another comparison, a folder ``overwrite`` may not delete, or
            a corrupt trial file (named).
        ConnectionError: a worker whose chief oracle does not answer.
        PermissionError: a worker the chief refused (token).

    Example:

    ```python
    import keras_seqzoo as zoo
    result = zoo.compare(["bilstm", "conv1d"], seeds=(0, 1, 2), epochs=3, limit=2000,
                         output_dir="runs/demo")
    print(result.table_markdown)
    ```
    """
    settings = settings_from_call(
        "compare", {**locals(), "seeds": seed if seed is not None else seeds})
    return run(settings, output_dir, data=data, overwrite=overwrite)

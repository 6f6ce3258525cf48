"""``tune``: one keras-tuner search per architecture, then the chosen configurations over seeds.

Each architecture gets the same budget: a ``keras_tuner.RandomSearch`` of
``trials`` trials over its declared search space
(:class:`keras_seqzoo.tuning.HyperModel`), each trial at most ``epochs`` epochs
with the same ``patience``, selected on the validation split. Each
architecture's chosen configuration is then trained over ``seeds`` by the
comparison runner (:func:`~keras_seqzoo.comparison.runner.run`), which gives
the same table as :func:`~keras_seqzoo.comparison.compare`.

In the output folder::

    DIR/search/<model>/   the keras-tuner search of each model (resumed when run again)
    DIR/tuned.json        each model's chosen configuration and its search score
    DIR/trial_*/, DIR/comparison.*   the seeds' comparison, as compare writes it

Running the same call again resumes: finished searches are read back, an
unfinished one continues, and the seeds' trials resume as compare's do. The
seeds' part runs distributed as compare does (keras-tuner's ``KERASTUNER_*``
variables), once the searches are done: run ``tune`` once in one process (or
let it finish), then start the chief and the workers with the same command.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path
from typing import Any, Mapping, Sequence

import keras
import keras_tuner

from keras_seqzoo import _atomic, _registry
from keras_seqzoo._values import to_jsonable
from keras_seqzoo.comparison import distributed
from keras_seqzoo.comparison.report import Comparison
from keras_seqzoo.comparison.runner import (
    RunSettings,
    _class_weight,
    check_overwrite,
    load_run_data,
    run,
    settings_from_arguments,
)

__all__ = ["TUNED_FILE", "tune"]

#: Each model's chosen configuration, in the output folder.
TUNED_FILE = "tuned.json"


def _hypermodel(name: str, settings: RunSettings, data: Any) -> Any:
    from keras_seqzoo import tuning

    entry, _ = _registry.resolve(name)
    fixed: dict[str, Any] = {}
    if "vocab_size" in entry.arguments:
        fixed["vocab_size"] = data.vocab_size
    if "max_length" in entry.arguments:
        fixed["max_length"] = data.max_length
    if getattr(data, "num_classes", None) is not None:
        fixed["num_classes"] = int(data.num_classes)  # the head, the loss and the metrics
    options = dict(settings.compile_options)
    hyper: dict[str, Any] = {"optimizer": options.pop("optimizer", "adam"),
                             "learning_rate": options.pop("learning_rate", None)}
    if "metrics" in options:
        hyper["metrics"] = options.pop("metrics")
    if "loss" in options:
        hyper["loss"] = options.pop("loss")
    return tuning.HyperModel(name, compile_kwargs=options, **hyper, **fixed)


def _search_one(name: str, settings: RunSettings, data: Any, folder: Path,
                trials: int) -> dict[str, Any]:
    """Runs (or resumes) one architecture's search; returns its chosen configuration."""
    from keras_seqzoo import tuning

    objective, direction = settings.objective
    hypermodel = _hypermodel(name, settings, data)
    tuner = keras_tuner.RandomSearch(
        hypermodel, objective=keras_tuner.Objective(objective, direction), max_trials=trials,
        seed=settings.seeds[0], directory=os.fspath(folder), project_name=name,
        overwrite=False,
    )
    callbacks = []
    if settings.patience is not None:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=objective, mode=direction, patience=settings.patience))
    class_weight = _class_weight(settings, data)
    tuner.search(data.train, validation_data=data.validation, epochs=settings.epochs,
                 callbacks=callbacks, class_weight=class_weight,
                 verbose=1 if settings.verbose == 1 else 0)
    best = tuner.oracle.get_best_trials(1)
    if not best:
        raise RuntimeError(f"tune: the search of {name!r} ended without a scored trial; see "
                           f"{os.fspath(folder / name)}.")
    config = tuning.hyperparameters_to_arguments(best[0].hyperparameters, hypermodel)
    return {"arguments": config["arguments"], "search_score": best[0].score,
            "search_trial": best[0].trial_id, "objective": objective, "trials": trials}


def tune(
    models: Sequence[str],
    *,
    trials: int = 10,
    seeds: Sequence[int] | int = (0,),
    output_dir: str | os.PathLike = "runs/tune",
    epochs: int = 10,
    patience: int | None = None,
    batch_size: int = 32,
    encoding: str | None = None,
    vocab_size: int | None = None,
    max_length: int | None = None,
    source: str | os.PathLike | None = None,
    limit: int | None = None,
    data: Any = None,
    data_options: Mapping[str, Any] | None = None,
    protocol: str | None = None,
    class_weight: str | Mapping[int, float] | None = None,
    compile_options: Mapping[str, Any] | None = None,
    title: str | None = None,
    overwrite: bool = False,
    takeover_after: float | None = None,
    verbose: int = 2,
) -> Comparison:
    """Tunes each architecture with an equal budget, then compares the chosen ones over seeds.

    Args:
        models: builder or preset names; each is searched over its declared space
            (``seqzoo describe NAME``), its preset's values as defaults.
        trials: search trials per architecture, the same for all (>= 1).
        seeds: the seeds each chosen configuration is trained with.
        output_dir: the run directory; running again resumes what is there.
        epochs: the most epochs of every search trial and every seed's run.
        patience: early stopping's patience, in the searches and the seeds' runs.
        batch_size: as for :func:`~keras_seqzoo.comparison.compare`.
        encoding: as for :func:`~keras_seqzoo.comparison.compare`.
        vocab_size: as for :func:`~keras_seqzoo.comparison.compare`.
        max_length: as for :func:`~keras_seqzoo.comparison.compare`.
        source: as for :func:`~keras_seqzoo.comparison.compare`.
        limit: as for :func:`~keras_seqzoo.comparison.compare`.
        data: as for :func:`~keras_seqzoo.comparison.compare`.
        data_options: as for :func:`~keras_seqzoo.comparison.compare`.
        protocol: as for :func:`~keras_seqzoo.comparison.compare`.
        class_weight: as for :func:`~keras_seqzoo.comparison.compare`.
        compile_options: as for :func:`~keras_seqzoo.comparison.compare`.
        title: as for :func:`~keras_seqzoo.comparison.compare`.
        takeover_after: as for :func:`~keras_seqzoo.comparison.compare`.
        verbose: as for :func:`~keras_seqzoo.comparison.compare`.
        overwrite: delete ``output_dir`` (only an empty folder or one holding a
            comparison or a keras-tuner project) and start over.

    Returns:
        The :class:`~keras_seqzoo.comparison.Comparison` of the chosen
        configurations: the same table as ``compare``'s. ``tuned.json`` in
        ``output_dir`` holds each model's chosen builder arguments.

    Raises:
        UnknownModelError: a model name is not registered (nothing is trained).
        ValueError: bad settings, or distributed variables set before the
            searches finished.

    Example:

    ```python
    import keras_seqzoo as zoo
    result = zoo.tune(["conv1d", "fasttext"], trials=4, epochs=3, patience=1, seeds=(0, 1),
                      output_dir="runs/tuned")
    print(result.table_markdown)
    ```
    """
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ValueError(f"tune: trials must be an integer >= 1 (search trials per "
                         f"architecture). Received: trials={trials!r}")
    settings = settings_from_arguments(
        models, seeds=seeds, epochs=epochs, batch_size=batch_size, limit=limit,
        encoding=encoding, vocab_size=vocab_size, max_length=max_length, source=source,
        compile_options=compile_options, protocol=protocol, patience=patience,
        class_weight=class_weight, data_options=data_options, data=data,
        title=title or "tuned", experiment=None, reference_seconds=None,
        takeover_after=takeover_after, verbose=verbose, where="tune",
    )
    directory = Path(output_dir)
    role = distributed.distributed_role()
    tuned_path = directory / TUNED_FILE
    tuned: dict[str, Any] = {}
    if role is None and overwrite:
        check_overwrite(directory, where="tune")
    elif tuned_path.exists():
        tuned = json.loads(tuned_path.read_text(encoding="utf-8"))
    missing = [m for m in settings.models
               if m not in tuned or tuned[m].get("trials") != trials]
    if missing and role is not None:
        raise ValueError(
            f"tune: the searches of {', '.join(missing)} are not finished in "
            f"{os.fspath(directory)!r}; the searches run in one process. Run the same command "
            "once without KERASTUNER_ORACLE_IP (it resumes what is there), then start the "
            "chief and the workers to train the seeds."
        )
    if data is None and (missing or role != "chief"):
        data = load_run_data(settings)  # bad data fail here, before anything is written
    if role is None and overwrite and directory.exists():
        shutil.rmtree(directory)
    for name in missing:
        if verbose:
            print(f"tune: searching {name} ({trials} trials, at most {settings.epochs} "
                  "epochs each)", flush=True)
        tuned[name] = to_jsonable(_search_one(name, settings, data, directory / "search",
                                              trials))
        directory.mkdir(parents=True, exist_ok=True)
        _atomic.write_text(tuned_path, json.dumps(tuned, indent=2) + "\n")
    chosen = {m: dict(tuned[m]["arguments"]) for m in settings.models}
    return run(dataclasses.replace(settings, arguments=chosen), directory, data=data)

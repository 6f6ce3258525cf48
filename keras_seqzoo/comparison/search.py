"""``tune``: one keras-tuner search per architecture, then the chosen configurations over seeds.

Each architecture gets the same budget: a random search of ``trials`` trials
over its declared search space (:class:`keras_seqzoo.tuning.HyperModel`; the
oracle is keras-tuner's ``RandomSearchOracle``), each trial at most ``epochs``
epochs with the same ``patience``, selected on the validation split. Each
architecture's chosen configuration is then trained over ``seeds`` by the
comparison runner (:func:`~keras_seqzoo.comparison.runner.run`), which gives
the same table as :func:`~keras_seqzoo.comparison.compare`.

In the output folder::

    DIR/search/<model>/   the keras-tuner search of each model (resumed when run again)
    DIR/tuned.json        each model's chosen configuration and its search score
    DIR/trial_*/, DIR/comparison.*   the seeds' comparison, as compare writes it

**Resume**: running the same call again reads the finished searches back from
``tuned.json``, continues an unfinished one from its keras-tuner project, and
resumes the seeds' trials as compare does.

**Several processes**: the same command with keras-tuner's variables
(``KERASTUNER_TUNER_ID``, ``KERASTUNER_ORACLE_IP``, ``KERASTUNER_ORACLE_PORT``,
and ``KERAS_SEQZOO_ORACLE_TOKEN`` for a shared secret), on keras-tuner's own
distributed engine. The chief serves each architecture's search oracle in
turn (through :func:`~keras_seqzoo.comparison.distributed.serve_oracle`: the
given address only, the token checked), the workers take that search's trials
(keras-tuner's ``OracleClient``), then all go on to the next architecture, and
finally to the seeds' comparison, which runs as compare's does. Each search's
space holds one fixed value, :data:`SEARCH_HP` (the model's name), by which a
worker knows which search the chief serves: it waits while an earlier one is
served, skips one already finished, and hands a trial of a later phase, taken
in the moment the chief moved on, to that phase (keras-tuner gives a worker
its unfinished trial back). Between two phases a worker waits at most
:data:`~keras_seqzoo.comparison.distributed.CHIEF_TIMEOUT` seconds for the
chief, then fails with ``ConnectionError``. The chief records which worker ran
each trial (``oracle.json``'s ``tuners``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

import keras
import keras_tuner

from keras_seqzoo import _atomic, _registry, _stop
from keras_seqzoo._values import to_jsonable
from keras_seqzoo.comparison import distributed
from keras_seqzoo.comparison.report import Comparison
from keras_seqzoo.comparison.trainer import check_trial_id
from keras_seqzoo.comparison.runner import (
    CHIEF_TIMEOUT,
    RunSettings,
    _class_weight,
    check_overwrite,
    load_run_data,
    run,
    settings_from_call,
)

__all__ = ["SEARCH_HP", "TUNED_FILE", "tune"]

#: Each model's chosen configuration, in the output folder.
TUNED_FILE = "tuned.json"
#: The fixed hyperparameter in each search's space that names the model searched.
SEARCH_HP = "seqzoo_search"


def data_arguments(name: str, data: Any) -> dict[str, Any]:
    """The builder arguments the data fix: its vocabulary and length (where the builder
    takes them), its number of classes (the head, the loss and the metrics), and its
    padding: the pipelines pad with id 0 after the text, so a builder that takes
    ``mask_zero`` gets ``mask_zero=True`` (its recurrence, attention or pooling
    skips the padding). Without it a unidirectional LSTM ends its reading on
    the padding and can stay at chance (the C6 page's table "Unmasked → masked
    padding")."""
    entry, _ = _registry.resolve(name)
    fixed: dict[str, Any] = {}
    if "vocab_size" in entry.arguments:
        fixed["vocab_size"] = data.vocab_size
    if "max_length" in entry.arguments:
        fixed["max_length"] = data.max_length
    if getattr(data, "num_classes", None) is not None:
        fixed["num_classes"] = int(data.num_classes)
    if "mask_zero" in entry.arguments:
        fixed["mask_zero"] = True
    return fixed


def _recorded_arguments(name: str, tuned: Mapping[str, Any], searches: Path
                        ) -> list[dict[str, Any]]:
    """The builder arguments a model's search was made with: its choice in
    ``tuned.json``, else those of its unfinished search's trials."""
    from keras_seqzoo.callbacks import read_run

    if name in tuned:
        return [dict(tuned[name].get("arguments") or {})]
    recorded = []
    for run_file in sorted((searches / name).glob("trial_*/run.json")):
        with contextlib.suppress(OSError, ValueError):
            recorded.append(dict((read_run(run_file.parent).get("model") or {})
                                 .get("arguments") or {}))
    return recorded


def _stale_searches(tuned: Mapping[str, Any], models: Sequence[str], data: Any,
                    redo: Sequence[str], searches: Path) -> dict[str, list[str]]:
    """Model -> the data-fixed arguments its recorded search disagrees with, e.g.
    ``["mask_zero=False (now True)"]`` for a search made before padding was masked."""
    stale: dict[str, list[str]] = {}
    for name in models:
        if name in redo:
            continue
        fixed = data_arguments(name, data)
        changed = sorted({f"{k}={recorded[k]!r} (now {v!r})"
                          for recorded in _recorded_arguments(name, tuned, searches)
                          for k, v in fixed.items() if k in recorded and recorded[k] != v})
        if changed:
            stale[name] = changed
    return stale


def _check_redo(redo: Sequence[str] | str | None, models: Sequence[str]) -> list[str]:
    if redo is None:
        return []
    names = [redo] if isinstance(redo, str) else list(redo)
    unknown = [n for n in names if n not in models]
    if unknown:
        from keras_seqzoo._values import did_you_mean

        hint = did_you_mean(str(unknown[0]), models)
        raise ValueError(f"tune: redo names {unknown!r}, which this call does not tune."
                         f"{hint} Choose among: {', '.join(models)}.")
    return list(dict.fromkeys(names))


def _forget(directory: Path, names: Sequence[str], verbose: int) -> None:
    """Deletes what ``names`` have in a tune folder: their searches and seeds' trials."""
    from keras_seqzoo.comparison import report

    for name in names:
        if (directory / "search" / name).exists():
            shutil.rmtree(directory / "search" / name)
    trials = report.read_trials(directory) if directory.exists() else []
    gone = [t for t in trials if str(report._values(t).get(report.ARCHITECTURE)) in names]
    for trial in gone:
        shutil.rmtree(trial["folder"])
    if verbose:
        counted = "1 seed's trial" if len(gone) == 1 else f"{len(gone)} seeds' trials"
        print(f"tune: redo {', '.join(names)}: their searches and {counted} deleted; "
              "they run again", flush=True)


def _hypermodel(name: str, settings: RunSettings, data: Any) -> Any:
    from keras_seqzoo import tuning

    fixed = data_arguments(name, data)
    options = dict(settings.compile_options)
    hyper: dict[str, Any] = {"optimizer": options.pop("optimizer", "adam"),
                             "learning_rate": options.pop("learning_rate", None)}
    if "metrics" in options:
        hyper["metrics"] = options.pop("metrics")
    if "loss" in options:
        hyper["loss"] = options.pop("loss")
    return tuning.HyperModel(name, compile_kwargs=options, **hyper, **fixed)


class _SearchOracle(keras_tuner.oracles.RandomSearchOracle):
    """keras-tuner's random search, plus what the chief needs to serve it in turn.

    ``done()`` and ``silent_since()`` for
    :func:`~keras_seqzoo.comparison.distributed.wait_until_done`, and
    ``tuners`` (trial id -> the tuner id that took it, saved in ``oracle.json``).
    """

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.tuners: dict[str, str] = {}
        self.contact: dict[str, float] = {}
        self.stopped = False

    @keras_tuner.synchronized
    def create_trial(self, tuner_id: str) -> Any:
        self.contact[tuner_id] = time.monotonic()
        trial = super().create_trial(tuner_id)
        if trial.status == "RUNNING":
            self.tuners[trial.trial_id] = tuner_id
        elif trial.status == "STOPPED":
            self.stopped = True  # every trial handed out, or the space exhausted
        return trial

    def end_trial(self, trial: Any) -> None:
        # A worker's last words before it asks again: a worker holding no trial and
        # silent since is let go by wait_until_done (it died between two trials).
        now = time.monotonic()
        self.contact.update({t: now for t, held in self.ongoing_trials.items()
                             if held.trial_id == trial.trial_id})
        return super().end_trial(trial)

    def done(self) -> bool:
        """Whether no trial runs or waits for a retry and no new one will be made."""
        finished = self.stopped or len(self.trials) >= self.max_trials
        return finished and not self.ongoing_trials and not self.get_state()["retry_queue"]

    def silent_since(self, tuner_id: str, now: float) -> float:
        """Seconds since ``tuner_id`` last talked to this oracle (0 when never)."""
        return now - self.contact.get(tuner_id, now)

    def get_state(self) -> dict[str, Any]:
        return {**super().get_state(), "tuners": dict(self.tuners)}

    def set_state(self, state: Mapping[str, Any]) -> None:
        super().set_state(state)
        self.tuners = dict(state.get("tuners", {}))


class _OtherPhase(Exception):
    """A worker was handed a trial of another phase: the chief moved on."""


class _SearchTuner(keras_tuner.Tuner):
    """keras-tuner's ``Tuner`` that, on a worker, runs only its own search's trials."""

    def __init__(self, name: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.search_name = name

    def get_trial_dir(self, trial_id: str) -> str:
        return super().get_trial_dir(check_trial_id(trial_id))  # it may come from a chief

    def on_trial_begin(self, trial: Any) -> None:
        _stop.check()
        if (distributed.distributed_role() == "worker"
                and trial.hyperparameters.values.get(SEARCH_HP) != self.search_name):
            raise _OtherPhase()
        super().on_trial_begin(trial)


def _open_search(name: str, settings: RunSettings, data: Any, folder: Path, trials: int,
                 role: str | None) -> _SearchTuner:
    """One architecture's search: a new keras-tuner project, or the one in ``folder``."""
    objective, direction = settings.objective
    tuner_id = os.environ.get("KERASTUNER_TUNER_ID", "tuner0")
    tuner_file_existed = (folder / name / f"{tuner_id}.json").exists()
    # keras-tuner draws a random seed for seed=0 ("seed or random.randint(1, 10000)"):
    # seeds[0] + 1 makes every search seeded, so the same call proposes the same trials.
    oracle = _SearchOracle(objective=keras_tuner.Objective(objective, direction),
                           max_trials=trials, seed=settings.seeds[0] + 1)
    tuner = _SearchTuner(name, oracle=oracle, hypermodel=_hypermodel(name, settings, data),
                         directory=os.fspath(folder), project_name=name, overwrite=False)
    if role == "worker":
        distributed.attach_token(tuner.oracle, timeout=CHIEF_TIMEOUT)
        return tuner
    if not tuner_file_existed and (folder / name / "oracle.json").exists():
        tuner.oracle.reload()  # written under another tuner id (one process, or a chief)
    marker = keras_tuner.HyperParameters()
    marker.Fixed(SEARCH_HP, name)
    tuner.oracle.update_space(marker)
    return tuner


def _fit_options(settings: RunSettings, data: Any, project: Path) -> dict[str, Any]:
    """``search()``'s arguments; every trial is timed and its history kept in its own
    ``project/trial_<id>/`` (what ``results.trials_table`` and the C6 leaderboards read)."""
    from keras_seqzoo.callbacks import EpochTimer, HistoryExporter

    objective, direction = settings.objective
    callbacks: list[keras.callbacks.Callback] = [
        EpochTimer(verbose=0), HistoryExporter(project, overwrite=True), _stop.StopWhenAsked()]
    if settings.patience is not None:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=objective, mode=direction, patience=settings.patience))
    options: dict[str, Any] = {
        "validation_data": data.validation, "epochs": settings.epochs, "callbacks": callbacks,
        "class_weight": _class_weight(settings, data),
        "verbose": 1 if settings.verbose == 1 else 0}
    from keras_seqzoo.tuning import is_tf_dataset

    if is_tf_dataset(data.train):
        # A tf.data pipeline reshuffles itself (``load_data``'s does, every epoch); Keras
        # ignores ``shuffle`` for it, and with its default ``True`` would only warn.
        options["shuffle"] = False
    return options


def _serve(tuner: _SearchTuner, settings: RunSettings, trials: int) -> None:
    """The chief: serves one search's oracle until its trials ended and its workers left."""
    tuner.oracle.verbose = 0
    tuner.save()
    server = distributed.serve_oracle(tuner.oracle, verbose=settings.verbose)
    try:
        if settings.verbose:
            print(f"tune: serving the search of {tuner.search_name} at "
                  f"{distributed.chief_address()} ({trials} trials)", flush=True)
        distributed.wait_until_done(tuner.oracle)
    finally:
        server.stop(grace=2)


def _served(client: Any, name: str | None, order: list[str]) -> bool:
    """A worker waits for its turn: whether the chief serves ``name``'s search.

    ``False`` when the chief is past it (the search is finished). ``name=None``
    waits for the seeds' comparison (whose space has no :data:`SEARCH_HP`).
    """
    import grpc

    switching_since = None
    while True:
        try:
            served = client.get_space().values.get(SEARCH_HP)
        except grpc.RpcError as error:
            # CANCELLED: the call reached a server the chief was stopping, as it moves
            # from one search to the next; ask again (the next server is moments away).
            if error.code() != grpc.StatusCode.CANCELLED:  # type: ignore[attr-defined]
                raise
            switching_since = switching_since or time.monotonic()
            if time.monotonic() - switching_since > CHIEF_TIMEOUT:
                raise
            time.sleep(0.5)
            continue
        switching_since = None
        if served is not None and served not in order:
            raise ValueError(
                f"tune: the chief serves the search of {served!r}, which is not among this "
                f"worker's models {order}. Start every process with the same command.")
        if served == name:
            return True
        if name is not None and (served is None or order.index(served) > order.index(name)):
            return False
        time.sleep(0.5)  # an earlier search is still being served


def _work(settings: RunSettings, data: Any, folder: Path, trials: int,
          missing: list[str]) -> None:
    """A worker: takes the trials of every search the chief serves, until the seeds' part."""
    order = list(settings.models)
    distributed.wait_for_chief(CHIEF_TIMEOUT, where="tune")
    client = None
    with distributed.rpc_errors("tune", CHIEF_TIMEOUT):
        for name in order:
            if name not in missing and client is not None:
                continue
            tuner = _open_search(name, settings, data, folder, trials, "worker")
            client = tuner.oracle
            if name not in missing or not _served(client, name, order):
                continue
            if settings.verbose:
                print(f"tune: taking trials of the search of {name}", flush=True)
            try:
                tuner.search(data.train, **_fit_options(settings, data, folder / name))
            except _OtherPhase:
                continue  # the trial stays this worker's: its phase gives it back
        _served(client, None, order)


def _chosen(tuner: _SearchTuner, trials: int, objective: str) -> dict[str, Any]:
    from keras_seqzoo import tuning

    best = tuner.oracle.get_best_trials(1)
    if not best:
        raise RuntimeError(f"tune: the search of {tuner.search_name!r} ended without a scored "
                           f"trial; see {tuner.project_dir}.")
    config = tuning.hyperparameters_to_arguments(best[0].hyperparameters, tuner.hypermodel)
    return to_jsonable({"arguments": config["arguments"], "search_score": best[0].score,
                        "search_trial": best[0].trial_id, "objective": objective,
                        "trials": trials})


def _read_tuned(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


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
    redo: Sequence[str] | None = None,
    verbose: int = 2,
) -> Comparison:
    """Tunes each architecture with an equal budget, then compares the chosen ones over seeds.

    Args:
        models: builder or preset names; each is searched over its declared space
            (``seqzoo describe NAME``), its preset's values as defaults.
        trials: search trials per architecture, the same for all (>= 1).
        seeds: the seeds each chosen configuration is trained with; the random
            searches are seeded with ``seeds[0] + 1``, so the same call proposes the
            same configurations.
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
        redo: models to search and train again in a resumed folder: their
            searches (``search/<model>/``), their ``tuned.json`` entries and their
            seeds' trials are deleted first; the other models' are kept. Needed when
            a model's recorded search used other data-fixed arguments than the data
            now give (e.g. a search made before ``mask_zero=True`` was fixed). Pass it
            once: a later call with the same ``redo`` deletes them again, with the
            progress made since.

    **Resume and several processes**: the same call again resumes (finished
    searches from ``tuned.json``, an unfinished one from its keras-tuner
    project). With keras-tuner's variables set, every process runs the same
    call: the chief (``KERASTUNER_TUNER_ID=chief``) serves each model's search
    in turn, then the seeds' comparison; the workers train the trials (see the
    module docstring and the scaling guide)::

        KERASTUNER_TUNER_ID=chief KERASTUNER_ORACLE_IP=127.0.0.1 \\
            KERASTUNER_ORACLE_PORT=8000 seqzoo tune conv1d bilstm --trials 8 -o runs/t &
        KERASTUNER_TUNER_ID=worker0 KERASTUNER_ORACLE_IP=127.0.0.1 \\
            KERASTUNER_ORACLE_PORT=8000 seqzoo tune conv1d bilstm --trials 8 -o runs/t

    Set ``KERAS_SEQZOO_ORACLE_TOKEN`` to the same secret in every process when
    the chief's port can be reached by others.

    Returns:
        The :class:`~keras_seqzoo.comparison.Comparison` of the chosen
        configurations: the same table as ``compare``'s. ``tuned.json`` in
        ``output_dir`` holds each model's chosen builder arguments.

    Raises:
        UnknownModelError: a model name is not registered (nothing is trained).
        ValueError: bad settings, or a folder holding a search made with other
            data-fixed arguments (named, with the ``redo`` that searches it again).
        ConnectionError: a worker whose chief oracle does not answer within
            ``CHIEF_TIMEOUT`` seconds (at the start, or between two searches).
        PermissionError: a worker the chief refused (token).

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
    settings = settings_from_call("tune", locals(), title=title or "tuned", experiment=None,
                                  reference_seconds=None)
    directory = Path(output_dir)
    role = distributed.distributed_role()
    tuned_path = directory / TUNED_FILE
    if role is None and overwrite:
        check_overwrite(directory, where="tune")
    redo = _check_redo(redo, settings.models)
    tuned = {} if role is None and overwrite else _read_tuned(tuned_path)
    if data is None:
        data = load_run_data(settings)  # bad data fail here, before anything is written
    stale = ({} if role is None and overwrite
             else _stale_searches(tuned, settings.models, data, redo, directory / "search"))
    if stale:
        found = "; ".join(f"{m}: {', '.join(v)}" for m, v in stale.items())
        raise ValueError(
            f"tune: {os.fspath(directory)!r} holds searches made with other fixed arguments "
            f"than these data give ({found}); their chosen configurations were not the ones "
            f"searched. Search them again with redo={list(stale)!r} (--redo "
            f"{' '.join(stale)}): their searches and seeds' trials are deleted and run "
            "again, the other models' are kept. Or choose another output directory. "
            "Nothing was changed.")
    missing = [m for m in settings.models
               if m in redo or m not in tuned or tuned[m].get("trials") != trials]
    if role is None and overwrite and directory.exists():
        shutil.rmtree(directory)
    elif role != "worker" and redo:
        _forget(directory, redo, verbose)
        tuned = {k: v for k, v in tuned.items() if k not in redo}
        if directory.exists():
            _atomic.write_text(tuned_path, json.dumps(tuned, indent=2) + "\n")
    searches = directory / "search"
    if role == "worker":
        _work(settings, data, searches, trials, missing)
        tuned = _read_tuned(tuned_path)  # the chief wrote every search's choice
    for name in missing if role != "worker" else ():
        tuner = _open_search(name, settings, data, searches, trials, role)
        if role == "chief":
            _serve(tuner, settings, trials)
        else:
            if verbose:
                print(f"tune: searching {name} ({trials} trials, at most {settings.epochs} "
                      "epochs each)", flush=True)
            tuner.search(data.train, **_fit_options(settings, data, searches / name))
        tuned[name] = _chosen(tuner, trials, settings.objective[0])
        directory.mkdir(parents=True, exist_ok=True)
        _atomic.write_text(tuned_path, json.dumps(tuned, indent=2) + "\n")
    chosen = {m: dict(tuned[m]["arguments"]) for m in settings.models}
    return run(dataclasses.replace(settings, arguments=chosen), directory, data=data)

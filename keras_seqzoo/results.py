"""Every trial of a keras-tuner search as a table, and a picture of the search.

Works on any keras-tuner project, from a live tuner or from its directory on
disk after the process ended: comparisons written by
:func:`keras_seqzoo.compare`, searches with :class:`keras_seqzoo.tuning.HyperModel`,
and searches with your own ``keras_tuner.HyperModel`` (``RandomSearch``,
``Hyperband``, ``BayesianOptimization``, ``GridSearch``).

What it reads, per ``trial_*/`` folder:

- ``trial.json`` (keras-tuner): id, status, hyperparameters, score, best step
  and the metrics keras-tuner kept (a stock tuner keeps only each metric's
  best value; the comparison runner reports every epoch);
- ``history.jsonl`` and ``run.json`` when a
  :class:`~keras_seqzoo.callbacks.HistoryExporter` wrote them in the trial's
  folder (or in a subfolder of it): every epoch, the parameter count and,
  with an :class:`~keras_seqzoo.callbacks.EpochTimer`, the seconds per epoch;
- ``checkpoint.weights.h5`` (keras-tuner's best epoch) for the parameter
  count when there is no ``run.json``.

Example:

```python
import keras_tuner
from keras_seqzoo import results

tuner = keras_tuner.RandomSearch(build_model, objective="val_accuracy", max_trials=5,
                                 directory="runs", project_name="search")
tuner.search(x, y, validation_split=0.2, epochs=3)
table = results.trials_table("runs/search")        # or trials_table(tuner)
print(table.sort_values("objective", ascending=False).head())
results.plot_trials("runs/search", "runs/search/trials.png")
```
"""

from __future__ import annotations

import copy
import json
import math
import os
from pathlib import Path
from typing import Any

from keras_seqzoo._values import is_finite

__all__ = ["format_table", "plot_trials", "trials_table"]


def _pandas():
    from keras_seqzoo._extras import require

    return require("tuner", "pandas")


def _source(tuner_or_directory) -> tuple[Path, str | None, str | None]:
    """(project directory, objective name, direction) of a tuner or a directory."""
    if isinstance(tuner_or_directory, (str, os.PathLike)):
        directory = Path(tuner_or_directory)
        if not directory.is_dir():
            raise FileNotFoundError(
                f"trials_table: {os.fspath(directory)!r} is not a directory. Pass a keras-tuner "
                "project directory (DIRECTORY/PROJECT_NAME of the tuner) or the tuner itself."
            )
        return _project(directory), None, None
    project_dir = getattr(tuner_or_directory, "project_dir", None)
    oracle = getattr(tuner_or_directory, "oracle", None)
    if project_dir is None or oracle is None:
        raise TypeError(
            "trials_table: expected a keras_tuner tuner or a project directory. "
            f"Received: {type(tuner_or_directory).__name__}"
        )
    objective = getattr(oracle, "objective", None)
    name = getattr(objective, "name", None)
    direction = getattr(objective, "direction", None)
    return Path(project_dir), name, direction


def _project(directory: Path) -> Path:
    """The keras-tuner project: ``directory``, or the one project one level down.

    keras-tuner writes ``DIRECTORY/PROJECT_NAME/trial_*``; given ``DIRECTORY``,
    its only project is read, and several are named.
    """
    if _trial_files(directory) or (directory / "oracle.json").exists():
        return directory
    below = sorted(p.parent for p in directory.glob("*/oracle.json"))
    below += sorted({p.parent.parent for p in directory.glob("*/trial_*/trial.json")}
                    - set(below))
    if len(below) == 1:
        return below[0]
    if len(below) > 1:
        names = ", ".join(os.fspath(p) for p in below)
        raise ValueError(
            f"trials_table: {os.fspath(directory)!r} holds no trials itself but "
            f"{len(below)} keras-tuner projects one level down: {names}. Pass one of them."
        )
    return directory


def _trial_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("trial_*/trial.json"))


def _load_trial(path: Path, caller: str = "trials_table") -> dict[str, Any]:
    """Reads one keras-tuner ``trial.json``; a corrupt one is named with the way out."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        if not isinstance(data, dict) or "trial_id" not in data:
            raise ValueError("not a keras-tuner trial (no 'trial_id')")
        _trial(data)  # keras-tuner reads it back
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(
            f"{caller}: the trial file {path.parent.name}/{path.name} in "
            f"{os.fspath(path.parent.parent)!r} is corrupt ({error}). Nothing was changed. "
            f"Restore it, or delete its folder {path.parent.name}/ (a comparison then trains "
            "that trial again); the other trials are kept."
        ) from None
    return data


def _history_folder(folder: Path) -> Path | None:
    """The trial's HistoryExporter folder: the trial folder or one below it."""
    if (folder / "history.jsonl").exists():
        return folder
    found = sorted(p.parent for p in folder.glob("*/history.jsonl"))
    found += sorted(p.parent for p in folder.glob("*/*/history.jsonl"))
    from keras_seqzoo.comparison.report import EARLIER_ATTEMPT

    # A comparison trial trained again keeps its lost attempt below: not its history.
    found = [p for p in found if not p.relative_to(folder).parts[0].startswith(EARLIER_ATTEMPT)]
    return found[0] if found else None


def _trial(state: dict[str, Any]) -> Any:
    """keras-tuner's own ``Trial`` of a ``trial.json`` (its ``metrics`` is a ``MetricsTracker``)."""
    from keras_tuner.engine.trial import Trial

    # keras-tuner's from_config replaces the conditions' dicts in the state it is given:
    # it reads a copy, so the same trial.json can be read again.
    return Trial.from_state(copy.deepcopy(state))


def _observed(trial: dict[str, Any]) -> dict[str, list[tuple[int, float]]]:
    """metric -> [(step, value)] from trial.json (each observation's mean value)."""
    tracker = _trial(trial).metrics
    curves: dict[str, list[tuple[int, float]]] = {}
    for name in tracker.metrics:
        points = []
        for observation in tracker.get_history(name):
            values = [v for v in observation.value if is_finite(v)]
            if values:
                points.append((int(observation.step), sum(values) / len(values)))
        if points:
            curves[name] = sorted(points)
    return curves


def _direction(name: str, trial: dict[str, Any]) -> str:
    tracker = _trial(trial).metrics
    if tracker.exists(name) and tracker.metrics[name].direction in ("min", "max"):
        return str(tracker.metrics[name].direction)
    return "max" if any(k in name for k in ("acc", "auc", "precision", "recall", "f1")) else "min"


def _guess_objective(trials: list[dict[str, Any]]) -> tuple[str | None, str | None]:
    """The metric whose value at ``best_step`` is the trial's score (validation first)."""
    for trial in trials:
        score, step = trial.get("score"), trial.get("best_step")
        if not is_finite(score):
            continue
        names = sorted(_observed(trial), key=lambda n: (not n.startswith("val_"), n))
        for name in names:
            if any(s == step and math.isclose(v, float(score or 0.0), rel_tol=1e-6, abs_tol=1e-9)
                   for s, v in _observed(trial)[name]):
                return name, _direction(name, trial)
    return None, None


def _weights_params(folder: Path) -> int | None:
    files = sorted(folder.glob("*.weights.h5"))
    if not files:
        return None
    try:
        import h5py
    except ImportError:  # pragma: no cover - Keras installs h5py
        return None
    total = 0

    def visit(name, item):  # the model's variables; the optimizer's are saved too
        nonlocal total
        if isinstance(item, h5py.Dataset) and not name.startswith("optimizer"):
            total += int(item.size)

    try:
        with h5py.File(files[0], "r") as handle:
            handle.visititems(visit)
    except OSError:
        return None
    return total or None


def _row(trial: dict[str, Any], folder: Path, objective: str | None,
         direction: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from keras_seqzoo.callbacks import read_history, read_run
    from keras_seqzoo.callbacks.epoch_timer import TIMER_KEYS, steady_seconds

    values = dict((trial.get("hyperparameters") or {}).get("values") or {})
    row: dict[str, Any] = {"trial_id": str(trial["trial_id"]), "status": trial.get("status")}
    row.update(values)
    row["objective"] = trial.get("score") if is_finite(trial.get("score")) else math.nan
    best_step = trial.get("best_step")
    row["best_epoch"] = best_step if isinstance(best_step, int) else math.nan

    history_folder = _history_folder(folder)
    records: list[dict[str, Any]] = []
    run: dict[str, Any] = {}
    if history_folder is not None:
        records = read_history(history_folder)
        try:
            run = read_run(history_folder)
        except (OSError, ValueError):
            run = {}
    if records:
        curves = {
            key: [(r["epoch"], float(r[key])) for r in records if is_finite(r.get(key))]
            for key in dict.fromkeys(k for r in records for k in r)
            if key not in TIMER_KEYS and key != "epoch"
        }
        curves = {k: v for k, v in curves.items() if v}
        complete = True
    else:
        curves = _observed(trial)
        complete = any(len(points) > 1 for points in curves.values())
    if objective and objective in curves and not is_finite(row["objective"]):
        pick = max if direction == "max" else min
        row["objective"], row["best_epoch"] = (lambda p: (p[1], p[0]))(
            pick(curves[objective], key=lambda p: p[1]))
    for name, points in sorted(curves.items()):
        pick = max if _direction(name, trial) == "max" else min
        row[f"best_{name}"] = pick(v for _, v in points)
        row[f"final_{name}"] = points[-1][1] if complete else math.nan
    at_best = dict(_curves_at(curves, row["best_epoch"]))
    for name in sorted(curves):
        if name.startswith("val_"):  # the validation split at the best epoch
            row[name] = at_best.get(name, math.nan)
    for name, value in sorted(((run.get("test") or {}) if run else {}).items()):
        row[f"test_{name}"] = value if is_finite(value) else math.nan
    params = (run.get("model") or {}).get("params") if run else None
    row["params"] = params if isinstance(params, int) else (_weights_params(folder) or math.nan)
    fit_starts = {fit.get("first_epoch") for fit in run.get("fits") or []}
    seconds, _ = steady_seconds(records, fit_starts) if records else (None, False)
    row["seconds_per_epoch"] = seconds if seconds is not None else math.nan
    row["epochs"] = len(records) if records else (
        max((len(p) for p in curves.values()), default=0) if complete else math.nan)
    curve = [{"epoch": e, "value": v} for e, v in curves.get(objective or "", [])]
    return row, curve


def _curves_at(curves: dict[str, list[tuple[int, float]]], epoch: Any) -> list[tuple[str, float]]:
    """Each curve's value at ``epoch`` (those that have one)."""
    if not is_finite(epoch):
        return []
    return [(name, v) for name, points in curves.items() for e, v in points if e == epoch]


def trials_table(tuner_or_directory, *, objective: str | None = None):
    """Every trial of a keras-tuner search as a pandas DataFrame, one row per trial.

    Args:
        tuner_or_directory: a keras-tuner tuner (live), or its project
            directory (``directory/project_name``), also after the process ended;
            given ``directory`` with one project below it, that project is read.
        objective: the objective's metric name, when it cannot be read from a
            live tuner or guessed from the trials (the metric whose value at the
            trial's best step is its score).

    Returns:
        A DataFrame sorted by trial id with columns ``trial_id``, ``status``,
        one column per hyperparameter (``NaN`` where a trial did not use it),
        ``objective`` (the trial's score), ``best_epoch``, ``best_<metric>`` and
        ``final_<metric>`` for each metric (``final_`` is ``NaN`` when only the
        best value was kept: a stock tuner without a history file),
        ``val_<metric>`` for each validation metric at the best epoch,
        ``test_<metric>`` for each test metric a comparison's sound protocol
        recorded (the best epoch's weights, evaluated once), ``params``,
        ``seconds_per_epoch`` (steady state, from an EpochTimer's records) and
        ``epochs``. ``table.attrs`` holds ``"objective"`` and ``"direction"``.

    Raises:
        FileNotFoundError: not a directory.
        ValueError: a corrupt trial file, named; or several projects one level
            down, named.

    Example:

    ```python
    from keras_seqzoo.results import trials_table
    table = trials_table("runs/c4")
    print(table[["architecture", "seed", "objective", "seconds_per_epoch"]])
    ```
    """
    pandas = _pandas()
    directory, name, direction = _source(tuner_or_directory)
    trials = [(_load_trial(path), path.parent) for path in _trial_files(directory)]
    if objective is not None:
        name = objective
        direction = _direction(objective, trials[0][0]) if trials else None
    if name is None:
        name, direction = _guess_objective([t for t, _ in trials])
    rows, curves = [], {}
    for trial, folder in trials:
        row, curve = _row(trial, folder, name, direction)
        rows.append(row)
        curves[row["trial_id"]] = curve
    table = pandas.DataFrame(rows)
    if not rows:
        table = pandas.DataFrame(columns=["trial_id", "status", "objective", "best_epoch",
                                          "params", "seconds_per_epoch", "epochs"])
    table = table.sort_values("trial_id", kind="stable").reset_index(drop=True)
    table.attrs.update({"objective": name, "direction": direction, "curves": curves})
    return table


def format_table(table) -> str:
    """The table as aligned text (what ``seqzoo results`` prints)."""
    if table.empty:
        return "(no trials)"
    return table.to_string(index=False, float_format=lambda v: f"{v:.4g}", na_rep="")


def _pareto(points: list[tuple[float, float, str]], maximize: bool) -> list[tuple]:
    """The points no other point beats in both: less time and a better objective."""
    front, best = [], None
    for seconds, value, label in sorted(points, key=lambda p: (p[0], -p[1] if maximize else p[1])):
        if best is None or (value > best if maximize else value < best):
            front.append((seconds, value, label))
            best = value
    return front


def _label(row) -> str:
    parts = [str(row["trial_id"])]
    for key in ("architecture", "seed"):
        if key in row and isinstance(row[key], (str, int)) and not isinstance(row[key], bool):
            parts.append(str(row[key]) if key == "architecture" else f"seed {row[key]}")
    return " ".join(parts)


def plot_trials(tuner_or_directory, path: str | os.PathLike, *, top: int = 5,
                objective: str | None = None) -> Path:
    """Draws a picture of a search: the trials' objective against seconds per epoch.

    Left: every trial with an objective, against its steady-state seconds per
    epoch (against its trial number when no EpochTimer ran), the Pareto front
    (no other trial is both faster and better) joined and marked. Right: the
    objective per epoch of the ``top`` best trials.

    Args:
        tuner_or_directory: as for :func:`trials_table`.
        path: the PNG file to write (parent folders are created); a directory
            means ``path/trials.png``.
        top: how many of the best trials' curves to draw.
        objective: as for :func:`trials_table`.

    Returns:
        The PNG's path.

    Example:

    ```python
    from keras_seqzoo.results import plot_trials
    plot_trials("runs/c4", "runs/c4/trials.png")
    ```
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "plot_trials needs matplotlib: pip install 'keras-seqzoo[plots]' "
            "(or pip install matplotlib)."
        ) from None
    table = trials_table(tuner_or_directory, objective=objective)
    path = Path(path)
    if path.is_dir() or not path.suffix:
        path = path / "trials.png"
    name = table.attrs.get("objective") or "objective"
    maximize = table.attrs.get("direction") == "max"
    scored = table[table["objective"].notna()] if not table.empty else table
    timed = scored[scored["seconds_per_epoch"].notna()] if not scored.empty else scored
    use_time = not timed.empty

    figure = Figure(figsize=(11, 4.2), layout="constrained")
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2)
    points = [(float(r["seconds_per_epoch"]) if use_time else float(i), float(r["objective"]),
               _label(r)) for i, (_, r) in enumerate((timed if use_time else scored).iterrows())]
    if points:
        left.scatter([p[0] for p in points], [p[1] for p in points], color="tab:gray",
                     label="trials", zorder=2)
        front = _pareto(points, maximize) if use_time else []
        if front:
            left.plot([p[0] for p in front], [p[1] for p in front], "o-", color="tab:red",
                      label="Pareto front", zorder=3)
            for seconds, value, label in front:
                left.annotate(label, (seconds, value), textcoords="offset points",
                              xytext=(4, 4), fontsize=7)
        left.legend(fontsize=8)
    else:
        left.text(0.5, 0.5, "no trial with an objective yet", ha="center", va="center",
                  transform=left.transAxes)
    left.set_xlabel("seconds per epoch (steady state)" if use_time else "trial (no EpochTimer)")
    left.set_ylabel(name)
    left.set_title("Objective against time per epoch" if use_time else "Objective per trial")
    left.grid(alpha=0.3)

    ranked = scored.sort_values("objective", ascending=not maximize).head(top) \
        if not scored.empty else scored
    curves = table.attrs.get("curves") or {}
    drawn = 0
    for _, row in ranked.iterrows():
        curve = curves.get(row["trial_id"]) or []
        if len(curve) > 1:
            right.plot([c["epoch"] for c in curve], [c["value"] for c in curve], marker=".",
                       label=_label(row))
            drawn += 1
    if drawn:
        right.legend(fontsize=8)
    else:
        right.text(0.5, 0.5, "no per-epoch curves recorded\n(keras-tuner keeps only the best "
                   "value;\nadd a HistoryExporter per trial)", ha="center", va="center",
                   transform=right.transAxes, fontsize=9)
    right.set_xlabel("epoch")
    right.set_ylabel(name)
    right.set_title(f"Best {min(top, len(ranked))} trials")
    right.grid(alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    from keras_seqzoo import _atomic

    with _atomic.replacing(path) as tmp:
        figure.savefig(tmp, format="png", dpi=110)
    return path

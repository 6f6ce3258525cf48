"""The comparison report: one row per model (mean ± std over seeds), tables, figures.

Everything here reads only the files in a comparison directory (the keras-tuner
project that :func:`~keras_seqzoo.comparison.compare` writes), so a report can
be rebuilt at any time, by any process, after the run ended::

    DIR/
      comparison.json     what was run (settings) and the table's rows
      comparison.md       the table, readable
      comparison.csv      the table, for tools
      curves.png          accuracy and loss per epoch (the spread over seeds as a band)
      epoch_times.png     steady-state seconds per epoch
      accuracy_vs_seconds.png  best validation accuracy against seconds per epoch
      oracle.json, *.json keras-tuner's own state (the oracle, each tuner)
      trial_N/            one keras-tuner trial per (model, seed): trial.json,
                          history.jsonl/.csv/.json and run.json (HistoryExporter),
                          backup/ while the trial is unfinished (BackupAndRestore)

Steady state is the median ``epoch_time`` of the epochs whose ``warmup`` flag
(set by :class:`~keras_seqzoo.callbacks.EpochTimer`) is false; records written
before the flag existed fall back to "the first epoch of each fit is warm-up".
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import statistics
from pathlib import Path
from typing import Any, Mapping, Sequence

from keras_seqzoo import _atomic
from keras_seqzoo._values import is_finite
from keras_seqzoo.callbacks.epoch_timer import steady_seconds

__all__ = [
    "Comparison",
    "accuracy_and_seconds",
    "ci95",
    "model_runs",
    "read_trials",
    "steady_seconds",
    "summarize",
    "table_markdown",
    "write_report",
]

TRIAL_FILE = "trial.json"
#: The subfolders (``earlier_attempt_1``, ...) that keep the attempts of a trial whose
#: weights were lost (no backup to resume from) when it trained again.
EARLIER_ATTEMPT = "earlier_attempt_"
SETTINGS_FILE = "comparison.json"
ARCHITECTURE = "architecture"
SEED = "seed"


@dataclasses.dataclass
class Comparison:
    """What :func:`~keras_seqzoo.comparison.compare` returns.

    Attributes:
        directory: the run directory (the keras-tuner project directory).
        rows: one dict per model (the table's rows, see :func:`summarize`).
        table_markdown: the table as Markdown.
        plots: paths of the PNG figures.
    """

    directory: Path
    rows: list[dict[str, Any]]
    table_markdown: str
    plots: list[Path]



def _read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def read_trials(directory: str | os.PathLike) -> list[dict[str, Any]]:
    """Reads every ``trial_*/trial.json`` of a keras-tuner project directory.

    Args:
        directory: the project directory.

    Returns:
        The trials' JSON (as keras-tuner writes it), each with ``"folder"`` (a
        :class:`~pathlib.Path`) added, sorted by trial id.

    Raises:
        ValueError: a trial file that does not parse, named with the fix.
    """
    from keras_seqzoo.results import _load_trial  # one reader of trial files

    trials = []
    for path in sorted(Path(directory).glob(f"trial_*/{TRIAL_FILE}")):
        data = _load_trial(path, caller="compare")
        data["folder"] = path.parent
        trials.append(data)
    return sorted(trials, key=lambda t: str(t["trial_id"]))


def _values(trial: Mapping[str, Any]) -> dict[str, Any]:
    return dict((trial.get("hyperparameters") or {}).get("values") or {})


def _settings(directory: Path) -> dict[str, Any]:
    path = directory / SETTINGS_FILE
    if not path.exists():
        return {}
    try:
        data = _read_json(path)
    except (OSError, ValueError) as error:
        raise ValueError(
            f"{os.fspath(path)!r} is corrupt ({error}); delete it and run the comparison "
            "again (the trials are kept) or pass --overwrite to start over."
        ) from None
    return data if isinstance(data, dict) else {}


def model_runs(
    directory: str | os.PathLike, models: Sequence[str] | None = None
) -> dict[str, list[Path]]:
    """The trial folders of each model that has a recorded run (``run.json``).

    Args:
        directory: a comparison directory.
        models: which models, in order; ``None``: those of ``comparison.json``
            first, then any other model with trials, by name.

    Returns:
        model -> its trial folders, one per seed, in seed order.
    """
    directory = Path(directory)
    found: dict[str, list[tuple[Any, Path]]] = {}
    for trial in read_trials(directory):
        values = _values(trial)
        model = values.get(ARCHITECTURE)
        if model is None or not (trial["folder"] / "run.json").exists():
            continue
        found.setdefault(str(model), []).append((values.get(SEED, 0), trial["folder"]))
    if models is None:
        listed = [m for m in _settings(directory).get("models") or [] if m in found]
        models = listed + sorted(m for m in found if m not in listed)
    return {m: [folder for _, folder in sorted(found[m], key=lambda item: str(item[0]))]
            for m in models if m in found}




def _best(records, key, mode):
    values = [(r[key], r["epoch"]) for r in records if is_finite(r.get(key))]
    if not values:
        return None, None
    return (max if mode == "max" else min)(values, key=lambda v: v[0])


def _one_run(folder: Path) -> dict[str, Any]:
    from keras_seqzoo.callbacks import read_history, read_run

    run = read_run(folder)
    records = read_history(folder)
    fit_starts = {fit.get("first_epoch") for fit in run.get("fits") or []}
    seconds, warmup_only = steady_seconds(records, fit_starts)
    last = records[-1] if records else {}
    best_acc, best_acc_epoch = _best(records, "val_accuracy", "max")
    best_loss, best_loss_epoch = _best(records, "val_loss", "min")
    return {
        "params": (run.get("model") or {}).get("params"),
        "epochs": len(records),
        "status": run.get("status"),
        "seconds_per_epoch": seconds,
        "seconds_include_warmup": warmup_only,
        "best_val_accuracy": best_acc,
        "best_val_accuracy_epoch": best_acc_epoch,
        "final_val_accuracy": last.get("val_accuracy"),
        "best_val_loss": best_loss,
        "best_val_loss_epoch": best_loss_epoch,
        "final_val_loss": last.get("val_loss"),
        "final_accuracy": last.get("accuracy"),
        "final_loss": last.get("loss"),
        "records": records,
        # An interrupted run has not written its own protocol yet; its start did.
        "protocol": run.get("protocol") or (run.get("metadata") or {}).get("protocol", "slides"),
        "best_epoch": run.get("best_epoch"),
        "validation": dict(run.get("validation") or {}),
        "test": dict(run.get("test") or {}),
        "positive_class": run.get("positive_class"),
    }


_BY_SEED = ("seconds_per_epoch", "best_val_accuracy")
_AVERAGED = ("seconds_per_epoch", "best_val_accuracy", "final_val_accuracy", "best_val_loss",
             "final_val_loss", "final_accuracy", "final_loss")


def _mean_std(values: list[Any]) -> tuple[float | None, float | None]:
    numbers = [float(v) for v in values if is_finite(v)]
    if not numbers:
        return None, None
    return statistics.fmean(numbers), (statistics.stdev(numbers) if len(numbers) > 1 else 0.0)


#: Two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom (then 1.96).
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def ci95(values: Sequence[Any]) -> float | None:
    """Half-width of the 95 % confidence interval of the mean (Student's t), or ``None``.

    Args:
        values: one value per seed; non-finite ones are left out.

    Returns:
        ``t(0.975, n - 1) * std / sqrt(n)``; ``None`` for fewer than 2 values.

    Example:

    ```python
    ci95([0.85, 0.86, 0.87])  # 0.0248...
    ```
    """
    numbers = [float(v) for v in values if is_finite(v)]
    if len(numbers) < 2:
        return None
    t = _T95[len(numbers) - 2] if len(numbers) - 1 <= len(_T95) else 1.96
    return t * statistics.stdev(numbers) / len(numbers) ** 0.5


def _split_columns(row: dict[str, Any], runs: list[dict[str, Any]]) -> None:
    """``val_<metric>`` (at each run's best epoch) and ``test_<metric>``: mean, std, CI."""
    for split, prefix in (("validation", ""), ("test", "test_")):
        names = sorted({k for r in runs for k in r[split]})
        for name in names:
            values = [r[split].get(name) for r in runs]
            key = f"{prefix}{name}"
            row[key], row[f"{key}_std"] = _mean_std(values)
            row[f"{key}_ci95"] = ci95(values)
            row[f"{key}_by_seed"] = values


def _mean_curve_best(runs: list[dict[str, Any]], key: str, mode: str) -> Any:
    """The epoch at which the seeds' mean curve of ``key`` is best."""
    by_epoch: dict[int, list[float]] = {}
    for run in runs:
        for record in run["records"]:
            if is_finite(record.get(key)):
                by_epoch.setdefault(record["epoch"], []).append(record[key])
    means = [(statistics.fmean(v), e) for e, v in by_epoch.items() if len(v) == len(runs)]
    if not means:
        return None
    return (max if mode == "max" else min)(means, key=lambda item: item[0])[1]


def summarize(directory: str | os.PathLike, models: Sequence[str] | None = None) -> list[dict]:
    """Builds the comparison rows from the trials in a comparison directory.

    Args:
        directory: a directory written by :func:`~keras_seqzoo.comparison.compare`.
        models: which models, in order (see :func:`model_runs`).

    Returns:
        One dict per model: ``model``, ``seeds`` (how many runs), ``params``,
        ``epochs``, ``status``, ``seconds_per_epoch`` (mean over seeds of each
        run's steady-state median), ``seconds_include_warmup``,
        ``ratio_to_fastest``, ``best_val_accuracy`` (mean over seeds of each
        run's best) with ``best_val_accuracy_epoch`` (the best epoch of the
        seeds' mean curve; with one seed, simply the best epoch),
        ``final_val_accuracy``, ``best_val_loss`` (and its epoch),
        ``final_val_loss``, ``final_accuracy``, ``final_loss``; each averaged
        value also has ``<key>_std`` (the sample standard deviation over seeds,
        0 for one seed); ``seconds_per_epoch_by_seed`` and ``best_val_accuracy_by_seed``
        list each run's value, in seed order.

    Example:

    ```python
    from keras_seqzoo.comparison import summarize
    for row in summarize("runs/c4"):
        print(row["model"], row["seconds_per_epoch"], row["best_val_accuracy"])
    ```
    """
    rows = []
    for model, folders in model_runs(directory, models).items():
        runs = [_one_run(folder) for folder in folders]
        statuses = sorted({str(r["status"]) for r in runs})
        row: dict[str, Any] = {
            "model": model,
            "seeds": len(runs),
            "params": runs[0]["params"],
            "epochs": min(r["epochs"] for r in runs),
            "status": statuses[0] if len(statuses) == 1 else "/".join(statuses),
            "seconds_include_warmup": any(r["seconds_include_warmup"] for r in runs),
            "ratio_to_fastest": None,
        }
        for key in _AVERAGED:
            row[key], row[f"{key}_std"] = _mean_std([r[key] for r in runs])
        for key in _BY_SEED:
            row[f"{key}_by_seed"] = [r[key] for r in runs]
        protocols = sorted({str(r["protocol"]) for r in runs})
        row["protocol"] = protocols[0] if len(protocols) == 1 else "/".join(protocols)
        if row["protocol"] == "sound":
            row["positive_class"] = runs[0]["positive_class"]
            row["best_epoch_by_seed"] = [r["best_epoch"] for r in runs]
            _split_columns(row, runs)
        if len(runs) == 1:
            row["best_val_accuracy_epoch"] = runs[0]["best_val_accuracy_epoch"]
            row["best_val_loss_epoch"] = runs[0]["best_val_loss_epoch"]
        else:
            row["best_val_accuracy_epoch"] = _mean_curve_best(runs, "val_accuracy", "max")
            row["best_val_loss_epoch"] = _mean_curve_best(runs, "val_loss", "min")
        rows.append(row)
    if rows and all(r["protocol"] == "sound" for r in rows):
        _rank(rows)
    times = [r["seconds_per_epoch"] for r in rows if is_finite(r["seconds_per_epoch"])]
    if times and min(times) > 0:
        for row in rows:
            if is_finite(row["seconds_per_epoch"]):
                row["ratio_to_fastest"] = row["seconds_per_epoch"] / min(times)
    return rows


def _rank(rows: list[dict[str, Any]]) -> None:
    """Sorts sound-protocol rows by validation (the objective at the best epoch), best first."""
    key = "val_accuracy" if any(is_finite(r.get("val_accuracy")) for r in rows) else "val_loss"
    sign = -1.0 if key == "val_accuracy" else 1.0
    rows.sort(key=lambda r: sign * r[key] if is_finite(r.get(key)) else float("inf"))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
        row["ranked_by"] = key


def _fmt(value: Any, digits: int = 4) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _spread(row: Mapping[str, Any], key: str, digits: int = 4) -> str:
    text = _fmt(row.get(key), digits)
    if text and row.get("seeds", 1) > 1 and is_finite(row.get(f"{key}_std")):
        text += f" ± {row[f'{key}_std']:.{digits}f}"
    return text


def _seeds_cell(row: Mapping[str, Any]) -> str:
    """The runs counted, with their statuses when not every run finished (a run stopped
    before its first epoch is counted but adds no value to the means)."""
    status = row.get("status")
    return f"{row['seeds']}" + (f" ({status})" if status and status != "finished" else "")


def _metric_label(key: str) -> str:
    split, _, name = key.partition("_")
    return f"{'val' if split == 'val' else 'test'} {name.replace('_', ' ')}"


def _sound_table(rows: list[dict[str, Any]]) -> str:
    """The sound protocol's table: ranked by validation, test mean ± std and 95 % CI."""
    skip = ("_std", "_ci95", "_by_seed")
    val_keys = [k for k in dict.fromkeys(k for r in rows for k in r)
                if k.startswith("val_") and not k.endswith(skip)
                and k not in ("val_loss",) and not k.startswith("val_loss")]
    test_keys = [k for k in dict.fromkeys(k for r in rows for k in r)
                 if k.startswith("test_") and not k.endswith(skip) and k != "test_loss"]
    header = ["rank", "model", "seeds", "params", "s/epoch (train)", "best epoch (val)"]
    header += [_metric_label(k) for k in val_keys]
    header += [_metric_label(k) for k in test_keys]
    header += [f"{_metric_label(k)} 95 % CI" for k in test_keys[:1]]
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join(["---:"] * 1 + ["---"] + ["---:"] * (len(header) - 2)) + "|"]
    for r in rows:
        epochs = [e + 1 for e in r.get("best_epoch_by_seed") or [] if is_finite(e)]
        cells = [str(r.get("rank", "")), r["model"], _seeds_cell(r), _fmt(r["params"]),
                 _spread(r, "seconds_per_epoch", 2) + (" *" if r["seconds_include_warmup"]
                                                       else ""),
                 ", ".join(str(e) for e in epochs)]
        cells += [_spread(r, k) for k in val_keys]
        cells += [_spread(r, k) for k in test_keys]
        for key in test_keys[:1]:
            mean, half = r.get(key), r.get(f"{key}_ci95")
            if is_finite(mean) and is_finite(half):
                center, width = float(mean), float(half)  # type: ignore[arg-type]
                cells.append(f"[{center - width:.4f}, {center + width:.4f}]")
            else:
                cells.append("")
        lines.append("| " + " | ".join(cells) + " |")
    notes = ["Protocol: sound. Models are ranked by validation; each seed's best epoch on "
             "validation (counted from 1) was restored and the test split evaluated once "
             "with it.",
             "val columns: the validation split at the best epoch; test columns: the test "
             "split; mean ± sample standard deviation over the seeds; the 95 % CI is the "
             "mean's (Student's t)."]
    positive = sorted({str(r["positive_class"]) for r in rows if r.get("positive_class")})
    if positive:
        notes.append(f"Precision, recall and F1 are those of the positive class "
                     f"{', '.join(repr(p) for p in positive)}.")
    if any(r["seconds_include_warmup"] for r in rows):
        notes.append("\\* only warm-up epochs (tracing/compilation included) were timed.")
    return "\n".join(lines) + "\n\n" + "\n".join(notes) + "\n"


def table_markdown(rows: list[dict[str, Any]]) -> str:
    """Returns the comparison rows as a Markdown table (mean ± std with several seeds).

    Under the sound protocol the models are ranked by validation and the table
    gives validation at the best epoch and test mean ± std with a 95 % confidence
    interval; under the slides' protocol (validation is IMDB's test set) it gives
    the best and final validation values, as the slides did.
    """
    if rows and all(r.get("protocol") == "sound" for r in rows):
        return _sound_table(rows)
    header = ("| model | seeds | params | epochs | s/epoch | x fastest | best val acc (epoch) "
              "| final val acc | best val loss (epoch) | final val loss |")

    def epoch(value: Any) -> str:  # counted from 1, as Keras prints them
        return _fmt(value + 1 if is_finite(value) else value, 1)

    lines = [header, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        seconds = _spread(r, "seconds_per_epoch", 2) + (" *" if r["seconds_include_warmup"] else "")
        lines.append(
            f"| {r['model']} | {_seeds_cell(r)} | {_fmt(r['params'])} | {r['epochs']} | {seconds} "
            f"| {_fmt(r['ratio_to_fastest'], 2)} "
            f"| {_spread(r, 'best_val_accuracy')} ({epoch(r['best_val_accuracy_epoch'])}) "
            f"| {_spread(r, 'final_val_accuracy')} "
            f"| {_spread(r, 'best_val_loss')} ({epoch(r['best_val_loss_epoch'])}) "
            f"| {_spread(r, 'final_val_loss')} |"
        )
    notes = ["Epochs are counted from 1, as Keras prints them.",
             "Protocol: slides (validation is the data's test split, as in the slides; no "
             "held-out test)."]
    if any(r["seeds"] > 1 for r in rows):
        notes.append("Values are the mean ± sample standard deviation over the seeds.")
    if any(r["seconds_include_warmup"] for r in rows):
        notes.append("\\* only warm-up epochs (tracing/compilation included) were timed.")
    if notes:
        lines.append("")
        lines.extend(notes)
    return "\n".join(lines) + "\n"


def _table_csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    if rows:
        # One value per cell: the per-seed lists stay in comparison.json.
        fields = [k for k in rows[0] if not k.endswith("_by_seed")]
        writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n",
                                extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()


def _histories(folders: list[Path]) -> Any:
    from keras_seqzoo.callbacks import read_history

    if len(folders) == 1:
        return folders[0]
    return [read_history(folder) for folder in folders]


def accuracy_and_seconds(rows: list[dict[str, Any]]) -> dict[str, dict[str, list[float]]]:
    """Each model's steady-state seconds and best validation accuracy, one value per seed.

    Args:
        rows: :func:`summarize` rows.

    Returns:
        model -> ``{"seconds": [...], "accuracy": [...]}`` (the runs that have both), the
        input of :func:`keras_seqzoo.plots.plot_accuracy_vs_time`.
    """
    result = {}
    for r in rows:
        pairs = [(s, a) for s, a in zip(r["seconds_per_epoch_by_seed"],
                                        r["best_val_accuracy_by_seed"])
                 if is_finite(s) and is_finite(a)]
        if pairs:
            result[r["model"]] = {"seconds": [p[0] for p in pairs],
                                  "accuracy": [p[1] for p in pairs]}
    return result


def write_report(directory: str | os.PathLike, models: Sequence[str] | None = None,
                 *, title: str | None = None,
                 reference_seconds: Mapping[str, float] | None = None,
                 reference_label: str = "slides") -> Comparison:
    """(Re)writes the table and figures of a comparison directory from its trials.

    Safe in several processes at once (each file is written to a temporary name
    and renamed into place). With several seeds, the curves show the seeds' mean
    with a min-max band and the epoch-time bars the median with the range.

    Args:
        directory: a comparison directory.
        models: the models, in order (see :func:`model_runs`).
        title: what was compared, for the figures' titles (e.g. ``"C4"``).
        reference_seconds: seconds per epoch measured elsewhere (the slides'), drawn
            beside the measured ones as ratios to the fastest model.
        reference_label: what the reference is (``"slides"``).

    Returns:
        The :class:`Comparison`.
    """
    from keras_seqzoo import plots

    directory = Path(directory)
    rows = summarize(directory, models)
    runs = model_runs(directory, [r["model"] for r in rows])
    markdown = table_markdown(rows)
    settings = _settings(directory)
    settings["rows"] = rows
    for name, text in (("comparison.md", markdown), ("comparison.csv", _table_csv(rows)),
                       (SETTINGS_FILE, json.dumps(settings, indent=2, default=str) + "\n")):
        _atomic.write_text(directory / name, text)
    made = []
    curves = {r["model"]: _histories(runs[r["model"]]) for r in rows if r["epochs"]}
    times: dict[str, Any] = {}
    for r in rows:
        per_seed = [s for s in r["seconds_per_epoch_by_seed"] if is_finite(s)]
        if per_seed:
            times[r["model"]] = per_seed[0] if len(per_seed) == 1 else per_seed
    prefix = f"{title}: " if title else ""
    if curves:
        with _atomic.replacing(directory / "curves.png") as tmp:
            plots.plot_history(curves, tmp, title=f"{prefix}accuracy and loss per epoch")
        made.append(directory / "curves.png")
    if times:
        with _atomic.replacing(directory / "epoch_times.png") as tmp:
            plots.plot_epoch_times(
                times, tmp, title=f"{prefix}seconds per epoch (steady state)",
                reference_seconds=dict(reference_seconds) if reference_seconds else None,
                reference_label=reference_label,
            )
        made.append(directory / "epoch_times.png")
    cost = accuracy_and_seconds(rows)
    if len(cost) > 1:
        with _atomic.replacing(directory / "accuracy_vs_seconds.png") as tmp:
            plots.plot_accuracy_vs_time(
                cost, tmp, title=f"{prefix}best validation accuracy against seconds per epoch")
        made.append(directory / "accuracy_vs_seconds.png")
    return Comparison(directory=directory, rows=rows, table_markdown=markdown, plots=made)

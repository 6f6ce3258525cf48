"""Training curves and timing charts as PNG files.

The figures are drawn with ``matplotlib.figure.Figure`` and the Agg canvas,
never with ``pyplot``: nothing opens a window, nothing blocks, and no global
figure state is left behind (safe in scripts, servers, notebooks and threads).
matplotlib is imported on first use.

The figures are 720 pixels wide, so a documentation page shows them at their
natural size, and label the slides' presets by their short slide names
(``"bilstm.imdb_words10k"`` is drawn as ``"T5 LSTM"``).
"""

from __future__ import annotations

import math
import os
import statistics
import textwrap
from pathlib import Path
from typing import Any, Mapping, Sequence, Union

__all__ = ["plot_accuracy_vs_time", "plot_epoch_times", "plot_history"]

RunSource = Union[str, os.PathLike, Sequence[Mapping[str, Any]]]

WIDTH_INCHES = 7.2  # 720 px at DPI: fits a documentation column without scaling
DPI = 100
TRAIN_COLOR, VALIDATION_COLOR = "C0", "C1"
MEASURED_COLOR, SLIDES_COLOR = "C0", "C7"


def _matplotlib():
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "keras_seqzoo.plots needs matplotlib. Install it with `pip install matplotlib`."
        ) from None
    return Figure, FigureCanvasAgg


def _short_label(label: str) -> str:
    """A registered slide preset's short name ("T5 LSTM"); any other label unchanged."""
    if "." not in label:
        return label
    try:
        from keras_seqzoo import _registry

        _, preset = _registry.resolve(label)
    except Exception:  # not a registered name: the caller's own label
        return label
    if preset is None or not preset.slide:
        return label
    name = preset.slide
    for prefix in ("IMDB with ", "IMDB subwords, ", "IMDB "):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    reference = preset.reference or ""
    if reference[:1] == "T" and reference[1:].isdigit():
        name = f"{reference} {name}"
    return name


def _is_records(source: Any) -> bool:
    return (isinstance(source, Sequence) and not isinstance(source, (str, bytes))
            and bool(source) and all(isinstance(r, Mapping) for r in source))


def _normalize_runs(runs: Any) -> dict[str, list[list[Mapping[str, Any]]]]:
    """Turns the accepted ``runs`` forms into ``{label: [records of each seed]}``."""
    from keras_seqzoo.callbacks import read_history

    def load(source: Any) -> list[Mapping[str, Any]]:
        if isinstance(source, (str, os.PathLike)):
            return read_history(source)
        if _is_records(source) or (isinstance(source, Sequence) and not source
                                   and not isinstance(source, (str, bytes))):
            return list(source)
        raise TypeError(
            "A run must be a directory written by HistoryExporter, a list of epoch "
            f"records (dicts), or a list of those (one per seed). Received: {source!r}"
        )

    def seeds(source: Any) -> list[list[Mapping[str, Any]]]:
        if (isinstance(source, Sequence) and not isinstance(source, (str, bytes))
                and source and not _is_records(source)):
            return [load(s) for s in source]  # one history per seed
        return [load(source)]

    if isinstance(runs, (str, os.PathLike)):
        return {Path(runs).name or os.fspath(runs): seeds(runs)}
    if isinstance(runs, Mapping):
        if not runs:
            raise ValueError("`runs` is empty. Pass at least one run directory.")
        return {str(label): seeds(source) for label, source in runs.items()}
    if isinstance(runs, Sequence) and not isinstance(runs, (str, bytes)) and runs:
        if _is_records(runs):  # one run given as records
            return {"run": [load(runs)]}
        labels: list[Any] = [Path(r).name or os.fspath(r) if isinstance(r, (str, os.PathLike)) else None
                  for r in runs]
        if None in labels:
            raise TypeError(
                "A list of runs must hold run directories; label records with a dict "
                f"label -> records. Received: runs={runs!r}"
            )
        if len(set(labels)) < len(labels):  # same folder name under different parents
            labels = [os.fspath(r) for r in runs]
        return {label: [load(source)] for label, source in zip(labels, runs)}
    raise TypeError(
        "`runs` must be a directory, a list of directories, or a dict label -> directory "
        f"or records (or a list of those, one per seed). Received: runs={runs!r}"
    )


def _resolve_key(records: Sequence[Mapping[str, Any]], metric: str) -> str | None:
    """The training key for ``metric``: itself, or the one ``*_metric`` key
    (``"accuracy"`` finds ``"binary_accuracy"``)."""
    keys = {k for r in records for k in r}
    if metric in keys:
        return metric
    candidates = sorted(k for k in keys if k.endswith("_" + metric) and not k.startswith("val_"))
    return candidates[0] if len(candidates) == 1 else None


def _series(records: Sequence[Mapping[str, Any]], key: str) -> dict[int, float]:
    """1-based epoch (as Keras prints it) -> finite value of ``key``."""
    values = {}
    for index, record in enumerate(records):
        value = record.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            epoch = record.get("epoch", index)
            values[int(epoch) + 1] = float(value)
    return values


def _band(histories: Sequence[Sequence[Mapping[str, Any]]], key: str):
    """Epochs, mean, min and max of ``key`` over the seeds that recorded each epoch."""
    per_epoch: dict[int, list[float]] = {}
    for records in histories:
        for epoch, value in _series(records, key).items():
            per_epoch.setdefault(epoch, []).append(value)
    epochs = sorted(per_epoch)
    return (epochs, [statistics.fmean(per_epoch[e]) for e in epochs],
            [min(per_epoch[e]) for e in epochs], [max(per_epoch[e]) for e in epochs])


def plot_history(
    runs: Any,
    path: str | os.PathLike,
    *,
    metrics: Sequence[str] = ("accuracy", "loss"),
    title: str | None = None,
    short_labels: bool = True,
) -> Path:
    """Draws training curves as small multiples: one panel per run and metric.

    Each panel shows one run's training (solid) and validation (dashed) values of
    one metric, per epoch, numbered from 1 as Keras prints them. The panels of a
    metric share their y axis, so runs compare at a glance. Two or three runs are
    laid out as the slides show their comparisons (a row per metric, a column per
    run); one run, or four and more, get a row per run and a column per metric.
    A run given as several histories (one per seed) is drawn as their mean with a
    shaded band from the lowest to the highest seed. Validation recorded only
    every few epochs shows as markers joined by a dashed line; a metric a run did
    not record leaves its panel empty with a note.

    Args:
        runs: a run directory (written by ``HistoryExporter``), a list of
            directories (labelled by folder name), or a dict label -> run, where a
            run is a directory, a list of records (as
            :func:`keras_seqzoo.callbacks.read_history` returns), or a list of
            those, one per seed.
        path: the PNG file to write; parent folders are created.
        metrics: the metrics to draw, e.g. ``("accuracy", "loss")``.
            ``"accuracy"`` also matches a single ``*_accuracy`` key such as
            ``"binary_accuracy"``.
        title: a title above the panels.
        short_labels: label the slides' registered presets by their slide
            names (``"T5 LSTM"`` for ``"bilstm.imdb_words10k"``); other labels
            are drawn as given.

    Returns:
        The path of the PNG file.

    Example:

    ```python
    from keras_seqzoo.plots import plot_history
    plot_history({"LSTM": "runs/bilstm", "GRU": "runs/bigru"}, "curves.png")
    # three seeds of one model: their mean, with a min-max band
    plot_history({"LSTM": ["runs/s0/bilstm", "runs/s1/bilstm", "runs/s2/bilstm"]}, "seeds.png")
    ```
    """
    Figure, FigureCanvasAgg = _matplotlib()
    if isinstance(metrics, str):
        metrics = (metrics,)
    if not metrics:
        raise ValueError(f"`metrics` must name at least one metric. Received: metrics={metrics!r}")
    _check_png(path)
    data = _normalize_runs(runs)
    labels = {label: _short_label(label) if short_labels else label for label in data}

    by_metric_rows = 2 <= len(data) <= 3  # the slides: a row per metric, a column per run
    n_rows, n_cols = (len(metrics), len(data)) if by_metric_rows else (len(data), len(metrics))
    height = 0.45 + (2.05 if n_rows <= 2 else 1.8) * n_rows + (0.35 if title else 0.0)
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(n_rows, n_cols, squeeze=False)
    shared: dict[str, list[Any]] = {m: [] for m in metrics}
    drawn_any = False
    for run_index, (label, histories) in enumerate(data.items()):
        for metric_index, metric in enumerate(metrics):
            row, col = ((metric_index, run_index) if by_metric_rows
                        else (run_index, metric_index))
            ax = axes[row][col]
            ax.tick_params(labelsize=7.5)
            ax.grid(True, alpha=0.3)
            ax.set_title(labels[label] if (by_metric_rows or len(metrics) > 1)
                         else f"{labels[label]}: {metric}", fontsize=9)
            if col == 0 or not by_metric_rows:
                ax.set_ylabel(metric, fontsize=8.5)
            if row == n_rows - 1:
                ax.set_xlabel("epoch", fontsize=8.5)
            key = next((k for k in (_resolve_key(r, metric) for r in histories) if k), None)
            drawn = False
            if key is not None:
                for series_key, style, color in ((key, "-", TRAIN_COLOR),
                                                 ("val_" + key, "--", VALIDATION_COLOR)):
                    epochs, mean, low, high = _band(histories, series_key)
                    if not epochs:
                        continue
                    sparse = len(epochs) < max(len(r) for r in histories)
                    ax.plot(epochs, mean, linestyle=style, color=color, linewidth=1.4,
                            marker="o" if sparse or len(epochs) == 1 else None, markersize=3)
                    if len(histories) > 1:
                        ax.fill_between(epochs, low, high, color=color, alpha=0.2, linewidth=0)
                    drawn = True
            if drawn:
                drawn_any = True
                shared[metric].append(ax)
                ax.xaxis.get_major_locator().set_params(integer=True)
            else:
                ax.text(0.5, 0.5, f"no {metric!r} recorded", ha="center", va="center",
                        transform=ax.transAxes, color="gray", fontsize=8)
    for group in shared.values():  # one y scale per metric
        if len(group) > 1:
            low = min(ax.get_ylim()[0] for ax in group)
            high = max(ax.get_ylim()[1] for ax in group)
            for ax in group:
                ax.set_ylim(low, high)
    if drawn_any:
        from matplotlib.lines import Line2D

        seeds = max(len(h) for h in data.values())
        handles: list[Any] = [Line2D([], [], color=TRAIN_COLOR, linestyle="-"),
                   Line2D([], [], color=VALIDATION_COLOR, linestyle="--")]
        names = ["training", "validation"]
        if seeds > 1:
            from matplotlib.patches import Patch

            handles.append(Patch(color="gray", alpha=0.3))
            names.append(f"range over {seeds} seeds (line: mean)")
        figure.legend(handles, names, loc="outside lower center", ncols=len(names),
                      fontsize=8, frameon=False)
    if title:
        figure.suptitle(_wrap(title), fontsize=10)
    return _save(figure, path)


def _seconds_of(label: str, value: Any) -> list[float]:
    values = list(value) if isinstance(value, Sequence) and not isinstance(value, str) else [value]
    if not values:
        raise ValueError(f"Each time must be seconds or a non-empty list of seconds (one per "
                         f"seed). Received: times[{label!r}]={value!r}")
    for item in values:
        if isinstance(item, bool) or not isinstance(item, (int, float)) or not (
            math.isfinite(item) and item >= 0
        ):
            raise ValueError(
                f"Each time must be a non-negative number of seconds (or a list of them, "
                f"one per seed). Received: times[{label!r}]={value!r}"
            )
    return [float(v) for v in values]


def plot_epoch_times(
    times: Mapping[str, Any],
    path: str | os.PathLike,
    *,
    title: str | None = None,
    reference_seconds: Mapping[str, float] | None = None,
    reference_label: str = "reference",
    short_labels: bool = True,
) -> Path:
    """Draws seconds per epoch as horizontal bars, each labelled with its ratio to the fastest.

    A model given several times (one per seed) is drawn at their median with an
    error bar from the lowest to the highest. With ``reference_seconds`` (e.g. the
    slides' seconds, measured on other hardware), a second panel compares the
    two as ratios to each one's fastest model, which is what carries over between
    machines.

    Args:
        times: label -> seconds, or label -> list of seconds (one per seed), e.g.
            the steady-state ``epoch_time`` of each model.
        path: the PNG file to write; parent folders are created.
        title: the chart title (default: "Time per epoch").
        reference_seconds: label -> seconds per epoch measured elsewhere (the
            slides' ``{"bilstm.imdb_words10k": 43, ...}``), or ``None``.
        reference_label: what the reference is, in the legend (e.g. ``"slides"``).
        short_labels: label the slides' registered presets by their slide
            names (``"T5 LSTM"``); other labels are drawn as given.

    Returns:
        The path of the PNG file.

    Example:

    ```python
    from keras_seqzoo.plots import plot_epoch_times
    plot_epoch_times({"LSTM": 41.2, "GRU": [35.8, 36.4, 35.1], "Conv1D": 6.1}, "epoch_times.png")
    plot_epoch_times({"LSTM": 41.2, "CNN": 6.1}, "vs_slides.png",
                     reference_seconds={"LSTM": 43, "CNN": 6})
    ```
    """
    Figure, FigureCanvasAgg = _matplotlib()
    if not isinstance(times, Mapping) or not times:
        raise ValueError(
            f"`times` must be a non-empty dict label -> seconds. Received: times={times!r}"
        )
    measured = {str(label): _seconds_of(label, value) for label, value in times.items()}
    reference: dict[str, float] = {}
    if reference_seconds is not None:
        if not isinstance(reference_seconds, Mapping) or not reference_seconds:
            raise ValueError("`reference_seconds` must be a non-empty dict label -> seconds or "
                             f"None. Received: reference_seconds={reference_seconds!r}")
        for label, value in reference_seconds.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                math.isfinite(value) and value > 0
            ):
                raise ValueError(f"Each reference time must be a positive number of seconds. "
                                 f"Received: reference_seconds[{label!r}]={value!r}")
            reference[str(label)] = float(value)
    _check_png(path)

    order = list(measured) + [label for label in reference if label not in measured]
    shown = [_short_label(label) if short_labels else label for label in order]
    medians = {label: statistics.median(v) for label, v in measured.items()}
    fastest = min(medians.values()) or None
    fastest_reference = min(reference.values()) if reference else None

    panels = 2 if reference else 1
    height = 0.9 + 0.42 * len(order) * (1.4 if reference else 1.0) + (0.3 if title else 0.0)
    figure = Figure(figsize=(WIDTH_INCHES, max(2.4, height)), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, panels, squeeze=False, sharey=True)[0]
    rows = list(range(len(order)))

    ax = axes[0]
    bar_values = [medians.get(label, 0.0) for label in order]
    low = [medians[label] - min(measured[label]) if label in measured else 0.0 for label in order]
    high = [max(measured[label]) - medians[label] if label in measured else 0.0 for label in order]
    spread = any(len(v) > 1 for v in measured.values())
    bars = ax.barh(rows, bar_values, color=MEASURED_COLOR, height=0.6,
                   xerr=[low, high] if spread else None, capsize=3 if spread else 0)
    texts = []
    for label in order:
        if label not in measured:
            texts.append("not measured")
        elif fastest:
            texts.append(f"{_seconds(medians[label])}  ({medians[label] / fastest:.1f}x)")
        else:
            texts.append(_seconds(medians[label]))
    del bars
    for row, label, text in zip(rows, order, texts):  # after the error bar, never on it
        end = max(measured[label]) if label in measured else 0.0
        ax.annotate(text, (end, row), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.set_yticks(rows, shown, fontsize=8.5)
    ax.invert_yaxis()
    ax.set_xlabel("seconds per epoch" + (" (median, bar: range over seeds)" if spread else ""),
                  fontsize=8.5)
    ax.set_xlim(0, (max(max(v) for v in measured.values()) or 1.0) * 1.45)
    if reference:
        ax.set_title("Measured (x the fastest)", fontsize=9)
    ax.tick_params(axis="x", labelsize=7.5)
    ax.grid(True, axis="x", alpha=0.3)

    if reference:
        ax = axes[1]
        width = 0.38
        ours = [medians[label] / fastest if label in medians and fastest else 0.0
                for label in order]
        theirs = [reference[label] / fastest_reference
                  if label in reference and fastest_reference else 0.0
                  for label in order]
        bars_ours = ax.barh([r - width / 2 for r in rows], ours, height=width,
                            color=MEASURED_COLOR, label="measured")
        bars_theirs = ax.barh([r + width / 2 for r in rows], theirs, height=width,
                              color=SLIDES_COLOR, label=reference_label)
        ax.bar_label(bars_ours, labels=[f"{v:.1f}x" if label in medians else ""
                                        for v, label in zip(ours, order)],
                     padding=3, fontsize=7.5)
        ax.bar_label(bars_theirs, labels=[
            f"{v:.1f}x ({_seconds(reference[label])})" if label in reference else "no reference"
            for v, label in zip(theirs, order)], padding=3, fontsize=7.5)
        ax.set_xlim(0, max(ours + theirs) * 1.55)
        ax.set_xlabel("x the fastest model", fontsize=8.5)
        ax.set_title(f"Ratios: measured vs {reference_label}", fontsize=9)
        ax.tick_params(axis="x", labelsize=7.5)
        ax.tick_params(axis="y", left=False)
        ax.grid(True, axis="x", alpha=0.3)
        ax.legend(fontsize=7.5, loc="lower right", frameon=False)
    figure.suptitle(_wrap(title or "Time per epoch"), fontsize=10)
    return _save(figure, path)


def plot_accuracy_vs_time(
    results: Mapping[str, Mapping[str, Any]],
    path: str | os.PathLike,
    *,
    title: str | None = None,
    accuracy_label: str = "best validation accuracy",
    short_labels: bool = True,
) -> Path:
    """Draws each model as a point: accuracy against seconds per epoch (log scale).

    The cost/benefit view of a comparison: up is better, left is cheaper. A model
    given several values (one per seed) is drawn at their mean with error bars
    from the lowest to the highest value on each axis.

    Args:
        results: label -> ``{"seconds": s, "accuracy": a}``, each a number or a
            list (one per seed), e.g. the steady-state ``epoch_time`` and the best
            ``val_accuracy`` of each run.
        path: the PNG file to write; parent folders are created.
        title: the chart title (default: "Accuracy and time per epoch").
        accuracy_label: the y axis label.
        short_labels: label the slides' registered presets by their slide
            names (``"T5 LSTM"``); other labels are drawn as given.

    Returns:
        The path of the PNG file.

    Example:

    ```python
    from keras_seqzoo.plots import plot_accuracy_vs_time
    plot_accuracy_vs_time({"LSTM": {"seconds": [12.1, 12.4], "accuracy": [0.822, 0.826]},
                           "fastText": {"seconds": 1.1, "accuracy": 0.851}}, "cost.png")
    ```
    """
    Figure, FigureCanvasAgg = _matplotlib()
    if not isinstance(results, Mapping) or not results:
        raise ValueError("`results` must be a non-empty dict label -> {'seconds': ..., "
                         f"'accuracy': ...}}. Received: results={results!r}")
    points = {}
    for label, value in results.items():
        if not isinstance(value, Mapping) or not {"seconds", "accuracy"} <= set(value):
            raise ValueError(f"Each result must be a dict with 'seconds' and 'accuracy'. "
                             f"Received: results[{label!r}]={value!r}")
        points[str(label)] = tuple(_positive_numbers(label, key, value[key])
                                   for key in ("seconds", "accuracy"))
    _check_png(path)

    figure = Figure(figsize=(WIDTH_INCHES, 4.2), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.subplots()
    spread = any(len(s) > 1 or len(a) > 1 for s, a in points.values())
    markers = "osD^vP*Xhp"
    for index, (label, (seconds, accuracy)) in enumerate(points.items()):
        x, y = statistics.fmean(seconds), statistics.fmean(accuracy)
        # Named in the legend, not next to the point: points of similar cost and
        # accuracy would put their names on top of each other.
        ax.errorbar(x, y, xerr=[[x - min(seconds)], [max(seconds) - x]],
                    yerr=[[y - min(accuracy)], [max(accuracy) - y]],
                    fmt=markers[index % len(markers)], color=f"C{index % 10}", markersize=6,
                    capsize=3 if spread else 0, elinewidth=1,
                    label=_short_label(label) if short_labels else label)
    ax.set_xscale("log")
    all_seconds = [v for s, _ in points.values() for v in s]
    all_accuracy = [v for _, a in points.values() for v in a]
    ax.set_xlim(min(all_seconds) / 1.4, max(all_seconds) * 1.4)
    pad = max(0.005, (max(all_accuracy) - min(all_accuracy)) * 0.08)
    ax.set_ylim(min(all_accuracy) - pad, max(all_accuracy) + pad)
    ax.legend(fontsize=7.5, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    ax.set_xlabel("seconds per epoch (log scale)"
                  + ("\nmean over the seeds; bars from the lowest to the highest seed"
                     if spread else ""),
                  fontsize=8.5)
    ax.set_ylabel(accuracy_label, fontsize=8.5)
    from matplotlib.ticker import FuncFormatter, LogLocator

    # Ticks at 1, 2 and 5 times a power of ten, all labelled alike ("2 s", "50 s"):
    # matplotlib's default labels the minor ticks of a narrow range as "2 x 10^2".
    ax.xaxis.set_minor_locator(LogLocator(base=10, subs=(2.0, 5.0)))
    in_seconds = FuncFormatter(lambda v, _: _tick_seconds(v))
    ax.xaxis.set_major_formatter(in_seconds)
    ax.xaxis.set_minor_formatter(in_seconds)
    ax.tick_params(which="both", labelsize=7.5)
    ax.grid(True, which="both", alpha=0.3)
    figure.suptitle(_wrap(title or "Accuracy and time per epoch"), fontsize=10)
    return _save(figure, path)


def _positive_numbers(label: str, key: str, value: Any) -> list[float]:
    values = list(value) if isinstance(value, Sequence) and not isinstance(value, str) else [value]
    if not values or any(
        isinstance(v, bool) or not isinstance(v, (int, float)) or not (math.isfinite(v) and v > 0)
        for v in values
    ):
        raise ValueError(
            f"Each {key!r} must be a positive number (or a non-empty list of them, one per "
            f"seed). Received: results[{label!r}][{key!r}]={value!r}"
        )
    return [float(v) for v in values]


def _wrap(title: str) -> str:
    """Wraps a long title so that it is never cut at the figure's edges."""
    return "\n".join(textwrap.wrap(title, 88)) or title


def _tick_seconds(value: float) -> str:
    """An axis tick of seconds at 1, 2 or 5 times a power of ten: "0.5 s", "20 s"."""
    return f"{value:g} s" if value >= 0.1 else f"{value * 1000:g} ms"


def _seconds(value: float) -> str:
    if value >= 100:
        return f"{value:.0f} s"
    if value >= 1:
        return f"{value:.1f} s"
    return f"{value * 1000:.0f} ms"


def _check_png(path: str | os.PathLike) -> None:
    if Path(path).suffix.lower() != ".png":
        raise ValueError(
            f"The plot is written as PNG; name a '.png' file. Received: path={Path(path)}"
        )


def _save(figure: Any, path: str | os.PathLike) -> Path:
    path = Path(path)
    _check_png(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=DPI)
    return path


# -- C6: tuning budgets and the Pareto front (appended; see keras_seqzoo.comparison.leaderboard)


def _log_seconds_axis(ax: Any) -> None:
    """A log-scale seconds axis, labelled ticks at 1, 2 and 5 times a power of ten ("20 s"),
    or at the powers of ten alone when the data span more than two decades (the labels of
    a half-width panel ran into each other: "500 s1000 s")."""
    import math

    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    low, high = ax.dataLim.intervalx
    wide = low > 0 and math.log10(high / low) > 2
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0,) if wide else (1.0, 2.0, 5.0)))
    ax.xaxis.set_minor_locator(LogLocator(base=10, subs=(2.0, 5.0) if wide else ()))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _tick_seconds(v)))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _curves_of(curves: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    if not isinstance(curves, Mapping) or not curves:
        raise ValueError("plot_expected_max: `curves` must be a non-empty dict architecture -> "
                         "{'trials': [...], 'expected': [...], 'seconds': [...] or None} "
                         f"(leaderboard.expected_max_curve). Received: curves={curves!r}")
    checked = {}
    for label, curve in curves.items():
        trials = list(curve.get("trials") or []) if isinstance(curve, Mapping) else []
        expected = list(curve.get("expected") or []) if isinstance(curve, Mapping) else []
        if not trials or len(trials) != len(expected):
            raise ValueError(f"plot_expected_max: curves[{label!r}] needs 'trials' and "
                             "'expected' of the same non-zero length. Received: "
                             f"{curve!r}")
        seconds = curve.get("seconds")
        checked[str(label)] = {"trials": trials, "expected": expected,
                               "seconds": list(seconds) if seconds else None}
    return checked


def plot_expected_max(
    curves: Mapping[str, Mapping[str, Any]],
    path: str | os.PathLike,
    *,
    title: str | None = None,
    score_label: str = "expected best validation accuracy",
) -> Path:
    """Draws each architecture's expected best validation score against its tuning budget.

    Left: against the number of search trials; right: against the tuning seconds
    those trials cost (log scale). Curves that cross show where the ranking
    changes with the budget (Dodge et al., 2019). An architecture whose trials
    were not timed is left out of the right panel, which says so.

    Args:
        curves: architecture -> ``{"trials": [1..N], "expected": [...],
            "seconds": [...] or None}``
            (:func:`keras_seqzoo.comparison.leaderboard.expected_max_curve`).
        path: the PNG file to write; parent folders are created.
        title: the figure's title.
        score_label: the y axis label.

    Returns:
        The path of the PNG file.

    Example:

    ```python
    from keras_seqzoo.plots import plot_expected_max
    plot_expected_max({"bilstm": {"trials": [1, 2], "expected": [0.80, 0.83],
                                  "seconds": [300.0, 600.0]}}, "budget.png")
    ```
    """
    Figure, FigureCanvasAgg = _matplotlib()
    checked = _curves_of(curves)
    _check_png(path)
    figure = Figure(figsize=(WIDTH_INCHES, 3.9), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    left, right = figure.subplots(1, 2, sharey=True)
    timed = 0
    for index, (label, curve) in enumerate(checked.items()):
        style = {"color": f"C{index % 10}", "marker": "o", "markersize": 3,
                 "linestyle": "-" if index < 10 else "--", "label": label}
        left.plot(curve["trials"], curve["expected"], **style)
        if curve["seconds"]:
            right.plot(curve["seconds"], curve["expected"], **style)
            timed += 1
    left.set_xlabel("search trials", fontsize=8.5)
    left.set_ylabel(score_label, fontsize=8.5)
    right.set_xlabel("tuning seconds (log scale)", fontsize=8.5)
    if timed:
        _log_seconds_axis(right)
    else:
        right.text(0.5, 0.5, "the search trials\nwere not timed", ha="center",
                   va="center", transform=right.transAxes, fontsize=9)
        right.set_xticks([])
    for ax in (left, right):
        ax.tick_params(which="both", labelsize=7.5)
        ax.grid(True, which="both", alpha=0.3)
    left.xaxis.get_major_locator().set_params(integer=True)
    figure.legend(*left.get_legend_handles_labels(), loc="outside right center", fontsize=7.5)
    figure.suptitle(_wrap(title or "Expected best validation score against the tuning budget"),
                    fontsize=10)
    return _save(figure, path)


def _pareto_points(points: Any) -> dict[str, tuple[float, float, float | None]]:
    """label -> (seconds, score, std or None), checked."""
    from keras_seqzoo._values import is_finite

    shape = "a non-empty dict architecture -> {'seconds': s, 'score': v, 'std': sd}"
    if not isinstance(points, Mapping) or not points:
        raise ValueError(f"plot_pareto: `points` must be {shape}. Received: points={points!r}")
    checked = {}
    for label, value in points.items():
        keys = set(value) if isinstance(value, Mapping) else set()
        if "seconds" not in keys or "score" not in keys:
            raise ValueError(f"plot_pareto: `points` must be {shape}; points[{label!r}] is "
                             f"{value!r}.")
        std = value.get("std")
        checked[str(label)] = (_positive_numbers(label, "seconds", value["seconds"])[0],
                               float(value["score"]),
                               float(std) if is_finite(std) else None)
    return checked


def plot_pareto(
    points: Mapping[str, Mapping[str, Any]],
    path: str | os.PathLike,
    *,
    front: Sequence[str] = (),
    title: str | None = None,
    score_label: str = "test accuracy",
    seconds_label: str = "seconds per epoch (log scale)",
) -> Path:
    """Draws each architecture's test score against its seconds, the Pareto front marked.

    Up is better, left is cheaper; the front (no other architecture is both
    faster and better, :func:`keras_seqzoo.comparison.leaderboard.pareto_front`)
    is joined by a line and its points ringed. A score given with ``"std"`` gets
    an error bar of one standard deviation.

    Args:
        points: architecture -> ``{"seconds": s, "score": v, "std": sd or None}``.
        path: the PNG file to write; parent folders are created.
        front: the architectures on the front, in order of seconds.
        title: the figure's title.
        score_label: the y axis label.
        seconds_label: the x axis label.

    Returns:
        The path of the PNG file.

    Example:

    ```python
    from keras_seqzoo.plots import plot_pareto
    plot_pareto({"fasttext": {"seconds": 2.0, "score": 0.90},
                 "bilstm": {"seconds": 40.0, "score": 0.89}}, "pareto.png", front=["fasttext"])
    ```
    """
    checked = _pareto_points(points)
    unknown = [f for f in front if f not in checked]
    if unknown:
        raise ValueError(f"plot_pareto: front names {unknown}, which are not among the "
                         f"points ({', '.join(checked)}).")
    _check_png(path)
    return _save(_pareto_figure(checked, front, title, score_label, seconds_label), path)


def _pareto_figure(checked: Mapping[str, tuple[float, float, float | None]],
                   front: Sequence[str], title: str | None, score_label: str,
                   seconds_label: str) -> Any:
    """Draws :func:`plot_pareto`'s figure from its checked points; returns the figure."""
    Figure, FigureCanvasAgg = _matplotlib()
    figure = Figure(figsize=(WIDTH_INCHES, 4.2), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.subplots()
    labels = []
    for label, (seconds, score, std) in checked.items():
        on_front = label in front
        ax.errorbar([seconds], [score], yerr=[std] if std else None, fmt="o",
                    color="C3" if on_front else "C7", ecolor="0.6", capsize=2, zorder=3)
        labels.append(ax.annotate(label, (seconds, score), textcoords="offset points",
                                  xytext=(5, 4), fontsize=7.5,
                                  color="C3" if on_front else "0.25",
                                  arrowprops={"arrowstyle": "-", "color": "0.6",
                                              "linewidth": 0.6, "shrinkA": 0,
                                              "shrinkB": 4}))
    steps = []
    if front:
        xs = [checked[f][0] for f in front]
        ys = [checked[f][1] for f in front]
        for i in range(len(xs) - 1):  # the front's steps, drawn "steps-post"
            steps += [((xs[i], ys[i]), (xs[i + 1], ys[i])),
                      ((xs[i + 1], ys[i]), (xs[i + 1], ys[i + 1]))]
        ax.plot(xs, ys, "-", color="C3", linewidth=1.2, zorder=2, drawstyle="steps-post",
                label="Pareto front (the best score at each cost)")
        ax.scatter(xs, ys, s=90, facecolors="none", edgecolors="C3", zorder=4)
        ax.legend(fontsize=8, loc="lower right")
    _log_seconds_axis(ax)
    ax.set_xlabel(seconds_label, fontsize=8.5)
    ax.set_ylabel(score_label, fontsize=8.5)
    ax.tick_params(which="both", labelsize=7.5)
    ax.grid(True, which="both", alpha=0.3)
    ax.margins(x=0.15, y=0.12)
    figure.suptitle(_wrap(title or "Test score against seconds, the Pareto front marked"),
                    fontsize=10)
    _spread_labels(figure, labels, marks=list(checked.values()), lines=steps)
    return figure


def _spread_labels(figure: Any, labels: list,
                   marks: Sequence[tuple[float, float, float | None]] = (),
                   lines: Sequence[tuple[tuple[float, float], tuple[float, float]]] = ()) -> None:
    """Moves point labels until none covers another label, a point, an error bar or a line.

    Each label tries the right of its point, then its left, at heights 0, +-9,
    ... +-45 points from where it was placed, and takes the first place that
    lies inside the axes and clear of the other points' markers and error bars,
    the given lines, the legend and the labels already placed; where there is
    none, the place inside the axes that covers the least. A label moved from
    its first place is joined to its point by a thin line (when it was made
    with ``arrowprops``). Points close in cost and score (SMS spam's bigru,
    tcn and transformer_encoder) would otherwise print their names over each
    other, over a neighbour's error bar, or past the frame.

    Args:
        figure: the figure holding the labels.
        labels: the annotations, one per point, all on one axes.
        marks: ``(x, y, std)`` of every point drawn, in data coordinates: a
            label keeps clear of every marker and error bar but its own.
        lines: line segments ``((x0, y0), (x1, y1))`` in data coordinates to
            keep clear of (the Pareto front).
    """
    if not labels:
        return
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    ax = labels[0].axes
    frame = ax.get_window_extent(renderer)
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

    def text_extent(label: Any) -> Any:  # the name alone, without the line to its point
        label.update_positions(renderer)
        return Text.get_window_extent(label, renderer)

    def box(start: Any, end: Any, pad: float) -> Any:
        (x0, y0), (x1, y1) = ax.transData.transform([start, end])
        return Bbox([[min(x0, x1) - pad, min(y0, y1) - pad],
                     [max(x0, x1) + pad, max(y0, y1) + pad]])

    half = 4.5 * figure.dpi / 72  # half a marker (6 pt) and a little air, in pixels
    obstacles = [((x, y), box((x, y - (std or 0.0)), (x, y + (std or 0.0)), half))
                 for x, y, std in marks]
    fixed = [box(start, end, 1.5) for start, end in lines]
    if ax.get_legend() is not None:
        fixed.append(ax.get_legend().get_window_extent(renderer))
    placed: list = []
    for label in sorted(labels, key=lambda a: (a.xy[0], a.xy[1])):
        x, y = label.xyann
        others = [b for xy, b in obstacles if xy != tuple(label.xy)] + fixed + placed
        places = [(side, y + shift, ha) for side, ha in ((x, "left"), (-x, "right"))
                  for shift in (0, 9, -9, 18, -18, 27, -27, 36, -36, 45, -45)]
        best: tuple[tuple[bool, float, int], tuple[float, float], str] | None = None
        for rank, (dx, dy, ha) in enumerate(places):
            label.xyann = (dx, dy)
            label.set_horizontalalignment(ha)
            extent = text_extent(label)
            outside = not (frame.x0 <= extent.x0 and extent.x1 <= frame.x1
                           and frame.y0 <= extent.y0 and extent.y1 <= frame.y1)
            covered = sum(_overlap_area(extent, other) for other in others)
            cost = (outside, covered, rank)
            if best is None or cost < best[0]:
                best = (cost, (dx, dy), ha)
            if not outside and not covered:
                break
        # The first free place; with none near the point, the one in the frame that covers least.
        assert best is not None  # places is never empty
        label.xyann = best[1]
        label.set_horizontalalignment(best[2])
        if label.arrow_patch is not None:
            label.arrow_patch.set_visible(best[0][2] > 0)
        placed.append(text_extent(label))


def _overlap_area(a: Any, b: Any) -> float:
    """The area (square pixels) that two display boxes share; 0 when apart."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(0.0, width) * max(0.0, height)


__all__ += ["plot_expected_max", "plot_pareto"]

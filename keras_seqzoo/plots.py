"""Training curves and timing charts as PNG files.

The figures are drawn with ``matplotlib.figure.Figure`` and the Agg canvas,
never with ``pyplot``: nothing opens a window, nothing blocks, and no global
figure state is left behind (safe in scripts, servers, notebooks and threads).
matplotlib is imported on first use.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Mapping, Sequence, Union

__all__ = ["plot_epoch_times", "plot_history"]

RunSource = Union[str, os.PathLike, Sequence[Mapping[str, Any]]]


def _matplotlib():
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "keras_seqzoo.plots needs matplotlib. Install it with `pip install matplotlib`."
        ) from None
    return Figure, FigureCanvasAgg


def _normalize_runs(runs: Any) -> dict[str, list[Mapping[str, Any]]]:
    """Turns the accepted ``runs`` forms into ``{label: records}``."""
    from keras_seqzoo.callbacks.history import read_history

    def load(source: Any) -> list[Mapping[str, Any]]:
        if isinstance(source, (str, os.PathLike)):
            return read_history(source)
        if isinstance(source, Sequence) and all(isinstance(r, Mapping) for r in source):
            return list(source)
        raise TypeError(
            "A run must be a directory written by HistoryExporter or a list of epoch "
            f"records (dicts). Received: {source!r}"
        )

    if isinstance(runs, (str, os.PathLike)):
        return {Path(runs).name or os.fspath(runs): load(runs)}
    if isinstance(runs, Mapping):
        if not runs:
            raise ValueError("`runs` is empty. Pass at least one run directory.")
        return {str(label): load(source) for label, source in runs.items()}
    if isinstance(runs, Sequence) and runs:
        if all(isinstance(r, Mapping) for r in runs):  # one run given as records
            return {"run": load(runs)}
        labels = [Path(r).name or os.fspath(r) for r in runs]
        if len(set(labels)) < len(labels):  # same folder name under different parents
            labels = [os.fspath(r) for r in runs]
        return {label: load(source) for label, source in zip(labels, runs)}
    raise TypeError(
        "`runs` must be a directory, a list of directories, or a dict label -> directory "
        f"or records. Received: runs={runs!r}"
    )


def _resolve_key(records: Sequence[Mapping[str, Any]], metric: str) -> str | None:
    """The training key for ``metric``: itself, or the one ``*_metric`` key
    (``"accuracy"`` finds ``"binary_accuracy"``)."""
    keys = {k for r in records for k in r}
    if metric in keys:
        return metric
    candidates = sorted(k for k in keys if k.endswith("_" + metric) and not k.startswith("val_"))
    return candidates[0] if len(candidates) == 1 else None


def _series(records: Sequence[Mapping[str, Any]], key: str) -> tuple[list, list]:
    epochs, values = [], []
    for record in records:
        value = record.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            epochs.append(record.get("epoch", len(epochs)))
            values.append(float(value))
    return epochs, values


def plot_history(
    runs: Any,
    path: str | os.PathLike,
    *,
    metrics: Sequence[str] = ("accuracy", "loss"),
    title: str | None = None,
) -> Path:
    """Draws training curves, train vs validation, for one run or several overlaid.

    One subplot per metric; each run has its own color, training solid and
    validation (``val_<metric>``) dashed. Validation recorded only every few
    epochs shows as markers joined by a dashed line. A metric absent from
    every run is drawn as an empty panel that says so.

    Args:
        runs: a run directory (written by ``HistoryExporter``), a list of
            directories (labelled by folder name), or a dict label -> directory
            or list of records (as :func:`keras_seqzoo.callbacks.read_history`
            returns, or Keras ``History`` converted to records).
        path: the PNG file to write; parent folders are created.
        metrics: the metrics to draw, e.g. ``("accuracy", "loss")``.
            ``"accuracy"`` also matches a single ``*_accuracy`` key such as
            ``"binary_accuracy"``.
        title: a title above the subplots.

    Returns:
        The path of the PNG file.

    Example:

    ```python
    from keras_seqzoo.plots import plot_history
    plot_history({"LSTM": "runs/bilstm", "GRU": "runs/bigru"}, "curves.png")
    ```
    """
    Figure, FigureCanvasAgg = _matplotlib()
    if isinstance(metrics, str):
        metrics = (metrics,)
    if not metrics:
        raise ValueError(f"`metrics` must name at least one metric. Received: metrics={metrics!r}")
    data = _normalize_runs(runs)

    figure = Figure(figsize=(5.0 * len(metrics), 3.8), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, len(metrics), squeeze=False)[0]
    colors = [f"C{i % 10}" for i in range(len(data))]
    for ax, metric in zip(axes, metrics):
        drawn = False
        for color, (label, records) in zip(colors, data.items()):
            key = _resolve_key(records, metric)
            if key is None:
                continue
            for series_key, style, suffix in ((key, "-", "train"), ("val_" + key, "--", "val")):
                epochs, values = _series(records, series_key)
                if not values:
                    continue
                sparse = len(values) < len(records)
                ax.plot(epochs, values, linestyle=style, color=color,
                        marker="o" if sparse or len(values) == 1 else None, markersize=3,
                        label=f"{label} ({suffix})" if len(data) > 1 else suffix)
                drawn = True
        ax.set_title(metric)
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        if drawn:
            ax.legend(fontsize="small")
            ax.xaxis.get_major_locator().set_params(integer=True)
        else:
            ax.text(0.5, 0.5, f"no {metric!r} recorded", ha="center", va="center",
                    transform=ax.transAxes, color="gray")
    if title:
        figure.suptitle(title)
    return _save(figure, path)


def plot_epoch_times(
    times: Mapping[str, float],
    path: str | os.PathLike,
    *,
    title: str | None = None,
) -> Path:
    """Draws a bar chart of epoch times, with the value printed on each bar.

    Args:
        times: label -> seconds (e.g. the steady-state ``epoch_time`` of each
            model from ``EpochTimer.steady_state()``).
        path: the PNG file to write; parent folders are created.
        title: the chart title (default: "Time per epoch").

    Returns:
        The path of the PNG file.

    Example:

    ```python
    from keras_seqzoo.plots import plot_epoch_times
    plot_epoch_times({"LSTM": 41.2, "GRU": 35.8, "Conv1D": 6.1}, "epoch_times.png")
    ```
    """
    Figure, FigureCanvasAgg = _matplotlib()
    if not isinstance(times, Mapping) or not times:
        raise ValueError(
            f"`times` must be a non-empty dict label -> seconds. Received: times={times!r}"
        )
    labels, values = [], []
    for label, value in times.items():
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
            math.isfinite(value) and value >= 0
        ):
            raise ValueError(
                f"Each time must be a non-negative number of seconds. Received: "
                f"times[{label!r}]={value!r}"
            )
        labels.append(str(label))
        values.append(float(value))

    figure = Figure(figsize=(max(4.0, 1.1 * len(labels) + 2), 3.8), layout="constrained")
    FigureCanvasAgg(figure)
    ax = figure.subplots()
    bars = ax.bar(labels, values, color=[f"C{i % 10}" for i in range(len(labels))])
    ax.bar_label(bars, labels=[_seconds(v) for v in values], padding=2, fontsize="small")
    ax.set_ylabel("seconds per epoch")
    ax.set_ylim(0, max(values) * 1.15 or 1.0)
    ax.set_title(title or "Time per epoch")
    ax.grid(True, axis="y", alpha=0.3)
    if len(labels) > 4:
        ax.tick_params(axis="x", labelrotation=30)
    return _save(figure, path)


def _seconds(value: float) -> str:
    if value >= 100:
        return f"{value:.0f} s"
    if value >= 1:
        return f"{value:.1f} s"
    return f"{value * 1000:.0f} ms"


def _save(figure: Any, path: str | os.PathLike) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".png":
        raise ValueError(f"The plot is written as PNG; name a '.png' file. Received: path={path}")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=110)
    return path

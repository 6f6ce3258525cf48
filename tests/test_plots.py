"""Tests for keras_seqzoo.plots (no training: records are written by hand)."""

from __future__ import annotations

import json
import math

import pytest

pytest.importorskip("matplotlib")

from keras_seqzoo import plots  # noqa: E402

# Figures only: the same under every Keras backend (scripts/test.sh runs them under one).
pytestmark = pytest.mark.one_backend

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _records(n=4, offset=0.0, validation_every=1):
    records = []
    for epoch in range(n):
        record = {"epoch": epoch, "loss": 0.7 - 0.1 * epoch + offset,
                  "accuracy": 0.5 + 0.1 * epoch - offset}
        if (epoch + 1) % validation_every == 0:
            record["val_loss"] = 0.75 - 0.08 * epoch
            record["val_accuracy"] = 0.5 + 0.08 * epoch
        records.append(record)
    return records


def _write_run(directory, records):
    directory.mkdir(parents=True)
    with open(directory / "history.jsonl", "w") as f:
        for record in records:
            f.write(json.dumps(record) + "\n")
    return directory


def _is_png(path):
    return path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 1000


def _size(path):
    """(width, height) in pixels, from the PNG header."""
    header = path.read_bytes()[16:24]
    return int.from_bytes(header[:4], "big"), int.from_bytes(header[4:], "big")


class _Recorder:
    """Stands in for an Axes method: records the calls and still draws them."""

    def __init__(self, monkeypatch, name):
        from matplotlib.axes import Axes

        self.calls = []
        original = getattr(Axes, name)

        def record(ax, *args, **kwargs):
            self.calls.append((ax, args, kwargs))
            return original(ax, *args, **kwargs)

        monkeypatch.setattr(Axes, name, record)


def test_plot_one_run_directory(tmp_path):
    run = _write_run(tmp_path / "bilstm", _records())
    out = plots.plot_history(run, tmp_path / "out" / "curves.png", title="BiLSTM")
    assert out == tmp_path / "out" / "curves.png" and _is_png(out)


def test_plot_several_runs_overlaid(tmp_path):
    a = _write_run(tmp_path / "a", _records())
    b = _write_run(tmp_path / "b", _records(offset=0.05, validation_every=2))
    assert _is_png(plots.plot_history([a, b], tmp_path / "list.png"))
    out = plots.plot_history(
        {"LSTM": a, "GRU": _records(offset=0.02), "NaN run": [{"epoch": 0, "loss": math.nan}]},
        tmp_path / "dict.png",
        metrics=("accuracy", "loss", "auc"),  # "auc" is absent: drawn as an empty panel
    )
    assert _is_png(out)


def test_accuracy_matches_a_prefixed_key(tmp_path):
    records = [{"epoch": e, "binary_accuracy": 0.5 + e / 10, "loss": 1.0} for e in range(3)]
    assert plots._resolve_key(records, "accuracy") == "binary_accuracy"
    assert _is_png(plots.plot_history({"run": records}, tmp_path / "p.png"))


def test_plot_epoch_times(tmp_path):
    out = plots.plot_epoch_times({"LSTM": 41.2, "GRU": 35.8, "Conv1D": 0.25},
                                 tmp_path / "times.png", title="IMDB")
    assert _is_png(out)
    assert _size(out)[0] == 720  # shown at its natural size in the docs' column


def test_figures_fit_the_docs_column(tmp_path):
    out = plots.plot_history({"a": _records(), "b": _records(), "c": _records(),
                              "d": _records()}, tmp_path / "four.png", title="x" * 200)
    width, height = _size(out)
    assert width == 720 and height > 700  # a row per model: four rows


def test_small_multiples_one_panel_per_model_and_metric(tmp_path, monkeypatch):
    plot = _Recorder(monkeypatch, "plot")
    plots.plot_history({"A": _records(3), "B": _records(3, offset=0.1)}, tmp_path / "p.png")
    # 2 models x 2 metrics panels, each with a training and a validation line.
    panels = {id(ax) for ax, _, _ in plot.calls}
    assert len(panels) == 4 and len(plot.calls) == 8
    for _, (epochs, _values), _ in plot.calls:
        assert list(epochs) == [1, 2, 3]  # 1-based, as Keras prints "Epoch 1/3"
    # Two models: the slides' layout, a row per metric and a column per model.
    titles = [ax.get_title() for ax, _, _ in plot.calls]
    assert titles == ["A", "A", "A", "A", "B", "B", "B", "B"]


def test_preset_names_get_their_short_slide_labels(tmp_path, monkeypatch):
    assert plots._short_label("bilstm.imdb_words10k") == "T5 LSTM"
    assert plots._short_label("stacked_bilstm.imdb_subwords8k") == "T2 2-layer LSTM"
    assert plots._short_label("embedding_pooling.imdb_words10k") == "Without LSTM"
    # A preset not from the slides keeps its registered name.
    assert (plots._short_label("transformer_encoder.imdb_words10k")
            == "transformer_encoder.imdb_words10k")
    assert plots._short_label("my run") == "my run"
    assert plots._short_label("not.registered") == "not.registered"
    plot = _Recorder(monkeypatch, "plot")
    plots.plot_history({"bilstm.imdb_words10k": _records(2)}, tmp_path / "a.png")
    assert {ax.get_title() for ax, _, _ in plot.calls} == {"T5 LSTM"}
    plots.plot_history({"bilstm.imdb_words10k": _records(2)}, tmp_path / "b.png",
                       short_labels=False)
    assert plot.calls[-1][0].get_title() == "bilstm.imdb_words10k"


def test_seeds_are_drawn_as_mean_and_band(tmp_path, monkeypatch):
    plot = _Recorder(monkeypatch, "plot")
    band = _Recorder(monkeypatch, "fill_between")
    seeds = [_records(3, offset=o) for o in (0.0, 0.1, 0.2)]
    out = plots.plot_history({"LSTM": seeds, "GRU": _records(3)}, tmp_path / "seeds.png",
                             metrics=("loss",))
    assert _is_png(out)
    (ax, (epochs, mean), _), = [c for c in plot.calls if c[2]["linestyle"] == "-"
                                and c[0].get_title() == "LSTM"]
    assert list(epochs) == [1, 2, 3]
    assert mean == pytest.approx([0.8, 0.7, 0.6])  # the seeds' 0.7, 0.8, 0.9 at epoch 1
    lstm_bands = [c for c in band.calls if c[0].get_title() == "LSTM"]
    assert len(lstm_bands) == 2  # training and validation
    _, (epochs, low, high), _ = lstm_bands[0]
    assert low == pytest.approx([0.7, 0.6, 0.5]) and high == pytest.approx([0.9, 0.8, 0.7])
    assert not [c for c in band.calls if c[0].get_title() == "GRU"]  # one history: no band


def test_seconds_per_seed_and_reference_ratios(tmp_path, monkeypatch):
    bars = _Recorder(monkeypatch, "barh")
    out = plots.plot_epoch_times(
        {"LSTM": [30.0, 40.0, 35.0], "CNN": 5.0},
        tmp_path / "times.png",
        reference_seconds={"LSTM": 43, "CNN": 6, "GRU": 20},
        reference_label="slides",
    )
    assert _is_png(out)
    measured, ours, theirs = bars.calls
    assert list(measured[1][1]) == [35.0, 5.0, 0.0]  # medians; GRU not measured
    assert measured[2]["xerr"] == [[5.0, 0.0, 0.0], [5.0, 0.0, 0.0]]  # min-max range
    assert list(ours[1][1]) == pytest.approx([7.0, 1.0, 0.0])  # x the fastest (CNN)
    assert list(theirs[1][1]) == pytest.approx([43 / 6, 1.0, 20 / 6])
    texts = [t.get_text() for t in measured[0].texts]
    assert texts == ["35.0 s  (7.0x)", "5.0 s  (1.0x)", "not measured"]


def test_accuracy_against_seconds_per_model(tmp_path, monkeypatch):
    points = _Recorder(monkeypatch, "errorbar")
    out = plots.plot_accuracy_vs_time(
        {"bilstm.imdb_words10k": {"seconds": [10.0, 12.0, 14.0], "accuracy": [0.82, 0.83, 0.84]},
         "fastText": {"seconds": 1.5, "accuracy": 0.85}},
        tmp_path / "cost.png", title="C5")
    assert _is_png(out) and _size(out)[0] == 720
    (ax, (x, y), kwargs), (_, (x2, y2), kwargs2) = points.calls
    assert (x, y) == pytest.approx((12.0, 0.83))  # the seeds' mean
    # bars from the lowest to the highest seed
    assert [v for (v,) in kwargs["xerr"]] == pytest.approx([2.0, 2.0])
    assert [v for (v,) in kwargs["yerr"]] == pytest.approx([0.01, 0.01])
    assert (x2, y2) == (1.5, 0.85) and kwargs2["xerr"] == [[0.0], [0.0]]
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["T5 LSTM", "fastText"]


def test_accuracy_against_seconds_labels_every_tick_in_seconds(tmp_path, monkeypatch):
    # C1's range (113 s and 197 s) is less than a decade: matplotlib alone labelled its
    # minor tick "2 x 10^2" beside a major "100 s".
    points = _Recorder(monkeypatch, "errorbar")
    plots.plot_accuracy_vs_time({"T1": {"seconds": 112.6, "accuracy": 0.832},
                                 "T2": {"seconds": 196.8, "accuracy": 0.859}},
                                tmp_path / "c1.png")
    ax = points.calls[0][0]
    low, high = ax.get_xlim()
    labels = {t.get_text() for minor in (False, True)
              for t, v in zip(ax.xaxis.get_ticklabels(minor=minor),
                              ax.xaxis.get_ticklocs(minor=minor)) if low <= v <= high}
    assert labels == {"100 s", "200 s"}


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda p: plots.plot_history({}, p), ValueError, "empty"),
        (lambda p: plots.plot_history(42, p), TypeError, "runs=42"),
        (lambda p: plots.plot_history({"x": 3}, p), TypeError, "Received: 3"),
        (lambda p: plots.plot_history({"x": _records()}, p, metrics=()), ValueError, "metrics"),
        (lambda p: plots.plot_history({"x": _records()}, p.with_suffix(".jpg")), ValueError,
         "png"),
        (lambda p: plots.plot_epoch_times({}, p), ValueError, "non-empty"),
        (lambda p: plots.plot_epoch_times({"a": -1.0}, p), ValueError, r"times\['a'\]=-1.0"),
        (lambda p: plots.plot_epoch_times({"a": []}, p), ValueError, r"times\['a'\]=\[\]"),
        (lambda p: plots.plot_epoch_times({"a": [1.0, "x"]}, p), ValueError, "one per seed"),
        (lambda p: plots.plot_epoch_times({"a": 1.0}, p, reference_seconds={"a": 0}),
         ValueError, r"reference_seconds\['a'\]=0"),
        (lambda p: plots.plot_epoch_times({"a": 1.0}, p, reference_seconds={}), ValueError,
         "reference_seconds"),
        (lambda p: plots.plot_history({"x": [_records(), 3]}, p), TypeError, "one per seed"),
        (lambda p: plots.plot_accuracy_vs_time({}, p), ValueError, "non-empty"),
        (lambda p: plots.plot_accuracy_vs_time({"a": {"seconds": 1.0}}, p), ValueError,
         "'seconds' and 'accuracy'"),
        (lambda p: plots.plot_accuracy_vs_time({"a": {"seconds": 0, "accuracy": 0.5}}, p),
         ValueError, r"results\['a'\]\['seconds'\]=0"),
        (lambda p: plots.plot_accuracy_vs_time({"a": {"seconds": 1, "accuracy": [0.5, None]}},
                                               p), ValueError, r"\['accuracy'\]=\[0.5, None\]"),
    ],
)
def test_clear_errors(tmp_path, call, error, match):
    with pytest.raises(error, match=match):
        call(tmp_path / "x.png")


def test_missing_directory_is_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="history.jsonl is missing"):
        plots.plot_history(tmp_path, tmp_path / "x.png")


@pytest.mark.parametrize(("low", "high", "labelled"), [
    (5.0, 3000.0, [10.0, 100.0, 1000.0]),  # 2.8 decades: powers of ten only
    (20.0, 150.0, [20.0, 50.0, 100.0]),  # under a decade: 1, 2 and 5 times them
])
def test_log_seconds_axis_labels_do_not_run_into_each_other(low, high, labelled):
    """The expected-best figure's seconds panel is half a figure wide: over more than two
    decades, labels at 1, 2 and 5 x 10^k ran together ("500 s1000 s2000 s")."""
    from matplotlib.figure import Figure

    from keras_seqzoo.plots import _log_seconds_axis

    ax = Figure().subplots()
    ax.plot([low, high], [0.0, 1.0])
    _log_seconds_axis(ax)
    ticks = ax.xaxis.get_major_locator().tick_values(low, high)
    assert [t for t in ticks if low <= t <= high] == labelled

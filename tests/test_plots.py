"""Tests for keras_seqzoo.plots (no training: records are written by hand)."""

from __future__ import annotations

import json
import math

import pytest

pytest.importorskip("matplotlib")

from keras_seqzoo import plots  # noqa: E402

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
    ],
)
def test_clear_errors(tmp_path, call, error, match):
    with pytest.raises(error, match=match):
        call(tmp_path / "x.png")


def test_missing_directory_is_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="history.jsonl is missing"):
        plots.plot_history(tmp_path, tmp_path / "x.png")

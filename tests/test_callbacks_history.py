"""Tests for keras_seqzoo.callbacks.HistoryExporter, read_history and read_run.

Run under each backend: ``KERAS_BACKEND=jax python -m pytest tests/test_callbacks_history.py``.
"""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_seqzoo as zoo
from keras_seqzoo.callbacks import EpochTimer, HistoryExporter, read_history, read_run
from keras_seqzoo.callbacks import history as history_module

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _model(steps_per_execution: int = 1):
    model = zoo.build(
        "embedding_pooling", vocab_size=50, max_length=8, embedding_dim=4, dense_units=2
    )
    zoo.compile_model(model, steps_per_execution=steps_per_execution)
    return model


def _data(n: int = 32):
    rng = np.random.default_rng(0)
    return rng.integers(0, 50, (n, 8)), rng.integers(0, 2, (n,)).astype("float32")


def _fit(model, callbacks, **kwargs):
    x, y = _data()
    kwargs.setdefault("epochs", 2)
    return model.fit(x, y, batch_size=8, verbose=0, callbacks=callbacks, **kwargs)


class _SetLogs(keras.callbacks.Callback):
    """Adds ``values[epoch]`` to the epoch logs (place it before the exporter)."""

    def __init__(self, values):
        super().__init__()
        self.values = values
        self.epoch = 0

    def on_epoch_end(self, epoch, logs=None):
        logs.update(self.values.get(epoch, {}))


class _RaiseAt(keras.callbacks.Callback):
    def __init__(self, epoch, error=RuntimeError("boom")):
        super().__init__()
        self.epoch, self.error = epoch, error

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise self.error


def _epochs(directory):
    return [r["epoch"] for r in read_history(directory)]


def _jsonl_lines(directory):
    return (Path(directory) / "history.jsonl").read_text().splitlines()


# -- files and metadata ----------------------------------------------------------


def test_writes_every_file_with_metadata(tmp_path):
    model = _model()
    exporter = HistoryExporter(tmp_path / "run", metadata={"experiment": "T5"}, batch_size=8)
    _fit(model, [EpochTimer(verbose=0), exporter], epochs=3, validation_split=0.25)
    run_dir = tmp_path / "run"

    assert len(_jsonl_lines(run_dir)) == 3
    records = read_history(run_dir)
    assert [r["epoch"] for r in records] == [0, 1, 2]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "epoch_time"} <= set(records[0])
    assert records[2]["loss"] == pytest.approx(model.history.history["loss"][2])

    with open(run_dir / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    assert float(rows[1]["val_loss"]) == records[1]["val_loss"]  # full precision
    assert b"\r" not in (run_dir / "history.csv").read_bytes()
    assert json.loads((run_dir / "history.json").read_text())[2]["epoch"] == 2

    run = read_run(run_dir)
    assert run["status"] == "finished"
    assert run["epochs_completed"] == 3
    assert run["model"]["builder"] == "embedding_pooling"
    assert run["model"]["arguments"]["vocab_size"] == 50
    assert run["model"]["params"] == model.count_params()
    assert run["batch_size"] == 8 and run["sequence_length"] == 8
    assert run["backend"] == keras.backend.backend()
    assert run["keras_version"] == keras.__version__
    assert run["seed"] == 1234  # set by tests/conftest.py
    assert run["metadata"] == {"experiment": "T5"}
    for key in ("started_at", "finished_at", "backend_version", "device", "python", "platform"):
        assert run[key], key
    assert not list(run_dir.glob(".*"))  # no temporary file left behind


def test_late_keys_become_columns_and_missing_values_are_empty(tmp_path):
    model = _model()
    extra = _SetLogs({2: {"learning_rate": 0.5}, 3: {"learning_rate": 0.25}})
    _fit(model, [extra, HistoryExporter(tmp_path)], epochs=4, validation_split=0.25,
         validation_freq=2)

    records = read_history(tmp_path)
    assert [r["val_loss"] is None for r in records] == [True, False, True, False]
    assert [r["learning_rate"] for r in records] == [None, None, 0.5, 0.25]
    assert all(set(r) == set(records[0]) for r in records)  # every record has every column

    with open(tmp_path / "history.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["learning_rate"] for r in rows] == ["", "", "0.5", "0.25"]
    assert [r["val_loss"] == "" for r in rows] == [True, False, True, False]
    as_json = json.loads((tmp_path / "history.json").read_text())
    assert as_json[0]["learning_rate"] is None and as_json[0]["val_loss"] is None

    frame = read_history(tmp_path, as_frame=True)
    assert list(frame["epoch"]) == [0, 1, 2, 3]
    assert math.isnan(frame["learning_rate"][0]) and frame["learning_rate"][2] == 0.5


def test_rows_appended_in_place_match_a_full_rewrite(tmp_path):
    # Epochs that only add a row are appended in place; columns appearing later
    # force an atomic rewrite. Either way the files equal a rewrite from scratch.
    extra = _SetLogs({3: {"learning_rate": 0.5}, 6: {"learning_rate": 0.125}})
    _fit(_model(), [extra, HistoryExporter(tmp_path)], epochs=8)
    records = [json.loads(line) for line in _jsonl_lines(tmp_path)]
    columns = history_module._columns(records)
    assert (tmp_path / "history.csv").read_text() == history_module._render_csv(records, columns)
    assert (tmp_path / "history.json").read_text() == history_module._render_json(records, columns)
    assert [r["learning_rate"] for r in json.loads((tmp_path / "history.json").read_text())] == [
        None, None, None, 0.5, None, None, 0.125, None]


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE needs a POSIX system")
def test_a_full_disk_during_an_append_loses_no_epoch(tmp_path):
    # A real failed write: a file-size limit that history.jsonl and history.csv stay
    # under but history.json crosses halfway through its new row (a short write,
    # then EFBIG). 50 keys logged only in epoch 0 make every JSON row long
    # (null-filled columns) while the jsonl lines and CSV rows stay short.
    import resource
    import signal

    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)

    class _LimitFileSize(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 3:
                sizes = {n: (tmp_path / n).stat().st_size
                         for n in ("history.jsonl", "history.csv", "history.json")}
                limit = sizes["history.json"] + 20
                assert limit > 2 * max(sizes["history.jsonl"], sizes["history.csv"]), sizes
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))

    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    wide = _SetLogs({0: {f"extra_metric_{i}": 1.0 for i in range(50)}})
    try:
        with pytest.raises(OSError):
            _fit(_model(), [wide, _LimitFileSize(), HistoryExporter(tmp_path)], epochs=6)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)

    # history.json is back to its previous content; nothing was lost elsewhere.
    assert [r["epoch"] for r in json.loads((tmp_path / "history.json").read_text())] == [0, 1, 2]
    with open(tmp_path / "history.csv", newline="") as f:
        assert [int(r["epoch"]) for r in csv.DictReader(f)] == [0, 1, 2, 3]
    assert _epochs(tmp_path) == [0, 1, 2, 3]  # history.jsonl, the source of truth
    # Resuming rebuilds the derived files from history.jsonl.
    _fit(_model(), [HistoryExporter(tmp_path, resume=True)], epochs=5, initial_epoch=4)
    assert [r["epoch"] for r in json.loads((tmp_path / "history.json").read_text())] == [
        0, 1, 2, 3, 4]


def test_nan_inf_and_arrays_round_trip(tmp_path):
    values = {
        0: {"a": float("nan"), "b": float("inf"), "c": float("-inf"),
            "per_class": np.array([0.5, float("nan")]), "flag": True, "note": "x"},
        1: {"a": 1.5, "b": np.float32(2.0), "c": 3, "per_class": [[1, 2], [3, 4]]},
    }
    model = _model()
    _fit(model, [_SetLogs(values), HistoryExporter(tmp_path)])

    first, second = read_history(tmp_path)
    assert math.isnan(first["a"]) and first["b"] == math.inf and first["c"] == -math.inf
    assert first["per_class"][0] == 0.5 and math.isnan(first["per_class"][1])
    assert first["flag"] is True and first["note"] == "x"
    assert second["b"] == 2.0 and second["c"] == 3 and second["per_class"] == [[1, 2], [3, 4]]

    # The JSON files stay strict JSON (no bare NaN), the CSV spells them out.
    for name in ("history.jsonl", "history.json"):
        text = (tmp_path / name).read_text()
        assert "NaN" in text and "Infinity" in text
        json.loads(text.splitlines()[0] if name.endswith("l") else text,
                   parse_constant=lambda c: pytest.fail(f"bare {c} in {name}"))
    rows = list(csv.DictReader(open(tmp_path / "history.csv", newline="")))
    assert (rows[0]["a"], rows[0]["b"], rows[0]["c"]) == ("nan", "inf", "-inf")
    assert json.loads(rows[1]["per_class"]) == [[1, 2], [3, 4]]

    pandas = pytest.importorskip("pandas")
    frame = pandas.read_csv(tmp_path / "history.csv")
    assert math.isnan(frame["a"][0]) and frame["b"][0] == math.inf


def test_non_scalar_values_are_refused_clearly(tmp_path):
    with pytest.raises(TypeError, match=r"logs\['weird'\]=.*Convert it"):
        history_module._encode_value(object(), "weird")
    with pytest.raises(TypeError, match="dict"):
        history_module._encode_value({"a": 1}, "nested")
    model = _model()
    with pytest.raises(TypeError, match="HistoryExporter can record"):
        _fit(model, [_SetLogs({0: {"weird": object()}}), HistoryExporter(tmp_path)])
    assert not (tmp_path / "history.jsonl").exists()  # nothing half-written
    assert read_run(tmp_path)["status"] == "running"  # no context manager: see the docs


# -- resume policy ----------------------------------------------------------------


def test_existing_run_is_refused_then_overwritten_only_on_request(tmp_path):
    model = _model()
    _fit(model, [HistoryExporter(tmp_path)])
    before = (tmp_path / "history.jsonl").read_bytes()

    with pytest.raises(FileExistsError, match="resume=True.*overwrite=True"):
        _fit(model, [HistoryExporter(tmp_path)])
    assert (tmp_path / "history.jsonl").read_bytes() == before  # the old run is intact

    with pytest.raises(ValueError, match="only one"):
        HistoryExporter(tmp_path, resume=True, overwrite=True)

    _fit(model, [HistoryExporter(tmp_path, overwrite=True)], epochs=1)
    assert _epochs(tmp_path) == [0]
    assert len(read_run(tmp_path)["fits"]) == 1


def test_second_fit_with_the_same_exporter_continues_without_duplicates(tmp_path):
    model = _model()
    exporter = HistoryExporter(tmp_path)
    _fit(model, [exporter], epochs=2)
    _fit(model, [exporter], epochs=2)  # Keras numbers these epochs 0, 1 again
    assert _epochs(tmp_path) == [0, 1, 2, 3]
    _fit(model, [exporter], epochs=6, initial_epoch=4)  # explicit numbering is kept
    assert _epochs(tmp_path) == [0, 1, 2, 3, 4, 5]
    run = read_run(tmp_path)
    assert run["status"] == "finished" and run["epochs_completed"] == 6
    assert [f["first_epoch"] for f in run["fits"]] == [0, 2, 4]

    with pytest.raises(ValueError, match="another model"):
        _fit(_model(), [exporter])


def test_resume_with_initial_epoch_appends_and_last_record_wins(tmp_path):
    model = _model()
    _fit(model, [HistoryExporter(tmp_path)], epochs=4)
    old = read_history(tmp_path)

    # Resume from epoch 2 (say, an older checkpoint): epochs 2 and 3 are redone.
    _fit(model, [HistoryExporter(tmp_path, resume=True)], epochs=4, initial_epoch=2)
    records = read_history(tmp_path)
    assert [r["epoch"] for r in records] == [0, 1, 2, 3]
    assert records[1]["loss"] == old[1]["loss"]
    assert records[3]["loss"] != old[3]["loss"]  # the new record replaced the old one
    assert len(_jsonl_lines(tmp_path)) == 6  # the source of truth keeps both
    header = (tmp_path / "history.csv").read_text().splitlines()[0]
    assert header.split(",")[0] == "epoch" and header.count("loss") == 1

    # A resume that stops earlier drops the abandoned later epochs too.
    _fit(model, [HistoryExporter(tmp_path, resume=True)], epochs=2, initial_epoch=1)
    assert _epochs(tmp_path) == [0, 1]
    assert len(read_run(tmp_path)["fits"]) == 3


def test_resume_after_a_crash_with_backup_and_restore(tmp_path):
    backup = tmp_path / "backup"
    run_dir = tmp_path / "run"
    exporter = HistoryExporter(run_dir)
    with pytest.raises(RuntimeError, match="boom"):
        with exporter:
            _fit(_model(), [keras.callbacks.BackupAndRestore(backup), exporter, _RaiseAt(2)],
                 epochs=4)
    run = read_run(run_dir)
    assert run["status"] == "failed" and "boom" in run["error"]
    assert _epochs(run_dir) == [0, 1]

    # A new process would build a fresh model and exporter; BackupAndRestore
    # restores the weights and starts at epoch 2.
    exporter = HistoryExporter(run_dir, resume=True)
    with exporter:
        _fit(_model(), [keras.callbacks.BackupAndRestore(backup), exporter], epochs=4)
    assert _epochs(run_dir) == [0, 1, 2, 3]
    assert len(_jsonl_lines(run_dir)) == 4  # nothing duplicated
    run = read_run(run_dir)
    assert run["status"] == "finished" and run["error"] is None
    assert [f["status"] for f in run["fits"]] == ["failed", "finished"]


def test_resume_repairs_a_partial_last_line(tmp_path):
    model = _model()
    _fit(model, [HistoryExporter(tmp_path)], epochs=2)
    with open(tmp_path / "history.jsonl", "a") as f:
        f.write('{"epoch": 2, "loss": 0.6')  # a write cut short by a kill
    assert _epochs(tmp_path) == [0, 1]
    _fit(model, [HistoryExporter(tmp_path, resume=True)], epochs=3, initial_epoch=2)
    assert _epochs(tmp_path) == [0, 1, 2]
    for line in _jsonl_lines(tmp_path):
        json.loads(line)


# -- failure status ----------------------------------------------------------------


def test_status_interrupted_and_failed(tmp_path):
    exporter = HistoryExporter(tmp_path / "a")
    with pytest.raises(KeyboardInterrupt):
        with exporter:
            _fit(_model(), [exporter, _RaiseAt(1, KeyboardInterrupt())], epochs=3)
    run = read_run(tmp_path / "a")
    assert run["status"] == "interrupted" and run["epochs_completed"] == 1

    # Without the context manager the status stays "running" until the process
    # exits (the atexit hook, called here by hand) or the exporter fits again.
    exporter = HistoryExporter(tmp_path / "b")
    with pytest.raises(RuntimeError):
        _fit(_model(), [exporter, _RaiseAt(1)], epochs=3)
    assert read_run(tmp_path / "b")["status"] == "running"
    exporter._at_exit()
    run = read_run(tmp_path / "b")
    assert run["status"] == "failed" and "exited" in run["error"]
    exporter._at_exit()  # idempotent
    assert read_run(tmp_path / "b")["finished_at"] == run["finished_at"]


def _run_helper(directory, epoch, mode):
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run(
        [sys.executable, str(HERE / "_kill_during_fit.py"), str(directory), str(epoch), mode],
        env=env, capture_output=True, text=True, timeout=120,
    )


def test_sigkill_mid_epoch_leaves_parseable_files(tmp_path):
    if not hasattr(os, "kill") or sys.platform == "win32":
        pytest.skip("SIGKILL needs a POSIX system")
    result = _run_helper(tmp_path, 2, "kill")
    assert result.returncode == -9, result.stderr[-2000:]

    assert _epochs(tmp_path) == [0, 1]
    assert [json.loads(line)["epoch"] for line in _jsonl_lines(tmp_path)] == [0, 1]
    with open(tmp_path / "history.csv", newline="") as f:
        assert [int(r["epoch"]) for r in csv.DictReader(f)] == [0, 1]
    assert [r["epoch"] for r in json.loads((tmp_path / "history.json").read_text())] == [0, 1]
    run = read_run(tmp_path)
    assert run["status"] == "running" and run["epochs_completed"] == 2
    assert run["pid"] != os.getpid()
    assert "epoch_time" in read_history(tmp_path)[0]

    # The killed run can be resumed; the dead attempt is recorded as failed.
    _fit(_model(), [HistoryExporter(tmp_path, resume=True)], epochs=3, initial_epoch=2)
    assert _epochs(tmp_path) == [0, 1, 2]
    assert [f["status"] for f in read_run(tmp_path)["fits"]] == ["failed", "finished"]


# -- multi-process -------------------------------------------------------------------


def test_only_process_zero_writes(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(history_module, "_process_index", lambda: 1)
    timer = EpochTimer(verbose=True)
    with HistoryExporter(tmp_path / "run") as exporter:
        _fit(_model(), [timer, exporter])
    assert not (tmp_path / "run").exists()
    assert len(timer.records) == 2  # timing still happens, for every process
    assert "EpochTimer:" not in capsys.readouterr().out  # the summary is process 0's


@pytest.mark.parametrize(
    "backend, env, expected",
    [
        ("tensorflow", {"TF_CONFIG": '{"cluster": {"worker": ["a", "b"]}, '
                                     '"task": {"type": "worker", "index": 0}}'}, 0),
        ("tensorflow", {"TF_CONFIG": '{"cluster": {"worker": ["a", "b"]}, '
                                     '"task": {"type": "worker", "index": 1}}'}, 1),
        ("tensorflow", {"TF_CONFIG": '{"cluster": {"chief": ["c"], "worker": ["a"]}, '
                                     '"task": {"type": "worker", "index": 0}}'}, 1),
        ("tensorflow", {"TF_CONFIG": '{"cluster": {"chief": ["c"]}, '
                                     '"task": {"type": "chief", "index": 0}}'}, 0),
        ("tensorflow", {"TF_CONFIG": '{"task": {"type": "evaluator", "index": 0}}'}, -1),
        ("torch", {"RANK": "3"}, 3),
        ("torch", {"LOCAL_RANK": "2"}, 2),
        ("torch", {}, 0),
    ],
)
def test_process_index(monkeypatch, backend, env, expected):
    for name in ("TF_CONFIG", "RANK", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(keras.backend, "backend", lambda: backend)
    assert history_module._process_index() == expected


# -- readers and import ------------------------------------------------------------


def test_readers_explain_a_missing_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="history.jsonl is missing"):
        read_history(tmp_path)
    with pytest.raises(FileNotFoundError, match="run.json is missing"):
        read_run(tmp_path)


def test_corrupted_middle_line_is_reported(tmp_path):
    (tmp_path / "history.jsonl").write_text('{"epoch": 0}\nnot json\n{"epoch": 1}\n')
    with pytest.raises(ValueError, match="line 2"):
        read_history(tmp_path)


@pytest.mark.one_backend
def test_import_does_not_load_tensorflow_on_other_backends():
    # pandas and matplotlib may come with Keras' own imports; we add none of them.
    code = (
        "import sys, keras; before = set(sys.modules); "
        "import keras_seqzoo.callbacks, keras_seqzoo.plots; "
        "new = set(sys.modules) - before; "
        "print(sorted(m for m in new if m.split('.')[0] in ('tensorflow', 'pandas', 'matplotlib'))"
        " + (['tensorflow'] if 'tensorflow' in sys.modules else []))"
    )
    env = dict(os.environ, KERAS_BACKEND="jax", PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "[]"

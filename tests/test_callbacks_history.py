"""Tests for keras_seqzoo.callbacks.HistoryExporter, read_history and read_run.

Run under each backend: ``KERAS_BACKEND=jax python -m pytest tests/test_callbacks_history.py``.
Shared helpers (tiny_model, fit_tiny, set_logs, ...) are fixtures in tests/conftest.py.
"""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from unittest import mock

import keras
import numpy as np
import pytest

from keras_seqzoo.callbacks import EpochTimer, HistoryExporter, read_history, read_run
from keras_seqzoo.callbacks import _runtime
from keras_seqzoo.callbacks import history_files as files

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@pytest.fixture
def model(tiny_model):
    return tiny_model(registered=True)


def _epochs(directory):
    return [r["epoch"] for r in read_history(directory)]


def _jsonl_lines(directory):
    return (Path(directory) / "history.jsonl").read_text().splitlines()


def _file_epochs(directory):
    """The epochs in history.jsonl (via read_history), history.csv and history.json."""
    directory = Path(directory)
    with open(directory / "history.csv", newline="") as f:
        in_csv = [int(r["epoch"]) for r in csv.DictReader(f)]
    in_json = [r["epoch"] for r in json.loads((directory / "history.json").read_text())]
    return _epochs(directory), in_csv, in_json


def _snapshot(directory):
    return {p.name: p.read_bytes() for p in sorted(Path(directory).iterdir()) if p.is_file()}


# -- files and metadata ----------------------------------------------------------


def test_writes_every_file_with_metadata(tmp_path, model, fit_tiny):
    exporter = HistoryExporter(tmp_path / "run", metadata={"experiment": "T5", "seed": 7},
                               batch_size=8)
    fit_tiny(model, [EpochTimer(verbose=0), exporter], epochs=3, validation_split=0.25)
    run_dir = tmp_path / "run"

    assert len(_jsonl_lines(run_dir)) == 3
    records = read_history(run_dir)
    assert [r["epoch"] for r in records] == [0, 1, 2]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "epoch_time", "warmup"} <= set(
        records[0])
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
    assert run["seed"] == 7  # from the metadata (Keras has no public getter of its seed)
    assert run["metadata"] == {"experiment": "T5", "seed": 7}
    assert run["process_index"] == 0
    for key in ("started_at", "finished_at", "backend_version", "device", "python", "platform"):
        assert run[key], key
    assert not list(run_dir.glob(".*"))  # no temporary file left behind


def test_run_json_names_no_host_process_or_path(tmp_path, model, fit_tiny):
    import platform
    import socket

    run_dir = tmp_path / "run"
    fit_tiny(model, [HistoryExporter(run_dir)], epochs=1)
    text = (run_dir / "run.json").read_text()
    run = json.loads(text)
    assert "hostname" not in run and "pid" not in run
    assert socket.gethostname() not in text
    assert platform.node() not in text
    assert str(tmp_path) not in text and os.getcwd() not in text
    assert str(Path.home()) not in text
    assert f'"{os.getpid()}"' not in text and f": {os.getpid()}," not in text


def test_late_keys_become_columns_and_missing_values_are_empty(
        tmp_path, model, fit_tiny, set_logs):
    extra = set_logs({2: {"learning_rate": 0.5}, 3: {"learning_rate": 0.25}})
    fit_tiny(model, [extra, HistoryExporter(tmp_path)], epochs=4, validation_split=0.25,
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


def test_rows_appended_in_place_match_a_full_rewrite(tmp_path, model, fit_tiny, set_logs):
    # Epochs that only add a row are appended in place; columns appearing later
    # force an atomic rewrite. Either way the files equal a rewrite from scratch.
    extra = set_logs({3: {"learning_rate": 0.5}, 6: {"learning_rate": 0.125}})
    fit_tiny(model, [extra, HistoryExporter(tmp_path)], epochs=8)
    records = [json.loads(line) for line in _jsonl_lines(tmp_path)]
    columns = files.columns_of(records)
    assert (tmp_path / "history.csv").read_text() == files.render_csv(records, columns)
    assert (tmp_path / "history.json").read_text() == files.render_json(records, columns)
    assert [r["learning_rate"] for r in json.loads((tmp_path / "history.json").read_text())] == [
        None, None, None, 0.5, None, None, 0.125, None]


@pytest.mark.parametrize("damage", ["delete", "truncate", "append"])
def test_derived_files_deleted_or_damaged_mid_run_are_rebuilt(
        tmp_path, model, fit_tiny, damage):
    class _Damage(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                for name in ("history.csv", "history.json"):
                    path = tmp_path / name
                    if damage == "delete":
                        path.unlink()
                    elif damage == "truncate":
                        path.write_bytes(path.read_bytes()[:-7])
                    else:
                        path.write_bytes(path.read_bytes() + b"garbage\n")

    fit_tiny(model, [_Damage(), HistoryExporter(tmp_path)], epochs=4)
    jsonl, in_csv, in_json = _file_epochs(tmp_path)
    assert jsonl == in_csv == in_json == [0, 1, 2, 3]
    records = [json.loads(line) for line in _jsonl_lines(tmp_path)]
    columns = files.columns_of(records)
    assert (tmp_path / "history.csv").read_text() == files.render_csv(records, columns)
    assert (tmp_path / "history.json").read_text() == files.render_json(records, columns)


_FULL_DISK_SCRIPT = textwrap.dedent(
    """
    import csv, json, resource, signal, sys
    from pathlib import Path
    import keras, numpy as np
    from keras_seqzoo.callbacks import EpochTimer, HistoryExporter

    root = Path(sys.argv[1])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit: EFBIG, no kill
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    names = ("history.jsonl", "history.csv", "history.json", "run.json")

    class Limit(keras.callbacks.Callback):
        # Just before the exporter writes epoch 3, cap the size of any file
        # written at `limit(sizes)` bytes, where sizes are the current sizes.
        def __init__(self, directory, limit):
            super().__init__()
            self.directory, self.limit = directory, limit

        def on_epoch_end(self, epoch, logs=None):
            if epoch == 3:
                sizes = {n: (self.directory / n).stat().st_size for n in names}
                resource.setrlimit(resource.RLIMIT_FSIZE, (self.limit(sizes), hard))

    x = np.random.default_rng(0).integers(0, 50, (32, 8))
    y = np.random.default_rng(1).integers(0, 2, (32,)).astype("float32")
    limits = {
        "jsonl": lambda s: s["history.jsonl"] + 5,
        "csv": lambda s: s["history.csv"] + 5,
        "json": lambda s: s["history.json"] + 5,
        "run": lambda s: max(s["history.json"], s["history.csv"], s["history.jsonl"]) + 400,
        "zero": lambda s: 1,
    }
    outcome = {}
    for label, limit in limits.items():
        directory = root / label
        inputs = keras.Input((8,), dtype="int32")
        h = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(50, 4)(inputs))
        model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(h))
        model.compile(optimizer="adam", loss="binary_crossentropy")
        # 40 extra keys in epoch 0 only: JSON rows are long, jsonl lines short.
        wide = keras.callbacks.LambdaCallback(on_epoch_end=lambda e, logs: logs.update(
            {f"extra_{i}": 1.0 for i in range(40)} if e == 0 else {}))
        exporter = HistoryExporter(directory)
        try:
            with exporter:
                model.fit(x, y, batch_size=8, epochs=6, verbose=0, callbacks=[
                    wide, EpochTimer(verbose=0), Limit(directory, limit), exporter])
            outcome[label] = "no error"
        except OSError as error:
            outcome[label] = type(error).__name__
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    print(json.dumps(outcome))
    """
)


@pytest.mark.one_backend
@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE needs a POSIX system")
def test_a_full_disk_leaves_every_file_parseable_and_consistent(tmp_path, fit_tiny, tiny_model):
    # A real failed write: RLIMIT_FSIZE in a subprocess, crossed by each file in turn.
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="3")
    result = subprocess.run([sys.executable, "-c", _FULL_DISK_SCRIPT, str(tmp_path)], env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(outcome) == {"jsonl", "csv", "json", "run", "zero"}
    assert all(value == "OSError" for value in outcome.values()), outcome
    for label in outcome:
        directory = tmp_path / label
        jsonl, in_csv, in_json = _file_epochs(directory)  # every file parses
        assert jsonl == in_csv == in_json == [0, 1, 2], (label, jsonl, in_csv, in_json)
        assert [json.loads(line)["epoch"] for line in _jsonl_lines(directory)] == [0, 1, 2]
        run = read_run(directory)
        assert run["epochs_completed"] == 3 and run["last_epoch"] == 2, label
        assert not list(directory.glob(".*")), label  # no temporary file left behind
        # Resuming continues from the last epoch every file agrees on.
        fit_tiny(tiny_model(), [HistoryExporter(directory, resume=True)], epochs=5,
                 initial_epoch=3)
        assert _file_epochs(directory) == ([0, 1, 2, 3, 4],) * 3, label


def test_nan_inf_strings_and_arrays_round_trip(tmp_path, model, fit_tiny, set_logs):
    values = {
        0: {"a": float("nan"), "b": float("inf"), "c": float("-inf"),
            "per_class": np.array([0.5, float("nan")]), "flag": True, "note": "x",
            "label": "NaN", "label2": "-Infinity"},
        1: {"a": 1.5, "b": np.float32(2.0), "c": 3, "per_class": [[1, 2], [3, 4]],
            "label": "Infinity", "label2": "string"},
    }
    fit_tiny(model, [set_logs(values), HistoryExporter(tmp_path)])

    first, second = read_history(tmp_path)
    assert math.isnan(first["a"]) and first["b"] == math.inf and first["c"] == -math.inf
    assert first["per_class"][0] == 0.5 and math.isnan(first["per_class"][1])
    assert first["flag"] is True and first["note"] == "x"
    assert second["b"] == 2.0 and second["c"] == 3 and second["per_class"] == [[1, 2], [3, 4]]
    # Strings spelled like the float tokens stay strings.
    assert first["label"] == "NaN" and isinstance(first["label"], str)
    assert first["label2"] == "-Infinity" and second["label"] == "Infinity"
    assert second["label2"] == "string"

    # The JSON files stay strict JSON (no bare NaN), the CSV spells them out.
    for name in ("history.jsonl", "history.json"):
        text = (tmp_path / name).read_text()
        assert "NaN" in text and "Infinity" in text
        json.loads(text.splitlines()[0] if name.endswith("l") else text,
                   parse_constant=lambda c: pytest.fail(f"bare {c} in {name}"))
    rows = list(csv.DictReader(open(tmp_path / "history.csv", newline="")))
    assert (rows[0]["a"], rows[0]["b"], rows[0]["c"]) == ("nan", "inf", "-inf")
    assert rows[0]["label"] == "NaN"
    assert json.loads(rows[1]["per_class"]) == [[1, 2], [3, 4]]

    pandas = pytest.importorskip("pandas")
    frame = pandas.read_csv(tmp_path / "history.csv")
    assert math.isnan(frame["a"][0]) and frame["b"][0] == math.inf


def test_non_scalar_values_are_refused_clearly(tmp_path, model, fit_tiny, set_logs):
    with pytest.raises(TypeError, match=r"logs\['weird'\]=.*Convert it"):
        files.encode_value(object(), "weird")
    with pytest.raises(TypeError, match="dict"):
        files.encode_value({"a": 1}, "nested")
    with pytest.raises(TypeError, match="HistoryExporter can record"):
        fit_tiny(model, [set_logs({0: {"weird": object()}}), HistoryExporter(tmp_path)])
    assert not (tmp_path / "history.jsonl").exists()  # nothing half-written
    assert read_run(tmp_path)["status"] == "running"  # no context manager: see the docs


def test_a_model_that_cannot_be_described_is_recorded_without_metadata(tmp_path):
    # A mock instead of a model (as in unit tests of training loops).
    exporter = HistoryExporter(tmp_path)
    exporter.set_model(mock.MagicMock())
    exporter.on_train_begin()
    exporter.on_epoch_begin(0)
    exporter.on_epoch_end(0, {"loss": 0.5})
    exporter.on_train_end()
    run = read_run(tmp_path)
    assert run["model"] is None and run["status"] == "finished"
    assert run["batch_size"] is None and run["sequence_length"] is None
    assert read_history(tmp_path) == [{"epoch": 0, "loss": 0.5}]


# -- paths -----------------------------------------------------------------------------


def test_empty_directory_and_a_file_are_refused(tmp_path, model, fit_tiny):
    for empty in ("", b"", None):
        with pytest.raises(ValueError, match="needs a directory.*Received: directory="):
            HistoryExporter(empty)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me")
    with pytest.raises(ValueError, match="is a file, not a directory"):
        HistoryExporter(a_file)
    # A parent that is a file: refused when the fit starts, naming the problem.
    with pytest.raises(ValueError, match="cannot create the directory"):
        fit_tiny(model, [HistoryExporter(a_file / "run")], epochs=1)
    # The file appears after the exporter was made: refused at the fit too.
    later = tmp_path / "later"
    exporter = HistoryExporter(later)
    later.write_text("x")
    with pytest.raises(ValueError, match="is a file, not a directory"):
        fit_tiny(model, [exporter], epochs=1)
    assert a_file.read_text() == "keep me" and later.read_text() == "x"


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"directory": 123}, TypeError, r"`directory` must be a path.*directory=123 of type int"),
        ({"directory": ["runs"]}, TypeError, r"`directory` must be a path"),
        ({"resume": "yes"}, TypeError, r"`resume` must be True or False.*resume='yes'"),
        ({"overwrite": 1}, TypeError, r"`overwrite` must be True or False.*overwrite=1"),
        ({"fsync": None}, TypeError, r"`fsync` must be True or False.*fsync=None"),
        ({"metadata": ["a"]}, TypeError, r"`metadata` must be a dict.*metadata=\['a'\]"),
        ({"metadata": {"x": float("nan")}}, ValueError, r"`metadata` must be JSON-serializable"),
        ({"batch_size": 0}, ValueError, r"`batch_size` must be a positive integer.*batch_size=0"),
        ({"batch_size": 2.5}, TypeError, r"`batch_size` must be a positive integer.*2\.5"),
        ({"sequence_length": "8"}, TypeError, r"`sequence_length` must be.*sequence_length='8'"),
    ],
)
def test_every_constructor_argument_is_checked_by_name(tmp_path, kwargs, error, match):
    kwargs = {"directory": tmp_path / "run", **kwargs}
    with pytest.raises(error, match=match) as caught:
        HistoryExporter(**kwargs)
    assert "HistoryExporter" in str(caught.value)
    assert not (tmp_path / "run").exists()
    assert HistoryExporter(b"runs", batch_size=np.int64(8)).batch_size == 8  # bytes, numpy ints


def test_history_jsonl_is_written_before_the_files_derived_from_it(
        tmp_path, model, fit_tiny, set_logs):
    # Python's audit events ("open", "os.rename") show each file the exporter
    # changes, in order; epoch 2 adds a column (the derived files are rewritten).
    names = set(files.RUN_FILES)
    events = []

    def hook(event, args):
        if recording and event in ("open", "os.rename") and args:
            path = Path(os.fsdecode(args[1] if event == "os.rename" else args[0]))
            mode = args[1] if event == "open" else "rename"
            if path.parent == tmp_path and path.name in names and (
                    event == "os.rename" or any(c in str(mode) for c in "wa+")):
                events.append(path.name)

    recording = False
    sys.addaudithook(hook)  # stays for the session; it records only while `recording`

    class Record(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            nonlocal recording
            recording = epoch > 0
            events.append(f"epoch {epoch}")

    fit_tiny(model, [Record(), set_logs({2: {"learning_rate": 0.5}}),
                     HistoryExporter(tmp_path)], epochs=3)
    recording = False
    by_epoch = " ".join(events).split("epoch ")[2:]
    assert len(by_epoch) == 2
    for text in by_epoch:
        written = text.split()[1:]
        assert written[0] == "history.jsonl", events  # the record first
        assert written[-1] == "run.json", events
        assert {"history.csv", "history.json"} <= set(written), events


# -- resume policy and epoch numbers ------------------------------------------------


def test_existing_run_is_refused_then_overwritten_only_on_request(tmp_path, model, fit_tiny):
    fit_tiny(model, [HistoryExporter(tmp_path)])
    before = (tmp_path / "history.jsonl").read_bytes()

    with pytest.raises(FileExistsError, match="resume=True.*overwrite=True"):
        fit_tiny(model, [HistoryExporter(tmp_path)])
    assert (tmp_path / "history.jsonl").read_bytes() == before  # the old run is intact

    with pytest.raises(ValueError, match="only one"):
        HistoryExporter(tmp_path, resume=True, overwrite=True)

    fit_tiny(model, [HistoryExporter(tmp_path, overwrite=True)], epochs=1)
    assert _epochs(tmp_path) == [0]
    assert len(read_run(tmp_path)["fits"]) == 1


def test_epoch_numbers_are_keras_own_when_the_same_exporter_fits_again(
        tmp_path, model, fit_tiny, tiny_model):
    exporter = HistoryExporter(tmp_path)
    fit_tiny(model, [exporter], epochs=4)
    old = read_history(tmp_path)
    # A re-fit from an earlier initial_epoch replaces the epochs from there on.
    fit_tiny(model, [exporter], epochs=4, initial_epoch=2)
    records = read_history(tmp_path)
    assert [r["epoch"] for r in records] == [0, 1, 2, 3]
    assert records[1]["loss"] == old[1]["loss"] and records[2]["loss"] != old[2]["loss"]
    assert _file_epochs(tmp_path) == ([0, 1, 2, 3],) * 3
    assert len(_jsonl_lines(tmp_path)) == 6  # the source of truth keeps both attempts
    fit_tiny(model, [exporter], epochs=6, initial_epoch=4)  # continuing
    assert _epochs(tmp_path) == [0, 1, 2, 3, 4, 5]
    run = read_run(tmp_path)
    assert run["status"] == "finished" and run["epochs_completed"] == 6
    assert [f["first_epoch"] for f in run["fits"]] == [0, 2, 4]
    assert run["fits"][1]["replaced_epochs"] == [2, 3]

    # From epoch 0 again: it would replace everything, so it is refused, untouched.
    before = _snapshot(tmp_path)
    with pytest.raises(ValueError, match=r"epochs 0-5.*initial_epoch=6.*overwrite=True"):
        fit_tiny(model, [exporter], epochs=2)
    assert _snapshot(tmp_path) == before
    fit_tiny(model, [exporter], epochs=7, initial_epoch=6)  # the exporter is still usable
    assert _epochs(tmp_path) == list(range(7))
    assert read_run(tmp_path)["status"] == "finished"

    with pytest.raises(ValueError, match="another model"):
        fit_tiny(tiny_model(), [exporter])


def test_resume_with_initial_epoch_appends_and_last_record_wins(tmp_path, model, fit_tiny):
    fit_tiny(model, [HistoryExporter(tmp_path)], epochs=4)
    old = read_history(tmp_path)

    # Resume from epoch 2 (say, an older checkpoint): epochs 2 and 3 are redone.
    fit_tiny(model, [HistoryExporter(tmp_path, resume=True)], epochs=4, initial_epoch=2)
    records = read_history(tmp_path)
    assert [r["epoch"] for r in records] == [0, 1, 2, 3]
    assert records[1]["loss"] == old[1]["loss"]
    assert records[3]["loss"] != old[3]["loss"]  # the new record replaced the old one
    assert len(_jsonl_lines(tmp_path)) == 6  # the source of truth keeps both
    header = (tmp_path / "history.csv").read_text().splitlines()[0]
    assert header.split(",")[0] == "epoch" and header.count("loss") == 1

    # A resume that stops earlier drops the abandoned later epochs too.
    fit_tiny(model, [HistoryExporter(tmp_path, resume=True)], epochs=2, initial_epoch=1)
    assert _epochs(tmp_path) == [0, 1]
    assert _file_epochs(tmp_path) == ([0, 1],) * 3
    assert len(read_run(tmp_path)["fits"]) == 3


def test_resume_without_initial_epoch_is_refused_and_drops_nothing(tmp_path, model, fit_tiny):
    fit_tiny(model, [HistoryExporter(tmp_path)], epochs=3)
    before = _snapshot(tmp_path)
    with pytest.raises(ValueError, match=r"epochs 0-2.*pass initial_epoch=3"):
        fit_tiny(model, [HistoryExporter(tmp_path, resume=True)], epochs=3)
    assert _snapshot(tmp_path) == before
    fit_tiny(model, [HistoryExporter(tmp_path, resume=True)], epochs=5, initial_epoch=3)
    assert _file_epochs(tmp_path) == ([0, 1, 2, 3, 4],) * 3
    assert [f["first_epoch"] for f in read_run(tmp_path)["fits"]] == [0, 3]


def test_resume_after_a_crash_with_backup_and_restore(tmp_path, fit_tiny, tiny_model, raise_at):
    backup = tmp_path / "backup"
    run_dir = tmp_path / "run"
    exporter = HistoryExporter(run_dir)
    with pytest.raises(RuntimeError, match="boom"):
        with exporter:
            fit_tiny(tiny_model(), [keras.callbacks.BackupAndRestore(backup), exporter,
                                    raise_at(2)], epochs=4)
    run = read_run(run_dir)
    assert run["status"] == "failed" and "boom" in run["error"]
    assert _epochs(run_dir) == [0, 1]

    # A new process would build a fresh model and exporter; BackupAndRestore
    # restores the weights and starts at epoch 2.
    exporter = HistoryExporter(run_dir, resume=True)
    with exporter:
        fit_tiny(tiny_model(), [keras.callbacks.BackupAndRestore(backup), exporter], epochs=4)
    assert _epochs(run_dir) == [0, 1, 2, 3]
    assert len(_jsonl_lines(run_dir)) == 4  # nothing duplicated
    run = read_run(run_dir)
    assert run["status"] == "finished" and run["error"] is None
    assert [f["status"] for f in run["fits"]] == ["failed", "finished"]


@pytest.mark.parametrize("crash_epoch, restart_epoch", [(2, 1), (1, 0)])
def test_backup_and_restore_every_n_batches_restarts_in_process(
        tmp_path, fit_tiny, tiny_model, raise_at, crash_epoch, restart_epoch):
    # 4 batches per epoch, a backup every 3 batches: epoch 0 saves after batch 2
    # (epoch 0), epoch 1 after batch 1 (epoch 1), epoch 2 after batch 0. A crash
    # after batch 0 of epoch `crash_epoch` (before the backup sees that batch)
    # restarts, in the same process, at the epoch of the last backup, which the
    # exporter has already recorded: Keras' numbering says "replace".
    backup = keras.callbacks.BackupAndRestore(tmp_path / "backup", save_freq=3)
    exporter = HistoryExporter(tmp_path / "run")
    model = tiny_model()
    with pytest.raises(RuntimeError, match="boom"):
        fit_tiny(model, [raise_at(crash_epoch, batch=0), backup, exporter], epochs=4)
    assert _epochs(tmp_path / "run") == list(range(crash_epoch))
    history = fit_tiny(model, [backup, exporter], epochs=4)
    assert history.epoch[0] == restart_epoch
    assert _file_epochs(tmp_path / "run") == ([0, 1, 2, 3],) * 3
    run = read_run(tmp_path / "run")
    assert [f["first_epoch"] for f in run["fits"]] == [0, restart_epoch]
    assert [f["status"] for f in run["fits"]] == ["failed", "finished"]
    assert run["epochs_completed"] == 4


def test_resume_repairs_a_partial_last_line(tmp_path, model, fit_tiny):
    fit_tiny(model, [HistoryExporter(tmp_path)], epochs=2)
    with open(tmp_path / "history.jsonl", "a") as f:
        f.write('{"epoch": 2, "loss": 0.6')  # a write cut short by a kill
    assert _epochs(tmp_path) == [0, 1]
    fit_tiny(model, [HistoryExporter(tmp_path, resume=True)], epochs=3, initial_epoch=2)
    assert _epochs(tmp_path) == [0, 1, 2]
    for line in _jsonl_lines(tmp_path):
        json.loads(line)


# -- corrupt files --------------------------------------------------------------------


def test_corrupt_files_are_reported_with_file_and_line(tmp_path, model, fit_tiny):
    (tmp_path / "history.jsonl").write_text('{"epoch": 0}\nnot json\n{"epoch": 1}\n')
    with pytest.raises(ValueError, match=r"history\.jsonl, line 2: not a valid history record"):
        read_history(tmp_path)
    (tmp_path / "history.jsonl").write_text('{"epoch": 0}\n{"loss": 1}\n{"epoch": 1}\n')
    with pytest.raises(ValueError, match=r"history\.jsonl, line 2: .*no integer 'epoch'"):
        read_history(tmp_path)

    run_dir = tmp_path / "run"
    fit_tiny(model, [HistoryExporter(run_dir)], epochs=2)
    text = (run_dir / "run.json").read_text()
    (run_dir / "run.json").write_text(text[: len(text) // 2])  # cut short
    with pytest.raises(ValueError, match=r"run\.json, line \d+ column \d+: not valid JSON"):
        read_run(run_dir)
    (run_dir / "run.json").write_text("[1, 2]\n")
    with pytest.raises(ValueError, match=r"run\.json, line 1: expected a JSON object"):
        read_run(run_dir)


@pytest.mark.parametrize("broken", ["run.json", "history.jsonl"])
def test_resuming_over_a_corrupt_file_is_refused_and_keeps_everything(
        tmp_path, model, fit_tiny, broken):
    fit_tiny(model, [HistoryExporter(tmp_path)], epochs=2)
    fit_tiny(model, [HistoryExporter(tmp_path, resume=True)], epochs=3, initial_epoch=2)
    path = tmp_path / broken
    if broken == "run.json":
        path.write_text(path.read_text().replace('"fits"', '"fits" oops', 1))
    else:
        lines = path.read_text().splitlines(keepends=True)
        path.write_text(lines[0] + "{garbage\n" + "".join(lines[1:]))
    before = _snapshot(tmp_path)
    with pytest.raises(ValueError, match=rf"{broken}, line \d+"):
        fit_tiny(model, [HistoryExporter(tmp_path, resume=True)], epochs=4, initial_epoch=3)
    assert _snapshot(tmp_path) == before  # the earlier fits are all still there


# -- failure status ----------------------------------------------------------------


def test_status_interrupted_and_failed(tmp_path, fit_tiny, tiny_model, raise_at):
    exporter = HistoryExporter(tmp_path / "a")
    with pytest.raises(KeyboardInterrupt):
        with exporter:
            fit_tiny(tiny_model(), [exporter, raise_at(1, KeyboardInterrupt())], epochs=3)
    run = read_run(tmp_path / "a")
    assert run["status"] == "interrupted" and run["epochs_completed"] == 1

    # Without the context manager the status stays "running" until the process
    # exits (the atexit hook, called here by hand) or the exporter fits again.
    exporter = HistoryExporter(tmp_path / "b")
    with pytest.raises(RuntimeError):
        fit_tiny(tiny_model(), [exporter, raise_at(1)], epochs=3)
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


def test_sigkill_mid_epoch_leaves_parseable_files(tmp_path, fit_tiny, tiny_model):
    if not hasattr(os, "kill") or sys.platform == "win32":
        pytest.skip("SIGKILL needs a POSIX system")
    result = _run_helper(tmp_path, 2, "kill")
    assert result.returncode == -9, result.stderr[-2000:]

    assert _file_epochs(tmp_path) == ([0, 1],) * 3
    assert [json.loads(line)["epoch"] for line in _jsonl_lines(tmp_path)] == [0, 1]
    run = read_run(tmp_path)
    assert run["status"] == "running" and run["epochs_completed"] == 2
    assert "epoch_time" in read_history(tmp_path)[0]

    # The killed run can be resumed; the dead attempt is recorded as failed.
    fit_tiny(tiny_model(), [HistoryExporter(tmp_path, resume=True)], epochs=3, initial_epoch=2)
    assert _epochs(tmp_path) == [0, 1, 2]
    assert [f["status"] for f in read_run(tmp_path)["fits"]] == ["failed", "finished"]


# -- hooks driven by hand ----------------------------------------------------------------


def test_hooks_driven_by_hand_apply_the_same_checks(tmp_path, tiny_model, fit_tiny):
    model = tiny_model()
    fit_tiny(model, [HistoryExporter(tmp_path / "run")], epochs=2)
    before = _snapshot(tmp_path / "run")

    # A custom loop calling on_epoch_end only, on a directory with a run.
    hand = keras.callbacks.CallbackList([HistoryExporter(tmp_path / "run")], model=model)
    with pytest.raises(FileExistsError, match="resume=True"):
        hand.on_epoch_end(0, {"loss": 1.0})
    resumed = keras.callbacks.CallbackList(
        [HistoryExporter(tmp_path / "run", resume=True)], model=model)
    with pytest.raises(ValueError, match="initial_epoch=2"):
        resumed.on_epoch_end(0, {"loss": 1.0})
    assert _snapshot(tmp_path / "run") == before

    # ... and continuing with Keras' numbering works, as in fit.
    resumed.on_epoch_end(2, {"loss": 0.5})
    resumed.on_epoch_end(3, {"loss": 0.25})
    with pytest.raises(ValueError, match="must increase within a fit"):
        resumed.on_epoch_end(3, {"loss": 0.1})
    resumed.callbacks[0].on_train_end()
    assert _file_epochs(tmp_path / "run") == ([0, 1, 2, 3],) * 3
    assert read_run(tmp_path / "run")["status"] == "finished"

    # A fresh directory, hooks only (no model at all).
    bare = HistoryExporter(tmp_path / "fresh")
    bare.on_epoch_end(0, {"loss": 2.0})
    bare.on_epoch_end(1, {"loss": 1.0})
    assert read_history(tmp_path / "fresh") == [{"epoch": 0, "loss": 2.0},
                                                {"epoch": 1, "loss": 1.0}]
    assert read_run(tmp_path / "fresh")["model"] is None


# -- multi-process -------------------------------------------------------------------


def test_only_process_zero_writes(tmp_path, monkeypatch, capsys, fit_tiny, tiny_model):
    monkeypatch.setattr(_runtime, "process_index", lambda: 1)
    timer = EpochTimer(verbose=True)
    with HistoryExporter(tmp_path / "run") as exporter:
        fit_tiny(tiny_model(), [timer, exporter])
    assert not (tmp_path / "run").exists()
    assert len(timer.records) == 2  # timing still happens, for every process
    assert "EpochTimer:" not in capsys.readouterr().out  # the summary is process 0's


@pytest.mark.one_backend
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
    assert _runtime.process_index() == expected


# -- readers and import ------------------------------------------------------------


def test_readers_explain_a_missing_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="history.jsonl is missing"):
        read_history(tmp_path)
    with pytest.raises(FileNotFoundError, match="run.json is missing"):
        read_run(tmp_path)


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

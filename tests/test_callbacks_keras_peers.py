"""Keras' own callback scenarios, ported to HistoryExporter and EpochTimer.

From keras/src/callbacks/csv_logger_test.py, backup_and_restore_test.py,
terminate_on_nan_test.py and the History / CallbackList behaviour: what holds
for Keras' callbacks must hold for ours.
"""

from __future__ import annotations

import csv
import json
import math

import keras
import numpy as np
import pytest

from keras_seqzoo.callbacks import EpochTimer, HistoryExporter, read_history, read_run


def _rows(directory):
    with open(directory / "history.csv", newline="") as f:
        return list(csv.DictReader(f))


def _exploding_model():
    # As in terminate_on_nan_test.py: targets of inf make the loss inf, then NaN.
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


# -- csv_logger_test.py ----------------------------------------------------------------


def test_csv_logger_cases_new_file_resume_and_reuse(tmp_path, tiny_model, fit_tiny):
    # case 1: a new file; case 2: a new exporter continues the file; case 3: the
    # same exporter object fits again. The header is written once, every row
    # has every column.
    model = tiny_model()
    fit_tiny(model, [HistoryExporter(tmp_path)], epochs=1, validation_split=0.25)
    exporter = HistoryExporter(tmp_path, resume=True)
    fit_tiny(model, [exporter], epochs=2, initial_epoch=1, validation_split=0.25)
    fit_tiny(model, [exporter], epochs=4, initial_epoch=2, validation_split=0.25)
    lines = (tmp_path / "history.csv").read_text().splitlines()
    assert len(lines) == 5 and sum("epoch" in line for line in lines) == 1
    assert {line.count(",") for line in lines} == {4}  # epoch, 2 metrics, 2 val metrics
    assert [int(r["epoch"]) for r in _rows(tmp_path)] == [0, 1, 2, 3]


def test_csv_logger_validation_freq_values_only_where_validated(tmp_path, tiny_model, fit_tiny):
    history = fit_tiny(tiny_model(), [HistoryExporter(tmp_path)], epochs=5,
                       validation_split=0.25, validation_freq=3)
    rows = _rows(tmp_path)
    assert all("val_loss" in row for row in rows)
    assert [row["val_loss"] for row in rows[:2] + rows[3:]] == ["", "", "", ""]
    assert float(rows[2]["val_loss"]) == history.history["val_loss"][0]
    assert read_history(tmp_path)[2]["val_loss"] == history.history["val_loss"][0]


def test_stop_training_with_terminate_on_nan_leaves_valid_files(tmp_path):
    x, y = np.array([[1.0], [2.0]]), np.array([[np.inf], [np.inf]])
    exporter = HistoryExporter(tmp_path)
    history = _exploding_model().fit(
        x, y, epochs=3, batch_size=1, verbose=0,
        callbacks=[keras.callbacks.TerminateOnNaN(), EpochTimer(verbose=0), exporter])
    assert len(history.history["loss"]) < 3
    records = read_history(tmp_path)
    assert len(records) == len(history.history["loss"])
    assert all(math.isnan(r["loss"]) or math.isinf(r["loss"]) for r in records)
    json.loads((tmp_path / "history.json").read_text(),
               parse_constant=lambda c: pytest.fail(f"bare {c} in history.json"))
    assert all(row["loss"] in ("nan", "inf") for row in _rows(tmp_path))
    assert read_run(tmp_path)["status"] == "finished"


# -- terminate_on_nan_test.py ----------------------------------------------------------


def test_terminate_on_nan_raise_error_marks_the_run_failed(tmp_path):
    x, y = np.array([[1.0]]), np.array([[np.inf]])
    exporter = HistoryExporter(tmp_path)
    with pytest.raises(RuntimeError, match="NaN or Inf loss"):
        with exporter:
            _exploding_model().fit(
                x, y, epochs=2, verbose=0,
                callbacks=[exporter, keras.callbacks.TerminateOnNaN(raise_error=True)])
    run = read_run(tmp_path)
    # on_train_end is not called when TerminateOnNaN raises: the context
    # manager records the failure, and the files hold no half epoch.
    assert run["status"] == "failed" and "NaN or Inf loss" in run["error"]
    assert read_history(tmp_path) == [] and run["epochs_completed"] == 0


# -- backup_and_restore_test.py ----------------------------------------------------------


def test_backup_and_restore_best_case_epoch(tmp_path, tiny_model, fit_tiny, raise_at):
    model = tiny_model()
    backup = keras.callbacks.BackupAndRestore(tmp_path / "backup", save_freq="epoch")
    exporter = HistoryExporter(tmp_path / "run")
    with pytest.raises(RuntimeError):
        fit_tiny(model, [backup, exporter, raise_at(2)], epochs=6)
    assert [r["epoch"] for r in read_history(tmp_path / "run")] == [0, 1]
    history = fit_tiny(model, [backup, exporter], epochs=5)
    assert history.epoch == [2, 3, 4]
    assert [r["epoch"] for r in read_history(tmp_path / "run")] == [0, 1, 2, 3, 4]
    assert len((tmp_path / "run" / "history.jsonl").read_text().splitlines()) == 5


def test_backup_and_restore_best_case_step(tmp_path, tiny_model, fit_tiny, raise_at):
    # Interrupted at step 2 of epoch 0, with a backup every step: the restart
    # redoes epoch 0, which the exporter had not recorded.
    model = tiny_model()
    backup = keras.callbacks.BackupAndRestore(tmp_path / "backup", save_freq=1)
    exporter = HistoryExporter(tmp_path / "run")
    with pytest.raises(RuntimeError):
        fit_tiny(model, [backup, exporter, raise_at(0, batch=1)], epochs=2)
    assert read_history(tmp_path / "run") == []
    history = fit_tiny(model, [backup, exporter], epochs=5)
    assert history.epoch[-1] == 4
    assert [r["epoch"] for r in read_history(tmp_path / "run")] == [0, 1, 2, 3, 4]


# -- History and CallbackList ----------------------------------------------------------


def test_records_match_keras_history(tmp_path, tiny_model, fit_tiny):
    timer = EpochTimer(verbose=0)
    history = fit_tiny(tiny_model(), [timer, HistoryExporter(tmp_path)], epochs=3,
                       validation_split=0.25)
    records = read_history(tmp_path)
    assert [r["epoch"] for r in records] == history.epoch
    for key, values in history.history.items():
        if key == "epoch_time":  # History gets the rounded value, the files the full one
            assert values == [float(f"{r['epoch_time']:.3g}") for r in records]
        else:
            assert [r[key] for r in records] == values, key


def test_callback_list_with_history_and_progbar(tmp_path, tiny_model, tiny_data):
    # CallbackList built by hand, as keras' callback_list_test does, then fit with it.
    model = tiny_model()
    timer, exporter = EpochTimer(verbose=0), HistoryExporter(tmp_path)
    callbacks = keras.callbacks.CallbackList([timer, exporter], add_history=True,
                                             add_progbar=False, model=model, epochs=2,
                                             verbose=0)
    model.fit(*tiny_data(), batch_size=8, epochs=2, verbose=0, callbacks=callbacks)
    assert [r["epoch"] for r in read_history(tmp_path)] == [0, 1]
    assert read_history(tmp_path)[1]["epoch_time"] == timer.records[1]["epoch_time"]
    assert read_run(tmp_path)["status"] == "finished"

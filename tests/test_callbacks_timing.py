"""Tests for keras_seqzoo.callbacks.EpochTimer.

Run under each backend: ``KERAS_BACKEND=jax python -m pytest tests/test_callbacks_timing.py``.
Shared helpers (tiny_model, fit_tiny, capture_logs, ...) are fixtures in tests/conftest.py.
"""

from __future__ import annotations

import copy
import inspect
import math

import keras
import numpy as np
import pytest
from keras_seqzoo.callbacks import EpochTimer, HistoryExporter, read_history

# Keras dispatches batch callbacks asynchronously on every backend but TensorFlow
# (its backends' IS_THREAD_SAFE, which Keras does not export).
THREAD_SAFE = keras.backend.backend() != "tensorflow"

BATCH_HOOKS = (
    "on_batch_begin", "on_batch_end",
    "on_train_batch_begin", "on_train_batch_end",
    "on_test_batch_begin", "on_test_batch_end",
    "on_predict_batch_begin", "on_predict_batch_end",
)


# -- asynchronous dispatch ------------------------------------------------------


def test_default_mode_has_no_batch_hooks_and_keeps_async_dispatch():
    timer = EpochTimer()
    assert type(timer) is EpochTimer
    for hook in BATCH_HOOKS:  # Callback's own hooks, which Keras skips when dispatching
        assert getattr(timer, hook).__func__ is getattr(keras.callbacks.Callback, hook), hook
        assert getattr(EpochTimer, hook) is getattr(keras.callbacks.Callback, hook), hook
    callbacks = keras.callbacks.CallbackList([timer])
    # Keras dispatches batch callbacks asynchronously only on thread-safe
    # backends (JAX, PyTorch); the timer must not switch that off.
    assert callbacks._async_train is THREAD_SAFE
    assert callbacks._async_test is THREAD_SAFE


def test_per_step_mode_has_batch_hooks_declared_async_safe():
    timer = EpochTimer(per_step=True)
    assert isinstance(timer, EpochTimer) and timer.per_step
    assert timer.on_train_batch_end.__func__ is not keras.callbacks.Callback.on_train_batch_end
    assert timer.async_safe is True
    assert keras.callbacks.CallbackList([timer])._async_train is THREAD_SAFE
    assert type(EpochTimer(None, None, 1, True)) is type(timer)  # positional per_step


@pytest.mark.skipif(keras.backend.backend() not in ("jax", "torch"),
                    reason="asynchronous batch dispatch exists on JAX and PyTorch only")
def test_fit_keeps_async_dispatch_on_jax_and_torch(tiny_model, tiny_data):
    model = tiny_model()
    timer = EpochTimer(verbose=0)
    callbacks = keras.callbacks.CallbackList(
        [timer, keras.callbacks.EarlyStopping(monitor="loss")],
        add_history=True, model=model, epochs=2, verbose=0,
    )
    assert callbacks._async_train is True
    model.fit(*tiny_data(), batch_size=8, epochs=2, verbose=0, callbacks=callbacks)
    assert len(timer.records) == 2
    assert callbacks._async_train is True


# -- figures ----------------------------------------------------------------------


def test_epoch_split_throughput_and_all_figures_in_the_logs_on_request(
        tiny_model, fit_tiny, capture_logs):
    timer, capture = EpochTimer(batch_size=8, verbose=0, log_figures="all"), capture_logs()
    model = tiny_model()
    history = fit_tiny(model, [timer, capture], epochs=3, validation_split=0.25)

    assert [r["epoch"] for r in timer.records] == [0, 1, 2]
    for record, logs in zip(timer.records, capture.logs):
        for key in ("epoch_time", "train_time", "validation_time", "steps_per_second",
                    "examples_per_second", "tokens_per_second"):
            assert logs[key] == record[key] > 0, key
        assert record["epoch_time"] == pytest.approx(
            record["train_time"] + record["validation_time"])
        assert record["steps"] == 3  # 24 training samples / 8
        assert record["examples_per_second"] == pytest.approx(
            record["steps"] * 8 / record["train_time"])
        assert record["tokens_per_second"] == pytest.approx(record["examples_per_second"] * 8)
    assert "epoch_time" in history.history  # Keras' History runs last
    assert [r["warmup"] for r in timer.records] == [True, False, False]
    assert all("warmup" not in logs for logs in capture.logs)  # numbers only in the logs


def test_by_default_the_logs_get_one_rounded_epoch_time(tiny_model, fit_tiny, capture_logs):
    timer, capture = EpochTimer(batch_size=8, verbose=0), capture_logs()
    history = fit_tiny(tiny_model(), [timer, capture], epochs=2, validation_split=0.25)
    for record, logs in zip(timer.records, capture.logs):
        assert set(logs) == {"loss", "accuracy", "val_loss", "val_accuracy", "epoch_time"}
        assert logs["epoch_time"] == float(f"{record['epoch_time']:.3g}")
        assert logs["epoch_time"] == pytest.approx(record["epoch_time"], rel=5e-3)
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy", "epoch_time"}

    timer, capture = EpochTimer(verbose=0, log_figures=["train_time", "steps"]), capture_logs()
    fit_tiny(tiny_model(), [timer, capture], epochs=1)
    assert capture.logs[0]["train_time"] == timer.records[0]["train_time"]  # full precision
    assert capture.logs[0]["steps"] == 4 and "epoch_time" not in capture.logs[0]

    timer, capture = EpochTimer(verbose=0, log_figures=None), capture_logs()
    fit_tiny(tiny_model(), [timer, capture], epochs=1)
    assert set(capture.logs[0]) == {"loss", "accuracy"} and len(timer.records) == 1


def test_the_progress_line_shows_one_epoch_time(tiny_model, fit_tiny, capfd):
    fit_tiny(tiny_model(), [EpochTimer(batch_size=8, verbose=0)], epochs=2, verbose=2)
    out = capfd.readouterr().out
    lines = [line for line in out.splitlines() if "loss:" in line]
    assert len(lines) == 2, out
    for line in lines:
        assert line.count("epoch_time:") == 1
        for key in ("train_time", "steps_per_second", "examples_per_second",
                    "tokens_per_second", "warmup"):
            assert key not in line, line


@pytest.mark.parametrize("order", ["timer first", "exporter first"])
def test_the_exporter_records_every_figure_and_the_warmup_flag(
        tmp_path, tiny_model, fit_tiny, order):
    timer = EpochTimer(batch_size=8, verbose=0)
    exporter = HistoryExporter(tmp_path)
    callbacks = [timer, exporter] if order == "timer first" else [exporter, timer]
    fit_tiny(tiny_model(), callbacks, epochs=3, validation_split=0.25, validation_freq=2)
    records = read_history(tmp_path)
    assert [r["warmup"] for r in records] == [r["warmup"] for r in timer.records] == [
        True, True, False]
    for record, timed in zip(records, timer.records):
        for key in ("epoch_time", "train_time", "steps", "steps_per_second",
                    "examples_per_second", "tokens_per_second"):
            assert record[key] == timed[key], key  # full precision, not the rounded logs
        assert record.get("validation_time") == timed.get("validation_time")
    assert "fit" not in records[0]


def test_the_real_signature_is_visible():
    parameters = inspect.signature(EpochTimer).parameters
    assert list(parameters) == ["batch_size", "sequence_length", "warmup_epochs", "per_step",
                                "verbose", "log_figures"]
    assert parameters["per_step"].default is False
    assert parameters["log_figures"].default == "epoch_time"


def test_a_deep_copy_keeps_its_own_step_hooks(tiny_model, fit_tiny):
    # keras-tuner deep-copies the search's callbacks for every trial.
    original = EpochTimer(per_step=True, verbose=0)
    timer = copy.deepcopy(original)
    assert timer.on_train_batch_end.__self__ is timer
    fit_tiny(tiny_model(), [timer], epochs=1)
    assert timer.records[0]["steps_timed"] == 4 and original.records == []


def test_no_validation_and_unknown_batch_size(tiny_model, fit_tiny):
    timer = EpochTimer(verbose=0)
    fit_tiny(tiny_model(length=None), [timer], epochs=2)
    for record in timer.records:
        assert "validation_time" not in record
        assert record["train_time"] == record["epoch_time"]
        assert record["steps_per_second"] > 0
        assert "examples_per_second" not in record and "tokens_per_second" not in record


def test_validation_freq_and_warmup_of_the_first_validation(tiny_model, fit_tiny, capture_logs):
    timer, capture = EpochTimer(verbose=0, log_figures="all"), capture_logs()
    fit_tiny(tiny_model(), [timer, capture], epochs=4, validation_split=0.25, validation_freq=2)
    assert ["validation_time" in r for r in timer.records] == [False, True, False, True]
    assert ["validation_time" in logs for logs in capture.logs] == [False, True, False, True]
    # Epoch 0 traces the train step, epoch 1 the test step.
    assert [r["warmup"] for r in timer.records] == [True, True, False, False]
    steady = timer.steady_state()
    assert steady["epochs"] == 2 and not steady["warmup_only"]
    assert steady["validation_time"] == timer.records[3]["validation_time"]
    assert steady["train_time"] == pytest.approx(
        np.median([r["train_time"] for r in timer.records[2:]]))


@pytest.mark.skipif(
    keras.backend.backend() == "torch",
    reason="Keras supports steps_per_execution > 1 only on TensorFlow and JAX",
)
def test_steps_per_execution_counts_every_step(tiny_model, fit_tiny):
    timer = EpochTimer(batch_size=8, verbose=0)
    fit_tiny(tiny_model(steps_per_execution=2), [timer], epochs=2, validation_split=0.25)
    assert [r["steps"] for r in timer.records] == [3, 3]
    assert all(r["validation_time"] > 0 for r in timer.records)


@pytest.mark.filterwarnings("ignore:.*(shuffle|ran out of data).*:UserWarning")
def test_generator_of_unknown_length(tiny_model, tiny_data):
    x, y = tiny_data()

    def batches():
        for start in range(0, 32, 8):
            yield x[start:start + 8], y[start:start + 8]

    timer = EpochTimer(verbose=0)
    model = tiny_model()
    model.fit(batches(), epochs=1, verbose=0, callbacks=[timer])
    # Counted from optimizer.iterations; TensorFlow advances it once more on
    # the final, empty call of an exhausted generator (documented).
    expected = {4, 5} if keras.backend.backend() == "tensorflow" else {4}
    assert timer.records[0]["steps"] in expected
    assert timer.records[0]["steps_per_second"] > 0

    timer = EpochTimer(per_step=True, verbose=0)  # the batch hooks count exactly
    model.fit(batches(), epochs=1, verbose=0, callbacks=[timer])
    assert timer.records[0]["steps"] == 4


def test_initial_epoch_reuse_and_evaluate_after_fit(capsys, tiny_model, fit_tiny, tiny_data):
    timer = EpochTimer(verbose=1)
    model = tiny_model()
    fit_tiny(model, [timer], epochs=2)
    fit_tiny(model, [timer], epochs=4, initial_epoch=2, validation_split=0.25)
    assert [r["epoch"] for r in timer.records] == [0, 1, 2, 3]
    assert [r["fit"] for r in timer.records] == [0, 0, 1, 1]
    assert [r["warmup"] for r in timer.records] == [True, False, True, False]
    assert "steady state" in capsys.readouterr().out  # the table, once per fit

    before = [dict(r) for r in timer.records]
    model.evaluate(*tiny_data(), batch_size=8, verbose=0, callbacks=[timer])
    model.evaluate(*tiny_data(), batch_size=8, verbose=0)
    assert timer.records == before
    assert len(timer.evaluations) == 1 and timer.evaluations[0]["evaluate_time"] > 0


def test_per_step_mode_adds_step_time(tiny_model, fit_tiny, capture_logs):
    timer, capture = EpochTimer(per_step=True, verbose=0, log_figures="all"), capture_logs()
    fit_tiny(tiny_model(), [timer, capture], epochs=2)
    for record, logs in zip(timer.records, capture.logs):
        assert record["steps_timed"] == 4
        assert logs["step_time"] == record["step_time"] > 0
        assert record["step_time"] <= record["train_time"]


def test_steady_state_falls_back_to_warmup_epochs_and_table(tiny_model, fit_tiny):
    timer = EpochTimer(batch_size=8, verbose=0)
    assert timer.steady_state() == {}
    assert "no epoch" in timer.summary_table()
    fit_tiny(tiny_model(), [timer], epochs=1)
    steady = timer.steady_state()
    assert steady["warmup_only"] is True and steady["epochs"] == 1
    assert steady["epoch_time"] == timer.records[0]["epoch_time"]
    table = timer.summary_table()
    assert "all warm-up" in table and "epoch_time" in table and "examples_per_second" in table


def test_no_warmup_epochs(tiny_model, fit_tiny):
    timer = EpochTimer(warmup_epochs=0, verbose=0)
    fit_tiny(tiny_model(), [timer], epochs=2, validation_split=0.25)
    assert [r["warmup"] for r in timer.records] == [False, False]
    assert timer.steady_state()["epochs"] == 2


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"batch_size": 0}, "batch_size=0"),
        ({"batch_size": 2.5}, "batch_size=2.5"),
        ({"sequence_length": -1}, "sequence_length=-1"),
        ({"warmup_epochs": -1}, "warmup_epochs=-1"),
        ({"log_figures": "some"}, "log_figures='some'"),
        ({"log_figures": ["epoch_time", "speed"]}, "log_figures=.*speed"),
    ],
)
def test_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        EpochTimer(**kwargs)


def test_values_are_finite_numbers(tiny_model, fit_tiny):
    timer = EpochTimer(batch_size=8, verbose=0)
    fit_tiny(tiny_model(), [timer], epochs=3)
    steady = timer.steady_state()
    # Every figure of a run with a known batch size and length, over epochs 1 and 2.
    assert set(steady) == {"epoch_time", "train_time", "steps_per_second",
                           "examples_per_second", "tokens_per_second", "steps", "epochs",
                           "warmup_only"}
    assert steady["epochs"] == 2 and steady["warmup_only"] is False and steady["steps"] == 4
    assert steady["epoch_time"] == pytest.approx(
        np.median([r["epoch_time"] for r in timer.records[1:]]))
    for key, value in steady.items():
        assert isinstance(value, (bool, int, float)) and math.isfinite(value), key
        if key != "warmup_only":
            assert value > 0, key


def test_a_timer_left_by_a_fit_that_raised_gives_no_figures_to_a_later_fit(
        tmp_path, tiny_model, fit_tiny, raise_at):
    # Keras skips on_train_end when fit raises, so the timer stays attached to the
    # model; the next fit (without a timer) must not get its old figures.
    model, timer = tiny_model(), EpochTimer(verbose=0)
    with pytest.raises(RuntimeError, match="boom"):
        fit_tiny(model, [timer, HistoryExporter(tmp_path / "a"), raise_at(2, batch=1)],
                 epochs=3)
    assert [r["epoch"] for r in timer.records] == [0, 1]
    fit_tiny(model, [HistoryExporter(tmp_path / "b")], epochs=2, initial_epoch=1)
    assert set(read_history(tmp_path / "b")[0]) == {"epoch", "loss", "accuracy"}
    assert "epoch_time" in read_history(tmp_path / "a")[1]


def test_a_later_fit_without_the_timer_gets_no_stale_figures(tmp_path, tiny_model, fit_tiny):
    model, timer = tiny_model(), EpochTimer(verbose=0)
    fit_tiny(model, [timer, HistoryExporter(tmp_path / "a")], epochs=2)
    fit_tiny(model, [HistoryExporter(tmp_path / "b")], epochs=2, initial_epoch=1)
    assert "epoch_time" in read_history(tmp_path / "a")[1]
    assert set(read_history(tmp_path / "b")[0]) == {"epoch", "loss", "accuracy"}

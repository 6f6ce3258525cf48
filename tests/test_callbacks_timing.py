"""Tests for keras_seqzoo.callbacks.EpochTimer.

Run under each backend: ``KERAS_BACKEND=jax python -m pytest tests/test_callbacks_timing.py``.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from keras.src.backend import IS_THREAD_SAFE
from keras.src.utils.python_utils import is_default

from keras_seqzoo.callbacks import EpochTimer

BATCH_HOOKS = (
    "on_batch_begin", "on_batch_end",
    "on_train_batch_begin", "on_train_batch_end",
    "on_test_batch_begin", "on_test_batch_end",
    "on_predict_batch_begin", "on_predict_batch_end",
)


def _model(steps_per_execution: int = 1, length: int | None = 8):
    inputs = keras.Input((length,), dtype="int32")
    x = keras.layers.Embedding(50, 4)(inputs)
    x = keras.layers.GlobalAveragePooling1D()(x)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"],
                  steps_per_execution=steps_per_execution)
    return model


def _data(n: int = 32):
    rng = np.random.default_rng(0)
    return rng.integers(0, 50, (n, 8)), rng.integers(0, 2, (n,)).astype("float32")


class _Capture(keras.callbacks.Callback):
    """Records the epoch logs it sees (put it after the timer)."""

    def __init__(self):
        super().__init__()
        self.logs = []

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append(dict(logs))


def _fit(model, callbacks, **kwargs):
    x, y = _data()
    kwargs.setdefault("batch_size", 8)
    return model.fit(x, y, verbose=0, callbacks=callbacks, **kwargs)


# -- asynchronous dispatch ------------------------------------------------------


def test_default_mode_has_no_batch_hooks_and_keeps_async_dispatch():
    timer = EpochTimer()
    assert type(timer) is EpochTimer
    for hook in BATCH_HOOKS:
        assert is_default(getattr(timer, hook)), hook
        assert getattr(EpochTimer, hook) is getattr(keras.callbacks.Callback, hook), hook
    callbacks = keras.callbacks.CallbackList([timer])
    # Keras dispatches batch callbacks asynchronously only on thread-safe
    # backends (JAX, PyTorch); the timer must not switch that off.
    assert callbacks._async_train is bool(IS_THREAD_SAFE)
    assert callbacks._async_test is bool(IS_THREAD_SAFE)


def test_per_step_mode_has_batch_hooks_declared_async_safe():
    timer = EpochTimer(per_step=True)
    assert isinstance(timer, EpochTimer) and timer.per_step
    assert not is_default(timer.on_train_batch_end)
    assert timer.async_safe is True
    assert keras.callbacks.CallbackList([timer])._async_train is bool(IS_THREAD_SAFE)
    assert type(EpochTimer(None, None, 1, True)) is type(timer)  # positional per_step


@pytest.mark.skipif(keras.backend.backend() not in ("jax", "torch"),
                    reason="asynchronous batch dispatch exists on JAX and PyTorch only")
def test_fit_keeps_async_dispatch_on_jax_and_torch():
    model = _model()
    timer = EpochTimer(verbose=0)
    callbacks = keras.callbacks.CallbackList(
        [timer, keras.callbacks.EarlyStopping(monitor="loss")],
        add_history=True, model=model, epochs=2, verbose=0,
    )
    assert callbacks._async_train is True
    model.fit(*_data(), batch_size=8, epochs=2, verbose=0, callbacks=callbacks)
    assert len(timer.records) == 2
    assert callbacks._async_train is True


# -- figures ----------------------------------------------------------------------


def test_epoch_split_throughput_and_logs_for_later_callbacks():
    timer, capture = EpochTimer(batch_size=8, verbose=0), _Capture()
    model = _model()
    history = _fit(model, [timer, capture], epochs=3, validation_split=0.25)

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


def test_no_validation_and_unknown_batch_size():
    timer = EpochTimer(verbose=0)
    _fit(_model(length=None), [timer], epochs=2)
    for record in timer.records:
        assert "validation_time" not in record
        assert record["train_time"] == record["epoch_time"]
        assert record["steps_per_second"] > 0
        assert "examples_per_second" not in record and "tokens_per_second" not in record


def test_validation_freq_and_warmup_of_the_first_validation():
    timer, capture = EpochTimer(verbose=0), _Capture()
    _fit(_model(), [timer, capture], epochs=4, validation_split=0.25, validation_freq=2)
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
def test_steps_per_execution_counts_every_step():
    timer = EpochTimer(batch_size=8, verbose=0)
    _fit(_model(steps_per_execution=2), [timer], epochs=2, validation_split=0.25)
    assert [r["steps"] for r in timer.records] == [3, 3]
    assert all(r["validation_time"] > 0 for r in timer.records)


@pytest.mark.filterwarnings("ignore:.*(shuffle|ran out of data).*:UserWarning")
def test_generator_of_unknown_length():
    x, y = _data()

    def batches():
        for start in range(0, 32, 8):
            yield x[start:start + 8], y[start:start + 8]

    timer = EpochTimer(verbose=0)
    model = _model()
    model.fit(batches(), epochs=1, verbose=0, callbacks=[timer])
    # Counted from optimizer.iterations; TensorFlow advances it once more on
    # the final, empty call of an exhausted generator (documented).
    expected = {4, 5} if keras.backend.backend() == "tensorflow" else {4}
    assert timer.records[0]["steps"] in expected
    assert timer.records[0]["steps_per_second"] > 0

    timer = EpochTimer(per_step=True, verbose=0)  # the batch hooks count exactly
    model.fit(batches(), epochs=1, verbose=0, callbacks=[timer])
    assert timer.records[0]["steps"] == 4


def test_initial_epoch_reuse_and_evaluate_after_fit(capsys):
    timer = EpochTimer(verbose=1)
    model = _model()
    _fit(model, [timer], epochs=2)
    _fit(model, [timer], epochs=4, initial_epoch=2, validation_split=0.25)
    assert [r["epoch"] for r in timer.records] == [0, 1, 2, 3]
    assert [r["fit"] for r in timer.records] == [0, 0, 1, 1]
    assert [r["warmup"] for r in timer.records] == [True, False, True, False]
    assert "steady state" in capsys.readouterr().out  # the table, once per fit

    before = [dict(r) for r in timer.records]
    model.evaluate(*_data(), batch_size=8, verbose=0, callbacks=[timer])
    model.evaluate(*_data(), batch_size=8, verbose=0)
    assert timer.records == before
    assert len(timer.evaluations) == 1 and timer.evaluations[0]["evaluate_time"] > 0


def test_per_step_mode_adds_step_time():
    timer, capture = EpochTimer(per_step=True, verbose=0), _Capture()
    _fit(_model(), [timer, capture], epochs=2)
    for record, logs in zip(timer.records, capture.logs):
        assert record["steps_timed"] == 4
        assert logs["step_time"] == record["step_time"] > 0
        assert record["step_time"] <= record["train_time"]


def test_steady_state_falls_back_to_warmup_epochs_and_table():
    timer = EpochTimer(batch_size=8, verbose=0)
    assert timer.steady_state() == {}
    assert "no epoch" in timer.summary_table()
    _fit(_model(), [timer], epochs=1)
    steady = timer.steady_state()
    assert steady["warmup_only"] is True and steady["epochs"] == 1
    assert steady["epoch_time"] == timer.records[0]["epoch_time"]
    table = timer.summary_table()
    assert "all warm-up" in table and "epoch_time" in table and "examples_per_second" in table


def test_no_warmup_epochs():
    timer = EpochTimer(warmup_epochs=0, verbose=0)
    _fit(_model(), [timer], epochs=2, validation_split=0.25)
    assert [r["warmup"] for r in timer.records] == [False, False]
    assert timer.steady_state()["epochs"] == 2


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"batch_size": 0}, "batch_size=0"),
        ({"batch_size": 2.5}, "batch_size=2.5"),
        ({"sequence_length": -1}, "sequence_length=-1"),
        ({"warmup_epochs": -1}, "warmup_epochs=-1"),
    ],
)
def test_invalid_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        EpochTimer(**kwargs)


def test_values_are_finite_numbers():
    timer = EpochTimer(batch_size=8, verbose=0)
    _fit(_model(), [timer], epochs=2)
    for value in timer.steady_state().values():
        assert isinstance(value, (bool, int, float)) and math.isfinite(value)

"""The slides' LSTM equations (docs/lstm_reference.py) against keras.layers.LSTMCell."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
sys.path.insert(0, str(DOCS))

import lstm_reference  # noqa: E402


@pytest.mark.parametrize(
    "batch, input_dim, units, steps, seed",
    [(3, 5, 4, 6, 0), (1, 1, 1, 3, 1), (8, 16, 32, 10, 2)],
)
def test_numpy_lstm_matches_keras_lstm_cell(batch, input_dim, units, steps, seed):
    worst = lstm_reference.check_against_keras(
        batch=batch, input_dim=input_dim, units=units, steps=steps, seed=seed
    )
    assert worst < 1e-5


def test_gate_order_matters():
    """The check is sensitive: the reference with the gates in another order disagrees."""
    import keras

    rng = np.random.default_rng(0)
    batch, input_dim, units = 2, 3, 4
    cell = keras.layers.LSTMCell(units)
    cell.build((batch, input_dim))
    kernel = rng.normal(size=(input_dim, 4 * units)).astype("float32")
    recurrent = rng.normal(size=(units, 4 * units)).astype("float32")
    bias = rng.normal(size=(4 * units,)).astype("float32")
    cell.set_weights([kernel, recurrent, bias])
    x = rng.normal(size=(batch, input_dim)).astype("float32")
    zeros = np.zeros((batch, units), dtype="float32")
    _, (h, c) = cell(x, [zeros, zeros])

    def swap(w):  # [i, f, c, o] -> [f, i, c, o]
        i, f, g, o = np.split(w, 4, axis=-1)
        return np.concatenate([f, i, g, o], axis=-1)

    a, c_ref = lstm_reference.lstm_step(x, zeros, zeros, kernel, recurrent, bias)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(h), a, atol=1e-5)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(c), c_ref, atol=1e-5)
    a_wrong, _ = lstm_reference.lstm_step(
        x, zeros, zeros, swap(kernel), swap(recurrent), swap(bias)
    )
    assert np.max(np.abs(keras.ops.convert_to_numpy(h) - a_wrong)) > 1e-3


def test_kernel_layout_is_input_then_recurrent_then_bias():
    import keras

    cell = keras.layers.LSTMCell(4)
    cell.build((None, 3))
    shapes = [tuple(w.shape) for w in cell.get_weights()]
    assert shapes == [(3, 16), (4, 16), (16,)]


def test_the_slides_equations_match_the_recurrent_tests_reference():
    """The recurrent layers' tests check against tests/recurrent_reference.py: its LSTM
    step is the slides' (written apart, they agree), for a batch and over several steps."""
    from tests import recurrent_reference

    rng = np.random.default_rng(3)
    batch, input_dim, units = 4, 3, 5
    kernel = rng.normal(size=(input_dim, 4 * units))
    recurrent = rng.normal(size=(units, 4 * units))
    bias = rng.normal(size=(4 * units,))
    a = c = np.zeros((batch, units))
    states = (a, c)
    for _ in range(5):
        x = rng.normal(size=(batch, input_dim))
        a, c = lstm_reference.lstm_step(x, a, c, kernel, recurrent, bias)
        _, states = recurrent_reference.lstm_step(x, states, (kernel, recurrent, bias))
        np.testing.assert_allclose(states[0], a, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(states[1], c, rtol=1e-12, atol=1e-12)

"""A NumPy LSTM cell written from the slides' equations, and a check against Keras.

The slides (after the deeplearning.ai Sequence Models course) write one LSTM step as

    c~<t> = tanh(W_c [a<t-1>, x<t>] + b_c)          candidate cell state
    G_u   = sigmoid(W_u [a<t-1>, x<t>] + b_u)       update (input) gate
    G_f   = sigmoid(W_f [a<t-1>, x<t>] + b_f)       forget gate
    G_o   = sigmoid(W_o [a<t-1>, x<t>] + b_o)       output gate
    c<t>  = G_u * c~<t> + G_f * c<t-1>
    a<t>  = G_o * tanh(c<t>)

``keras.layers.LSTMCell`` stores ``W_g [a, x]`` as two matrices, ``kernel`` (applied
to ``x``) and ``recurrent_kernel`` (applied to ``a``, the hidden state ``h``), each
with the four gates concatenated along the last axis in the order
``[i, f, c, o]`` (update/input, forget, candidate, output). ``lstm_step`` below
splits them in that order; ``check_against_keras`` shows that it reproduces
Keras' ``h`` and ``c`` over several steps.

This file is shown in the documentation (``docs/lstm.rst``) and tested by
``tests/test_lstm_equations.py``: the code on the page is the code under test.
"""

from __future__ import annotations

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, 1 / (1 + exp(-z))."""
    return 1.0 / (1.0 + np.exp(-z))


def lstm_step(x, a_prev, c_prev, kernel, recurrent_kernel, bias):
    """One LSTM step, exactly as the slides write it.

    Args:
        x: the input at step t, shape ``(batch, input_dim)``.
        a_prev: the hidden state a<t-1> (Keras' ``h``), shape ``(batch, units)``.
        c_prev: the cell state c<t-1>, shape ``(batch, units)``.
        kernel: Keras' input weights, shape ``(input_dim, 4 * units)``, gates [i, f, c, o].
        recurrent_kernel: Keras' recurrent weights, shape ``(units, 4 * units)``, same order.
        bias: shape ``(4 * units,)``, same order.

    Returns:
        ``(a, c)``: the new hidden state and cell state.
    """
    # W_g [a<t-1>, x<t>] + b_g for the four gates g at once, split in Keras' order.
    z = x @ kernel + a_prev @ recurrent_kernel + bias
    z_u, z_f, z_c, z_o = np.split(z, 4, axis=-1)
    gamma_u = sigmoid(z_u)  # update gate (Keras: input gate i)
    gamma_f = sigmoid(z_f)  # forget gate f
    c_tilde = np.tanh(z_c)  # candidate cell state
    gamma_o = sigmoid(z_o)  # output gate o
    c = gamma_u * c_tilde + gamma_f * c_prev
    a = gamma_o * np.tanh(c)
    return a, c


def check_against_keras(
    *, batch: int = 3, input_dim: int = 5, units: int = 4, steps: int = 6, seed: int = 0
) -> float:
    """Runs ``keras.layers.LSTMCell`` and :func:`lstm_step` side by side.

    Both start from the same random weights (the bias too, not Keras' zeros and
    ones) and zero states, read the same random inputs and step ``steps`` times.

    Returns:
        The largest absolute difference between the two, over every step's ``h``
        (``a``) and ``c``.
    """
    import keras

    rng = np.random.default_rng(seed)
    cell = keras.layers.LSTMCell(units)
    cell.build((batch, input_dim))
    kernel = rng.normal(scale=0.5, size=(input_dim, 4 * units)).astype("float32")
    recurrent_kernel = rng.normal(scale=0.5, size=(units, 4 * units)).astype("float32")
    bias = rng.normal(scale=0.5, size=(4 * units,)).astype("float32")
    cell.set_weights([kernel, recurrent_kernel, bias])

    h = c = np.zeros((batch, units), dtype="float32")  # Keras' states
    a = c_ref = np.zeros((batch, units), dtype="float32")  # the reference's
    worst = 0.0
    for _ in range(steps):
        x = rng.normal(size=(batch, input_dim)).astype("float32")
        _, (h, c) = cell(x, [h, c])
        h, c = keras.ops.convert_to_numpy(h), keras.ops.convert_to_numpy(c)
        a, c_ref = lstm_step(x, a, c_ref, kernel, recurrent_kernel, bias)
        worst = max(worst, float(np.max(np.abs(h - a))), float(np.max(np.abs(c - c_ref))))
    return worst

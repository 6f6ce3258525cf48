"""A NumPy reference for Keras' LSTM, GRU and Bidirectional layers (a test helper).

The recurrent tests compare keras_seqzoo's fused layers with this reference as well as
with ``keras.layers.LSTM`` / ``GRU`` on the backend under test. On TensorFlow the fused
layers run Keras' own path, so only this reference can fail there; on every backend it
checks the equations rather than agreement with Keras.

Written from the equations, in float64, with nothing from Keras' or keras_seqzoo's
code (the layer under test only supplies its settings and weights):

- LSTM (gates ``i, f, c, o`` along the last axis, as ``keras.layers.LSTMCell`` stores
  them): ``c = sigmoid(f) * c + sigmoid(i) * tanh(c~)``, ``h = sigmoid(o) * tanh(c)``;
- GRU (gates ``z, r, h``): ``h = z * h + (1 - z) * h~`` with
  ``h~ = tanh(x W_h + b + r * (h U_h + b_rec))`` (``reset_after=True``) or
  ``tanh(x W_h + b + (r * h) U_h)`` (``reset_after=False``);
- masks as Keras' ``backend.rnn`` on JAX: a masked step keeps the states and outputs
  zeros (``zero_output_for_mask``) or the first state (the previous output; Keras'
  TensorFlow loop outputs zeros there for a masked first step, which differs only with
  a non-zero initial state); ``go_backwards`` processes time from the last step and
  returns outputs in that order; ``Bidirectional`` sets ``zero_output_for_mask`` to
  ``return_sequences``, flips the backward outputs back into time order and merges;
- gradients by central differences in float64 (:func:`outputs_and_gradients`).

Every array may carry extra leading axes (the perturbations of the central differences
are evaluated all at once along one).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["bidirectional", "gru_step", "layer", "lstm_step", "outputs", "outputs_and_gradients", "rnn",
           "sigmoid"]

Weights = Sequence  # (kernel, recurrent_kernel, bias or None)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-z))


def _bias_row(bias):
    """A bias ``(..., n)`` as ``(..., 1, n)``: broadcast over the batch."""
    return 0.0 if bias is None else bias[..., None, :]


def lstm_step(x_t, states, weights: Weights):
    """One LSTM step: ``(output, new states (h, c))``."""
    kernel, recurrent, bias = weights
    h, c = states
    z = x_t @ kernel + h @ recurrent + _bias_row(bias)
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
    c = sigmoid(z_f) * c + sigmoid(z_i) * np.tanh(z_c)
    h = sigmoid(z_o) * np.tanh(c)
    return h, (h, c)


def gru_step(x_t, states, weights: Weights, reset_after: bool = True):
    """One GRU step: ``(output, new states (h,))``."""
    kernel, recurrent, bias = weights
    (h,) = states
    if bias is None:
        input_bias = recurrent_bias = 0.0
    elif reset_after:  # (2, 3 * units): the input bias, then the recurrent one
        input_bias, recurrent_bias = _bias_row(bias[..., 0, :]), _bias_row(bias[..., 1, :])
    else:
        input_bias, recurrent_bias = _bias_row(bias), 0.0
    x_z, x_r, x_h = np.split(x_t @ kernel + input_bias, 3, axis=-1)
    if reset_after:
        h_z, h_r, h_h = np.split(h @ recurrent + recurrent_bias, 3, axis=-1)
        z, r = sigmoid(x_z + h_z), sigmoid(x_r + h_r)
        candidate = np.tanh(x_h + r * h_h)
    else:
        u_z, u_r, u_h = np.split(recurrent, 3, axis=-1)
        z, r = sigmoid(x_z + h @ u_z), sigmoid(x_r + h @ u_r)
        candidate = np.tanh(x_h + (r * h) @ u_h)
    h = z * h + (1.0 - z) * candidate
    return h, (h,)


def rnn(step: Callable, x, mask, states, *, go_backwards: bool = False,
        zero_output_for_mask: bool = False):
    """Runs ``step`` over the time axis of ``x`` ``(..., batch, time, features)``.

    Returns:
        ``(last output, outputs (..., batch, time, units) in the order processed,
        final states)``.
    """
    steps = x.shape[-2]
    order = range(steps - 1, -1, -1) if go_backwards else range(steps)
    outputs = []
    for t in order:
        output, new = step(x[..., t, :], states)
        if mask is not None:
            kept = mask[:, t, None]
            output = np.where(kept, output, 0.0 if zero_output_for_mask else states[0])
            new = tuple(np.where(kept, n, s) for n, s in zip(new, states))
        outputs.append(output)
        states = new
    stacked = np.stack(outputs, axis=-2)
    return stacked[..., -1, :], stacked, states


def _step(kind: str, weights: Weights, reset_after: bool) -> Callable:
    if kind == "lstm":
        return lambda x_t, states: lstm_step(x_t, states, weights)
    return lambda x_t, states: gru_step(x_t, states, weights, reset_after)


def _zeros(kind: str, x, units: int):
    batch = x.shape[-3]
    return tuple(np.zeros((batch, units)) for _ in range(2 if kind == "lstm" else 1))


def layer(kind: str, weights: Weights, x, mask=None, initial_state=None, *,
          return_sequences: bool, go_backwards: bool = False,
          zero_output_for_mask: bool = False, reset_after: bool = True):
    """One ``LSTM`` / ``GRU`` layer (``kind`` ``"lstm"`` / ``"gru"``): ``(output, states)``."""
    units = weights[1].shape[-2]
    states = tuple(initial_state) if initial_state else _zeros(kind, x, units)
    last, outputs, states = rnn(_step(kind, weights, reset_after), x, mask, states,
                                go_backwards=go_backwards,
                                zero_output_for_mask=zero_output_for_mask)
    return (outputs if return_sequences else last), states


def bidirectional(kind: str, forward: Weights, backward: Weights, x, mask=None, *,
                  return_sequences: bool, merge_mode: str | None = "concat",
                  reset_after: bool = True):
    """``Bidirectional(LSTM / GRU)``: the merged output (a pair when ``merge_mode=None``)."""
    settings = {"return_sequences": return_sequences, "reset_after": reset_after,
                "zero_output_for_mask": return_sequences}
    y, _ = layer(kind, forward, x, mask, **settings)
    y_rev, _ = layer(kind, backward, x, mask, go_backwards=True, **settings)
    if return_sequences:
        y_rev = np.flip(y_rev, axis=-2)
    y, y_rev = np.broadcast_arrays(y, y_rev)  # one direction may carry perturbations
    if merge_mode == "concat":
        return np.concatenate([y, y_rev], axis=-1)
    if merge_mode == "sum":
        return y + y_rev
    if merge_mode == "ave":
        return (y + y_rev) / 2
    if merge_mode == "mul":
        return y * y_rev
    if merge_mode is None:
        return y, y_rev
    raise ValueError(f"merge_mode {merge_mode!r}")


def _settings(keras_layer) -> tuple[str, list, dict]:
    """``(kind, weight arrays split per direction, settings)`` of a Keras recurrent layer
    or ``Bidirectional``: only its configuration and weights, none of its code."""
    import keras

    inner = [keras_layer.forward_layer, keras_layer.backward_layer] if isinstance(
        keras_layer, keras.layers.Bidirectional) else [keras_layer]
    cell = inner[0].cell
    kind = "lstm" if isinstance(inner[0], keras.layers.LSTM) else "gru"
    for name, expected in (("activation", "tanh"), ("recurrent_activation", "sigmoid")):
        assert getattr(cell, name).__name__ == expected, (name, getattr(cell, name))
    weights = []
    for one in inner:
        arrays = [np.asarray(w, np.float64) for w in one.get_weights()]
        weights.append(arrays if len(arrays) == 3 else [*arrays, None])
    settings = {"return_sequences": keras_layer.return_sequences,
                "reset_after": getattr(cell, "reset_after", True)}
    if len(inner) == 2:
        settings["merge_mode"] = keras_layer.merge_mode
    else:
        settings["go_backwards"] = keras_layer.go_backwards
        settings["zero_output_for_mask"] = keras_layer.zero_output_for_mask
    return kind, weights, settings


def outputs(keras_layer, x, mask=None, initial_state=None, return_state: bool = False):
    """The reference's outputs for ``keras_layer``'s settings and weights (float64).

    Args:
        keras_layer: a built ``keras.layers.LSTM`` / ``GRU`` / ``Bidirectional`` (or a
            subclass).
        x: inputs ``(batch, time, features)``.
        mask: ``None`` or booleans ``(batch, time)``.
        initial_state: initial states (one layer only), each ``(batch, units)``.
        return_state: also return the final states (one layer only).

    Returns:
        The outputs (a pair for ``Bidirectional(merge_mode=None)``), or
        ``[outputs, *final states]`` with ``return_state``.
    """
    kind, weights, settings = _settings(keras_layer)
    x = np.asarray(x, np.float64)
    if len(weights) == 2:
        return bidirectional(kind, *weights, x, mask, **settings)
    initial = None if initial_state is None else [np.asarray(s, np.float64)
                                                  for s in initial_state]
    output, states = layer(kind, weights[0], x, mask, initial, **settings)
    return [output, *states] if return_state else output


def outputs_and_gradients(keras_layer, x, mask, out_weights, initial_state=()) -> list:
    """Outputs and gradients of ``sum(outputs * out_weights)``, as the tests compute them.

    Args:
        keras_layer: a built ``keras.layers.LSTM`` / ``GRU`` / ``Bidirectional`` (or a
            subclass): its settings and weights.
        x: inputs ``(batch, time, features)``.
        mask: ``None`` or booleans ``(batch, time)``.
        out_weights: the weights of the outputs in the scalar loss.
        initial_state: initial states (one layer only), each ``(batch, units)``.

    Returns:
        ``[outputs, gradient of each weight (in get_weights' order), gradient of x,
        gradient of each initial state]`` in float64; the gradients by central
        differences.
    """
    kind, weights, settings = _settings(keras_layer)
    bidi = len(weights) == 2
    flat = [w for direction in weights for w in direction]
    present = [i for i, w in enumerate(flat) if w is not None]
    arrays = [flat[i] for i in present] + [np.asarray(x, np.float64)] + [
        np.asarray(s, np.float64) for s in initial_state]
    n_weights, out_weights = len(present), np.asarray(out_weights, np.float64)

    def run(values):
        full = list(flat)
        for i, value in zip(present, values[:n_weights]):
            full[i] = value
        x, initial = values[n_weights], list(values[n_weights + 1:]) or None
        if bidi:
            return bidirectional(kind, full[:3], full[3:], x, mask, **settings)
        return layer(kind, full, x, mask, initial, **settings)[0]

    def loss(values):
        out = run(values)
        return np.sum(out * out_weights, axis=tuple(range(out.ndim - out_weights.ndim,
                                                          out.ndim)))

    grads, eps = [], 1e-6
    for index, value in enumerate(arrays):
        # All of this array's perturbations at once, along a new leading axis.
        step = (np.eye(value.size) * eps).reshape(value.size, *value.shape)
        plus, minus = list(arrays), list(arrays)
        plus[index], minus[index] = value + step, value - step
        grads.append(((loss(plus) - loss(minus)) / (2 * eps)).reshape(value.shape))
    return [run(arrays), *grads]

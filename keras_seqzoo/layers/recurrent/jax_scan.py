"""The JAX kernel of the fused recurrent layers: a ``jax.lax.scan`` with Keras' mask semantics.

Kernel names ``"jax-scan"`` (one layer) and ``"jax-scan-bidirectional"`` (both
directions of a ``Bidirectional`` in one scan: one batched matmul per step for the
two). Like the ``rnn.py`` of Keras' own JAX backend these are functions of arrays
and flags; :mod:`keras_seqzoo.layers.recurrent.layers` decides when they run.
Why the scan is written this way (the input projection inside the scan, no
unrolling, JAX's own gradients) is measured by ``benchmarks/kernels/bilstm_layer.py`` and
set out in the guide's page on recurrent kernels. The one scan for both directions
is not measurably faster than Keras' two: about 8 % less time by the medians in
``docs/data/benchmarks/bilstm_layer.txt``, within that machine's noise.

Every array may carry a leading direction axis (size 2) for the bidirectional
scan: the steps' matmuls then batch over it.
"""

from __future__ import annotations

from typing import Any, Callable

from keras import ops

__all__ = [
    "BIDIRECTIONAL",
    "SCAN",
    "bidirectional_scan",
    "cell_step",
    "cell_weights",
    "gpu",
    "gru_step",
    "lstm_step",
    "scan",
    "scan_layer",
]

SCAN = "jax-scan"
BIDIRECTIONAL = "jax-scan-bidirectional"

Weights = tuple[Any, Any, Any, Any]
"""``(kernel, recurrent_kernel, input_bias, recurrent_bias)``; the biases may be ``None``."""
Step = Callable[[Any, tuple], tuple]
"""``step(x_t, states) -> new states``; the first state is the output."""


def gpu() -> bool:
    """Whether JAX runs on a GPU (where Keras' own path takes cuDNN)."""
    import jax

    return jax.default_backend() == "gpu"


def cell_weights(cell) -> Weights:
    """The cell's variables as JAX arrays: ``(kernel, recurrent_kernel, input_bias,
    recurrent_bias)``; a GRU's ``reset_after`` bias is split into its two rows."""
    import jax.numpy as jnp

    kernel = jnp.asarray(ops.convert_to_tensor(cell.kernel))
    recurrent = jnp.asarray(ops.convert_to_tensor(cell.recurrent_kernel))
    bias = None if cell.bias is None else jnp.asarray(ops.convert_to_tensor(cell.bias))
    if bias is not None and getattr(cell, "reset_after", False):
        return kernel, recurrent, bias[0], bias[1]
    return kernel, recurrent, bias, None


def lstm_step(weights: Weights, activation, recurrent_activation) -> Step:
    """Keras' LSTM step (gates ``i, f, c, o``); arrays may carry a leading direction axis."""
    import jax.numpy as jnp

    kernel, recurrent, input_bias, _ = weights
    act, rec_act = activation, recurrent_activation

    def step(x_t, carry):
        h, c = carry
        z = x_t @ kernel + h @ recurrent
        if input_bias is not None:
            z = z + input_bias
        z_i, z_f, z_c, z_o = jnp.split(z, 4, axis=-1)
        c = rec_act(z_f) * c + rec_act(z_i) * act(z_c)
        h = rec_act(z_o) * act(c)
        return h, c

    return step


def gru_step(weights: Weights, activation, recurrent_activation, reset_after: bool,
             units: int) -> Step:
    """Keras' GRU step (gates ``z, r, h``); arrays may carry a leading direction axis."""
    import jax.numpy as jnp

    kernel, recurrent, input_bias, recurrent_bias = weights
    act, rec_act = activation, recurrent_activation

    def step(x_t, carry):
        (h,) = carry
        x_t = x_t @ kernel
        if input_bias is not None:
            x_t = x_t + input_bias
        x_z, x_r, x_h = jnp.split(x_t, 3, axis=-1)
        if reset_after:
            inner = h @ recurrent
            if recurrent_bias is not None:
                inner = inner + recurrent_bias
            r_z, r_r, r_h = jnp.split(inner, 3, axis=-1)
            z = rec_act(x_z + r_z)
            r = rec_act(x_r + r_r)
            hh = act(x_h + r * r_h)
        else:
            inner = h @ recurrent[..., : 2 * units]
            r_z, r_r = jnp.split(inner, 2, axis=-1)
            z = rec_act(x_z + r_z)
            r = rec_act(x_r + r_r)
            hh = act(x_h + (r * h) @ recurrent[..., 2 * units:])
        return (z * h + (1 - z) * hh,)

    return step


def cell_step(kind: str, cell, weights: Weights) -> Step:
    """The step of ``cell`` (``kind`` ``"lstm"`` or ``"gru"``) on ``weights``: the cell's
    activations (and a GRU's ``reset_after``)."""
    if kind == "lstm":
        return lstm_step(weights, cell.activation, cell.recurrent_activation)
    return gru_step(weights, cell.activation, cell.recurrent_activation, cell.reset_after,
                    cell.units)


def scan(step: Step, xs, masks, states, zero_output: bool, reverse: bool = False):
    """``jax.lax.scan`` of ``step`` over time with Keras' mask semantics (``backend.rnn``
    on JAX): masked steps keep the states and output zeros or the previous output.

    Args:
        step: the cell's step (:func:`lstm_step`, :func:`gru_step`).
        xs: time-major inputs ``(time, ..., batch, features)``.
        masks: ``None`` or booleans ``(time, ..., batch, 1)``.
        states: the initial states.
        zero_output: whether masked steps output zeros (else the previous output).
        reverse: scan from the last time step to the first.

    Returns:
        ``(final states, outputs (time, ..., batch, units))``, the outputs in time order.
    """
    import jax
    import jax.numpy as jnp

    if masks is None:
        def body(carry, x_t):
            new = step(x_t, carry)
            return new, new[0]

        return jax.lax.scan(body, states, xs, reverse=reverse)

    def masked_body(carry, inputs):
        x_t, m = inputs
        new = step(x_t, carry)
        out = jnp.where(m, new[0], jnp.zeros_like(new[0]) if zero_output else carry[0])
        return tuple(jnp.where(m, n, c) for n, c in zip(new, carry)), out

    return jax.lax.scan(masked_body, states, (xs, masks), reverse=reverse)


def scan_layer(kind: str, cell, sequences, initial_state, mask, *, go_backwards: bool,
               zero_output_for_mask: bool):
    """One recurrent layer as Keras' ``RNN.inner_loop`` returns it.

    Args:
        kind: ``"lstm"`` or ``"gru"``.
        cell: the layer's Keras cell (its variables are the weights).
        sequences: ``(batch, time, features)``.
        initial_state: the initial states, each ``(batch, units)``.
        mask: ``None`` or ``(batch, time)``.
        go_backwards: process time from the last step to the first.
        zero_output_for_mask: the layer's ``zero_output_for_mask``.

    Returns:
        ``(last output, outputs (batch, time, units), final states)``; the outputs in
        the order processed, as Keras returns them.
    """
    import jax.numpy as jnp

    weights = cell_weights(cell)
    kernel = weights[0]
    x = jnp.asarray(sequences).astype(kernel.dtype)
    xs = jnp.swapaxes(x, 0, 1)  # (time, batch, features)
    masks = None if mask is None else jnp.swapaxes(
        jnp.asarray(mask).astype(bool), 0, 1)[..., None]
    states = tuple(jnp.asarray(s) for s in initial_state)
    final, outputs = scan(cell_step(kind, cell, weights), xs, masks, states, zero_output_for_mask,
                          reverse=go_backwards)
    if go_backwards:
        outputs = jnp.flip(outputs, axis=0)  # Keras' order: as processed
    return outputs[-1], jnp.swapaxes(outputs, 0, 1), list(final)


def bidirectional_scan(kind: str, forward_cell, backward_cell, sequences, mask, *,
                       zero_output_for_mask: bool, return_sequences: bool):
    """Both directions of a ``Bidirectional`` in one scan (zero initial states).

    Args:
        kind: ``"lstm"`` or ``"gru"``.
        forward_cell: the forward layer's Keras cell; its step (activations) serves
            both directions.
        backward_cell: the backward layer's Keras cell (the same units and activations).
        sequences: ``(batch, time, features)``.
        mask: ``None`` or ``(batch, time)``.
        zero_output_for_mask: the forward layer's ``zero_output_for_mask``.
        return_sequences: return every step's outputs (else the last).

    Returns:
        ``(y, y_rev)``: the forward and backward outputs, both in time order
        (``(batch, time, units)``) or the last ones (``(batch, units)``).
    """
    import jax.numpy as jnp

    weights = [cell_weights(forward_cell), cell_weights(backward_cell)]
    x = jnp.swapaxes(jnp.asarray(sequences).astype(weights[0][0].dtype), 0, 1)
    # (time, direction, batch, features); the backward direction runs reversed time.
    xs = jnp.stack([x, jnp.flip(x, axis=0)], axis=1)

    def stacked(i, expand=False):
        if weights[0][i] is None:
            return None
        both = jnp.stack([weights[0][i], weights[1][i]])
        return both[:, None, :] if expand else both

    masks = None
    if mask is not None:
        m = jnp.swapaxes(jnp.asarray(mask).astype(bool), 0, 1)  # (time, batch)
        masks = jnp.stack([m, jnp.flip(m, axis=0)], axis=1)[..., None]
    batch, units = x.shape[1], forward_cell.units
    zeros = jnp.zeros((2, batch, units), x.dtype)
    states = (zeros,) * (2 if kind == "lstm" else 1)
    both = (stacked(0), stacked(1), stacked(2, True), stacked(3, True))
    _, outputs = scan(cell_step(kind, forward_cell, both), xs, masks, states, zero_output_for_mask)
    if return_sequences:
        y, y_rev = outputs[:, 0], jnp.flip(outputs[:, 1], axis=0)
        return jnp.swapaxes(y, 0, 1), jnp.swapaxes(y_rev, 0, 1)
    return outputs[-1, 0], outputs[-1, 1]

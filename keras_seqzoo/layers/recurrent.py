"""``LSTM`` and ``GRU``: Keras' recurrent layers with a fused kernel per backend.

They are subclasses of ``keras.layers.LSTM`` / ``keras.layers.GRU`` with the
same arguments, the same variables (``kernel``, ``recurrent_kernel``, ``bias``;
the GRU's ``(2, 3 * units)`` bias when ``reset_after=True``) and the same
outputs; only the loop over time steps runs differently:

- PyTorch: ``torch``'s own fused RNN op (``torch._VF.lstm`` / ``torch._VF.gru``,
  the op behind ``torch.nn.LSTM`` / ``GRU``: oneDNN on a CPU, cuDNN on CUDA)
  with Keras' weights mapped onto it (contiguous copies in torch's layout, as
  ``nn.LSTM`` holds them), gradients flowing back to the Keras variables.
  Right-padded masks run through a packed sequence; other masks fall back to
  Keras' loop. Under :class:`Bidirectional` both directions go
  into one call with ``bidirectional=True``, as ``nn.LSTM`` does. Kernel names
  ``"torch-fused"``, ``"torch-fused-packed"`` and, under ``Bidirectional``,
  ``"torch-fused-bidirectional"``, ``"torch-fused-packed-bidirectional"``.
- JAX: on a GPU with no mask, Keras' own path (``"keras"``: its cuDNN call for the
  LSTM, its scan for the GRU); otherwise
  ``"jax-scan"``, a ``jax.lax.scan`` with Keras' mask semantics (any mask), and
  under :class:`Bidirectional` ``"jax-scan-bidirectional"``: both directions
  advance together in one scan (one batched matmul per step for the two). The
  input projection stays inside the scan: hoisted out as one matmul over all
  time steps it measured about 30% slower on XLA's CPU backend (forward and
  gradient), while the one scan for both directions measured about 15% faster
  than two. Also measured and not kept (CPU): unrolling the scan (2 steps per
  iteration: 1.14x the time, 8: 3.4x) and hand-written gradients
  (``jax.custom_vjp`` with one matmul per step backwards and the weight
  gradients as matmuls over all steps, as cuDNN does): about 13% faster for a
  lone layer whose every output is used, but 1.1-1.3x slower in the T5 BiLSTM
  and T6 BiGRU models, whose loss sees only the last output (alternating
  epochs, with another training job on the machine).
- TensorFlow: Keras' own path (``"keras"``: cuDNN on a GPU, its loop on a CPU).

Whatever the fused kernel cannot take (dropout, ``unroll=True``, activations
other than tanh/sigmoid on PyTorch, a GRU with ``reset_after=False`` on
PyTorch, a mask that is not right-padded on PyTorch, a compute dtype other than
the variables' dtype) runs Keras' own loop. Each layer names the kernel its last
call ran in :attr:`LSTM.kernel_name`, and the module logger
(``keras_seqzoo.layers.recurrent``) says at DEBUG level which kernel ran
and why whenever that changes.

Serialization: the classes are registered as ``keras_seqzoo>LSTM``,
``keras_seqzoo>GRU`` and ``keras_seqzoo>Bidirectional`` with Keras' own config, so a ``.keras`` file loads wherever
``keras_seqzoo`` is imported (no ``custom_objects``), and weights interchange
with plain ``keras.layers.LSTM`` / ``GRU`` in both directions (same variable
shapes and paths: ``save_weights`` / ``load_weights``, ``get_weights`` /
``set_weights``). Without ``keras_seqzoo``, plain Keras loads such a file with
``custom_objects=keras_seqzoo.layers.PLAIN_KERAS_OBJECTS``
(which maps the names to Keras' own classes); a plain Keras
file loads into keras_seqzoo as it is (plain layers).

Example:

```python
import keras
from keras_seqzoo.layers import LSTM, Bidirectional

layer = Bidirectional(LSTM(32))
outputs = layer(keras.random.normal((4, 10, 8)))
layer.forward_layer.kernel_name  # e.g. "jax-scan-bidirectional"
```
"""

from __future__ import annotations

import logging
from typing import Any

import keras
from keras import ops

__all__ = ["GRU", "LSTM", "PLAIN_KERAS_OBJECTS", "Bidirectional", "recurrent_kernels"]

logger = logging.getLogger(__name__)

KERAS = "keras"
JAX_GPU_REASON = "JAX on a GPU: Keras' own path (cuDNN for the LSTM)"


def _is_tanh(fn) -> bool:
    return fn is keras.activations.tanh or getattr(fn, "__name__", "") == "tanh"


def _is_sigmoid(fn) -> bool:
    return fn is keras.activations.sigmoid or getattr(fn, "__name__", "") == "sigmoid"


def _jax_gpu() -> bool:
    import jax

    return jax.default_backend() == "gpu"


def _torch_lengths(mask, steps: int):
    """``(usable, lengths)`` of a mask for torch's fused op.

    ``(True, None)``: no mask, or nothing masked (the plain op); ``(True, lengths)``:
    a right-padded mask (a packed sequence); ``(False, None)``: any other mask, or a
    row with no step (Keras' loop).
    """
    import torch

    if mask is None:
        return True, None
    mask = ops.convert_to_tensor(mask).bool()
    lengths = mask.sum(dim=1)
    expected = torch.arange(steps, device=mask.device)[None, :] < lengths[:, None]
    if bool((lengths == 0).any()) or not bool(torch.equal(mask, expected)):
        return False, None
    if bool((lengths == steps).all()):
        return True, None
    return True, lengths


def _scan(step, xs, masks, states, zero_output: bool, reverse: bool = False):
    """``jax.lax.scan`` of ``step`` over time with Keras' mask semantics (backend.rnn on
    JAX): masked steps keep the states and output zeros or the previous output."""
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


class _FusedMixin:
    """The choice of kernel shared by :class:`LSTM` and :class:`GRU`."""

    _kernel_name: str | None = None
    # Provided by the Keras RNN layer this mixin is combined with (for type checkers).
    name: str
    cell: Any
    unroll: bool
    go_backwards: bool
    zero_output_for_mask: bool
    built: bool
    compute_dtype: Any

    @property
    def kernel_name(self) -> str | None:
        """The kernel the layer's last call ran (``None`` before the first call).

        One of ``"torch-fused"``, ``"torch-fused-packed"`` (and their
        ``-bidirectional`` forms), ``"jax-scan"``, ``"jax-scan-bidirectional"``,
        ``"keras"`` (Keras' own path: its cuDNN kernel where it takes it, else
        its loop over time steps).
        """
        return self._kernel_name

    def _note_kernel(self, name: str, reason: str) -> None:
        if name != self._kernel_name:
            logger.debug("%s %r: kernel %s (%s)", type(self).__name__, self.name, name, reason)
        self._kernel_name = name

    def _why_not_fused(self, training) -> str | None:
        """Returns why the fused kernels cannot run this layer, or ``None``."""
        cell = self.cell
        if self.unroll:
            return "unroll=True"
        if cell.dropout or cell.recurrent_dropout:
            return "dropout or recurrent_dropout"
        if self.compute_dtype != cell.variable_dtype:
            return f"compute dtype {self.compute_dtype} != variable dtype {cell.variable_dtype}"
        backend = keras.backend.backend()
        if backend == "torch":
            if not (_is_tanh(cell.activation) and _is_sigmoid(cell.recurrent_activation)):
                return "torch's fused op needs activation='tanh', recurrent_activation='sigmoid'"
        elif backend != "jax":
            return f"Keras' own path is the fastest measured on {backend}"
        return None

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        reason = self._why_not_fused(training)
        backend = keras.backend.backend()
        if reason is None and backend == "jax":
            if mask is None and _jax_gpu() and self.use_cudnn in ("auto", True):
                reason = JAX_GPU_REASON
            else:
                self._note_kernel("jax-scan", "lax.scan with Keras' mask semantics")
                return self._jax_scan(sequences, initial_state, mask)
        if reason is None and backend == "torch":
            result = self._torch_fused(sequences, initial_state, mask)
            if result is not None:
                return result
            reason = "mask is not right-padded (or has an empty row)"
        self._note_kernel(KERAS, reason or "")
        return super().inner_loop(sequences, initial_state, mask=mask, training=training)

    # -- JAX ---------------------------------------------------------------
    def _jax_scan(self, sequences, initial_state, mask):
        import jax.numpy as jnp

        kernel, recurrent, input_bias, recurrent_bias = self._jax_weights()
        x = jnp.asarray(sequences).astype(kernel.dtype)
        xs = jnp.swapaxes(x, 0, 1)  # (time, batch, features)
        masks = None if mask is None else jnp.swapaxes(
            jnp.asarray(mask).astype(bool), 0, 1)[..., None]
        states = tuple(jnp.asarray(s) for s in initial_state)
        final, outputs = self._jax_run((kernel, recurrent, input_bias, recurrent_bias), xs,
                                       masks, states, reverse=self.go_backwards)
        if self.go_backwards:
            outputs = jnp.flip(outputs, axis=0)  # Keras' order: as processed
        return outputs[-1], jnp.swapaxes(outputs, 0, 1), list(final)

    def _jax_run(self, weights, xs, masks, states, reverse: bool = False):
        """``(final states, outputs)`` of the scan of the cell's step over ``xs``."""
        kernel, recurrent, input_bias, recurrent_bias = weights
        step = self._jax_step(kernel, input_bias, recurrent, recurrent_bias)
        return _scan(step, xs, masks, states, self.zero_output_for_mask, reverse=reverse)

    def _jax_step(self, kernel, input_bias, recurrent, recurrent_bias):
        """One time step of the cell (see :class:`LSTM`, :class:`GRU`)."""
        raise NotImplementedError

    def _jax_weights(self):
        import jax.numpy as jnp

        cell = self.cell
        kernel = jnp.asarray(ops.convert_to_tensor(cell.kernel))
        recurrent = jnp.asarray(ops.convert_to_tensor(cell.recurrent_kernel))
        bias = None if cell.bias is None else jnp.asarray(ops.convert_to_tensor(cell.bias))
        if bias is not None and getattr(cell, "reset_after", False):
            return kernel, recurrent, bias[0], bias[1]
        return kernel, recurrent, bias, None

    # -- PyTorch -----------------------------------------------------------
    def _torch_fused(self, sequences, initial_state, mask):
        """Runs torch's fused op; ``None`` when the mask is not right-padded."""
        import torch

        kernel = ops.convert_to_tensor(self.cell.kernel)
        x = ops.convert_to_tensor(sequences).to(kernel.dtype)
        batch, steps = x.shape[0], x.shape[1]
        usable, lengths = _torch_lengths(mask, steps)
        if not usable:
            return None
        params = self._torch_params()
        hx = [ops.convert_to_tensor(s).to(kernel.dtype)[None] for s in initial_state]
        if lengths is None:
            if self.go_backwards:
                x = torch.flip(x, dims=[1])
            outputs, final = self._torch_call(x, None, hx, params)
            self._note_kernel("torch-fused", "torch's fused RNN op")
            return outputs[:, -1], outputs, [state[0] for state in final]
        # Right-padded: reverse each row's valid part for go_backwards, run the
        # packed op, and rebuild Keras' outputs for the padded steps.
        index = torch.arange(steps, device=x.device)[None, :].expand(batch, steps)
        valid = index < lengths[:, None]
        if self.go_backwards:
            index = torch.where(valid, lengths[:, None] - 1 - index, index)
            x = torch.gather(x, 1, index[..., None].expand_as(x))
        packed = torch.nn.utils.rnn.pack_padded_sequence(
            x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        hx = [h.index_select(1, packed.sorted_indices) for h in hx]
        packed_out, final = self._torch_call(packed.data, packed, hx, params)
        final = [state[0] for state in final]
        outputs, _ = torch.nn.utils.rnn.pad_packed_sequence(
            torch.nn.utils.rnn.PackedSequence(
                packed_out, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices),
            batch_first=True, total_length=steps)
        if self.go_backwards:
            # outputs[t] came from the reversed row's step t: original time L-1-t.
            outputs = torch.gather(outputs, 1, index[..., None].expand_as(outputs))
            # Keras (torch backend) processes the padding first: zeros, then the
            # valid steps from last to first; its outputs are in processing order.
            outputs = torch.where(valid[..., None], outputs, torch.zeros_like(outputs))
            outputs = torch.flip(outputs, dims=[1])
        elif not self.zero_output_for_mask:
            # Masked steps repeat the last valid output.
            last = outputs[torch.arange(batch, device=x.device), lengths - 1]
            outputs = torch.where(valid[..., None], outputs, last[:, None, :])
        self._note_kernel("torch-fused-packed", "right-padded mask as a packed sequence")
        return outputs[:, -1], outputs, final

    def _torch_call(self, x, packed, hx, params, bidirectional: bool = False):
        """Runs torch's fused op: ``(outputs, final states (directions, batch, units))``."""
        raise NotImplementedError


@keras.saving.register_keras_serializable(package="keras_seqzoo")
class LSTM(_FusedMixin, keras.layers.LSTM):
    """``keras.layers.LSTM`` with a fused kernel per backend (same arguments and weights).

    See the module docstring for the kernels; :attr:`kernel_name` says which ran.

    Args:
        units: dimensionality of the output space.
        **kwargs: any argument of ``keras.layers.LSTM``.

    Returns:
        The same outputs as ``keras.layers.LSTM``.

    Example:

    ```python
    layer = keras_seqzoo.layers.LSTM(32, return_sequences=True)
    ```
    """

    def _jax_step(self, kernel, input_bias, recurrent, recurrent_bias):
        """One time step; arrays may carry a leading direction axis."""
        import jax.numpy as jnp

        act, rec_act = self.cell.activation, self.cell.recurrent_activation

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

    def _torch_params(self):
        import torch

        cell = self.cell
        kernel = ops.convert_to_tensor(cell.kernel)
        recurrent = ops.convert_to_tensor(cell.recurrent_kernel)
        # Keras' gate order i, f, c, o is torch's i, f, g, o.
        zeros = torch.zeros(4 * cell.units, dtype=kernel.dtype, device=kernel.device)
        bias = zeros if cell.bias is None else ops.convert_to_tensor(cell.bias)
        # Contiguous (4 * units, features) copies, as nn.LSTM holds them, rather than
        # transposed views (benchmarks/torch_weight_layout.py compares the two).
        return [kernel.T.contiguous(), recurrent.T.contiguous(), bias, zeros]

    def _torch_call(self, x, packed, hx, params, bidirectional: bool = False):
        import torch

        if packed is None:
            out, h, c = torch._VF.lstm(x, tuple(hx), params, True, 1, 0.0,
                                       torch.is_grad_enabled(), bidirectional, True)
        else:
            out, h, c = torch._VF.lstm(x, packed.batch_sizes, tuple(hx), params, True, 1,
                                       0.0, torch.is_grad_enabled(), bidirectional)
            # Final states come back in the packed (sorted) order.
            h, c = h.index_select(1, packed.unsorted_indices), c.index_select(
                1, packed.unsorted_indices)
        return out, [h, c]


@keras.saving.register_keras_serializable(package="keras_seqzoo")
class GRU(_FusedMixin, keras.layers.GRU):
    """``keras.layers.GRU`` with a fused kernel per backend (same arguments and weights).

    See the module docstring for the kernels; :attr:`kernel_name` says which ran.
    On PyTorch the fused op is ``reset_after=True`` (Keras' default); a GRU with
    ``reset_after=False`` runs Keras' loop there.

    Args:
        units: dimensionality of the output space.
        **kwargs: any argument of ``keras.layers.GRU``.

    Returns:
        The same outputs as ``keras.layers.GRU``.

    Example:

    ```python
    layer = keras_seqzoo.layers.GRU(32)
    ```
    """

    def _why_not_fused(self, training) -> str | None:
        reason = super()._why_not_fused(training)
        if reason is None and keras.backend.backend() == "torch" and not self.cell.reset_after:
            return "torch's fused GRU is reset_after=True"
        return reason

    def _jax_step(self, kernel, input_bias, recurrent, recurrent_bias):
        """One time step; arrays may carry a leading direction axis."""
        import jax.numpy as jnp

        cell = self.cell
        units = cell.units
        act, rec_act = cell.activation, cell.recurrent_activation

        def step(x_t, carry):
            (h,) = carry
            x_t = x_t @ kernel
            if input_bias is not None:
                x_t = x_t + input_bias
            x_z, x_r, x_h = jnp.split(x_t, 3, axis=-1)
            if cell.reset_after:
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

    def _torch_params(self):
        import torch

        cell = self.cell
        kernel = ops.convert_to_tensor(cell.kernel)
        recurrent = ops.convert_to_tensor(cell.recurrent_kernel)

        def reorder(t):  # Keras' gates z, r, h -> torch's r, z, n (first axis)
            z, r, h = torch.chunk(t, 3, dim=0)
            return torch.cat([r, z, h], dim=0)  # contiguous, as nn.GRU holds them

        if cell.bias is None:
            zeros = torch.zeros(3 * cell.units, dtype=kernel.dtype, device=kernel.device)
            input_bias, recurrent_bias = zeros, zeros
        else:
            bias = ops.convert_to_tensor(cell.bias)
            input_bias, recurrent_bias = reorder(bias[0]), reorder(bias[1])
        return [reorder(kernel.T), reorder(recurrent.T), input_bias, recurrent_bias]

    def _torch_call(self, x, packed, hx, params, bidirectional: bool = False):
        import torch

        if packed is None:
            out, h = torch._VF.gru(x, hx[0], params, True, 1, 0.0,
                                   torch.is_grad_enabled(), bidirectional, True)
        else:
            out, h = torch._VF.gru(x, packed.batch_sizes, hx[0], params, True, 1, 0.0,
                                   torch.is_grad_enabled(), bidirectional)
            h = h.index_select(1, packed.unsorted_indices)
        return out, [h]


@keras.saving.register_keras_serializable(package="keras_seqzoo")
class Bidirectional(keras.layers.Bidirectional):
    """``keras.layers.Bidirectional`` that runs both directions of a fused layer in one kernel.

    When it wraps a :class:`LSTM` or :class:`GRU` that its fused kernel can take
    and no ``initial_state`` / ``return_state`` is asked for:

    - JAX on a CPU: the forward and backward directions advance together in one
      ``jax.lax.scan`` (kernel ``"jax-scan-bidirectional"``): one batched
      recurrent matmul per time step instead of two loops. On a GPU,
      ``keras.layers.Bidirectional`` runs: one cuDNN call for an LSTM without a
      mask (``"keras"``), else each direction on its own (``"jax-scan"`` with a
      mask).
    - PyTorch: one call of torch's fused op with ``bidirectional=True``
      (``"torch-fused-bidirectional"``; a right-padded mask as one packed
      sequence, ``"torch-fused-packed-bidirectional"``); any other mask runs
      each direction through Keras' loop.

    Everything else, and TensorFlow, runs ``keras.layers.Bidirectional``
    unchanged. Same arguments, variables, config and outputs as
    ``keras.layers.Bidirectional``.

    Args:
        layer: the recurrent layer to wrap.
        **kwargs: any argument of ``keras.layers.Bidirectional``.

    Returns:
        The same outputs as ``keras.layers.Bidirectional``.

    Example:

    ```python
    layer = keras_seqzoo.layers.Bidirectional(keras_seqzoo.layers.LSTM(32))
    ```
    """

    def call(self, sequences, initial_state=None, mask=None, training=None):
        if self._can_run_both(initial_state, training):
            backend = keras.backend.backend()
            if backend == "jax" and not _jax_gpu():
                return self._scan_both(sequences, mask)
            if backend == "jax" and mask is None:
                # Keras' Bidirectional runs an LSTM's two directions in one cuDNN
                # call here (a GRU's layer by layer, which notes the same name).
                for layer in (self.forward_layer, self.backward_layer):
                    layer._note_kernel(KERAS, JAX_GPU_REASON)
            if backend == "torch":
                result = self._torch_both(sequences, mask)
                if result is not None:
                    return result
        return super().call(sequences, initial_state=initial_state, mask=mask,
                            training=training)

    def _can_run_both(self, initial_state, training) -> bool:
        """Whether one fused kernel (JAX's scan, torch's op) can run both directions."""
        fwd, bwd = self.forward_layer, self.backward_layer
        if keras.backend.backend() not in ("jax", "torch") or initial_state is not None:
            return False
        if self.return_state or self.stateful or type(fwd) is not type(bwd):
            return False
        if not isinstance(fwd, _FusedMixin) or fwd.go_backwards == bwd.go_backwards:
            return False
        if fwd.go_backwards or not fwd.built or not bwd.built:
            return False
        if fwd.cell.units != bwd.cell.units or (fwd.cell.bias is None) != (bwd.cell.bias is None):
            return False
        # One step function serves both directions: their cells must agree.
        for attribute in ("activation", "recurrent_activation", "reset_after"):
            if getattr(fwd.cell, attribute, None) != getattr(bwd.cell, attribute, None):
                return False
        return not (fwd._why_not_fused(training) or bwd._why_not_fused(training))

    def _torch_both(self, sequences, mask):
        """Both directions in one call of torch's bidirectional fused op (``None``: a mask
        it cannot take)."""
        import torch
        from torch.nn.utils import rnn

        fwd, bwd = self.forward_layer, self.backward_layer
        kernel = ops.convert_to_tensor(fwd.cell.kernel)
        x = ops.convert_to_tensor(sequences).to(kernel.dtype)
        batch, steps, units = x.shape[0], x.shape[1], fwd.cell.units
        usable, lengths = _torch_lengths(mask, steps)
        if not usable:
            return None
        params = fwd._torch_params() + bwd._torch_params()
        n_states = 2 if isinstance(fwd, LSTM) else 1
        hx = [torch.zeros(2, batch, units, dtype=x.dtype, device=x.device)] * n_states
        if lengths is None:
            outputs, final = fwd._torch_call(x, None, hx, params, bidirectional=True)
            name, reason = "torch-fused-bidirectional", "torch's bidirectional fused RNN op"
        else:
            # Keras' semantics for a right-padded mask are the packed op's: the
            # backward direction starts at each row's last step, padded steps output
            # zeros (return_sequences) and the final states are each row's last ones.
            packed = rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                              enforce_sorted=False)
            packed_out, final = fwd._torch_call(packed.data, packed, hx, params,
                                                bidirectional=True)
            outputs, _ = rnn.pad_packed_sequence(
                rnn.PackedSequence(packed_out, packed.batch_sizes, packed.sorted_indices,
                                   packed.unsorted_indices),
                batch_first=True, total_length=steps)
            name, reason = ("torch-fused-packed-bidirectional",
                            "right-padded mask as a packed sequence, both directions")
        for layer in (fwd, bwd):
            layer._note_kernel(name, reason)
        if self.return_sequences and self.merge_mode == "concat":
            # torch's op already gives [forward, backward] at each step: Keras' concat.
            return ops.cast(outputs, self.compute_dtype)
        if self.return_sequences:
            y, y_rev = outputs[..., :units], outputs[..., units:]
        else:
            y, y_rev = final[0][0], final[0][1]
        return self._merge(y, y_rev)

    def _scan_both(self, sequences, mask):
        import jax.numpy as jnp

        fwd, bwd = self.forward_layer, self.backward_layer
        weights = [layer._jax_weights() for layer in (fwd, bwd)]
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
        batch, units = x.shape[1], fwd.cell.units
        zeros = jnp.zeros((2, batch, units), x.dtype)
        states = (zeros,) * len(fwd.cell.state_size if isinstance(
            fwd.cell.state_size, (list, tuple)) else [fwd.cell.state_size])
        _, outputs = fwd._jax_run((stacked(0), stacked(1), stacked(2, True), stacked(3, True)),
                                  xs, masks, states)
        for layer in (fwd, bwd):
            layer._note_kernel("jax-scan-bidirectional", "both directions in one scan")
        if self.return_sequences:
            y, y_rev = outputs[:, 0], jnp.flip(outputs[:, 1], axis=0)
            y, y_rev = jnp.swapaxes(y, 0, 1), jnp.swapaxes(y_rev, 0, 1)
        else:
            y, y_rev = outputs[-1, 0], outputs[-1, 1]
        return self._merge(y, y_rev)

    def _merge(self, y, y_rev):
        """Keras' ``merge_mode`` of the two directions' outputs."""
        y = ops.cast(y, self.compute_dtype)
        y_rev = ops.cast(y_rev, self.compute_dtype)
        if self.merge_mode == "concat":
            return ops.concatenate([y, y_rev], axis=-1)
        if self.merge_mode == "sum":
            return y + y_rev
        if self.merge_mode == "ave":
            return (y + y_rev) / 2
        if self.merge_mode == "mul":
            return y * y_rev
        if self.merge_mode is None:
            return (y, y_rev)
        raise ValueError(f"Unrecognized value for `merge_mode`. Received: {self.merge_mode}")


PLAIN_KERAS_OBJECTS: dict[str, Any] = {
    "keras_seqzoo>LSTM": keras.layers.LSTM,
    "keras_seqzoo>GRU": keras.layers.GRU,
    "keras_seqzoo>Bidirectional": keras.layers.Bidirectional,
}
"""``custom_objects`` for loading, in plain Keras, a ``.keras`` file saved with these layers."""


def recurrent_kernels(model) -> dict[str, str | None]:
    """Returns the kernel each fused recurrent layer of ``model`` last ran.

    Args:
        model: a built (and called) Keras model or layer.

    Returns:
        ``{path: kernel_name}`` for every :class:`LSTM` / :class:`GRU` inside
        ``model`` (including those wrapped in ``Bidirectional``), e.g.
        ``{"bidirectional/forward_lstm": "jax-scan-bidirectional", ...}`` on JAX;
        empty when there is none.

    Example:

    ```python
    model = keras_seqzoo.build("bilstm")
    model.predict(x)
    recurrent_kernels(model)
    ```
    """
    found: dict[str, str | None] = {}

    def visit(layer, prefix: str) -> None:
        path = f"{prefix}{layer.name}"
        if isinstance(layer, _FusedMixin):
            found[path] = layer.kernel_name
        for child in (getattr(layer, "forward_layer", None),
                      getattr(layer, "backward_layer", None)):
            if child is not None:
                visit(child, f"{path}/")
        for child in getattr(layer, "layers", None) or []:
            visit(child, f"{path}/" if layer is not model else "")

    visit(model, "")
    return found

"""``LSTM``, ``GRU`` and ``Bidirectional``: Keras' recurrent layers that choose a fused kernel.

The layers are subclasses of Keras' own; this module decides, call by call, which
kernel runs (the kernels themselves are in :mod:`~keras_seqzoo.layers.recurrent.jax_scan`
and :mod:`~keras_seqzoo.layers.recurrent.torch_fused`, as Keras keeps its
backends' ``rnn.py`` apart from its layers):

- PyTorch: :mod:`~keras_seqzoo.layers.recurrent.torch_fused` (``"torch-fused"``,
  ``"torch-fused-packed"`` for a right-padded mask, and their ``-bidirectional``
  forms under :class:`Bidirectional`); other masks run Keras' loop.
- JAX: on a GPU with no mask, Keras' own path (``"keras"``: its cuDNN call for the
  LSTM, its scan for the GRU); otherwise
  :mod:`~keras_seqzoo.layers.recurrent.jax_scan` (``"jax-scan"``, and
  ``"jax-scan-bidirectional"`` under :class:`Bidirectional` on a CPU).
- TensorFlow: Keras' own path (``"keras"``: cuDNN on a GPU, its loop on a CPU).

Whatever the fused kernel cannot take (dropout, ``unroll=True``, activations
other than tanh/sigmoid on PyTorch, a GRU with ``reset_after=False`` on
PyTorch, a mask that is not right-padded on PyTorch, a compute dtype other than
the variables' dtype) runs Keras' own loop. Each layer names the kernel its last
call ran in :attr:`LSTM.kernel_name`, and the logger
``keras_seqzoo.layers.recurrent`` says at DEBUG level which kernel ran and why
whenever that changes. The measurements behind these choices are in the guide's
page on recurrent kernels and ``benchmarks/kernels/bilstm_layer.py`` /
``benchmarks/training/torch_twins.py``.

Serialization: the classes are registered as ``keras_seqzoo>LSTM``,
``keras_seqzoo>GRU`` and ``keras_seqzoo>Bidirectional`` with Keras' own config and
the module ``keras_seqzoo.layers.recurrent`` (where they are imported from), so
a ``.keras`` file loads wherever ``keras_seqzoo`` is imported (no
``custom_objects``), and weights interchange with plain ``keras.layers.LSTM`` /
``GRU`` in both directions. Without ``keras_seqzoo``, plain Keras loads such a
file with ``custom_objects=keras_seqzoo.layers.PLAIN_KERAS_OBJECTS``.
"""

from __future__ import annotations

import logging
from typing import Any

import keras
from keras import ops

from keras_seqzoo.layers.recurrent import jax_scan, torch_fused

__all__ = ["GRU", "LSTM", "PLAIN_KERAS_OBJECTS", "Bidirectional", "recurrent_kernels"]

# The package's name, as before it was split: the logger the docs name.
logger = logging.getLogger("keras_seqzoo.layers.recurrent")

KERAS = "keras"
JAX_GPU_REASON = "JAX on a GPU: Keras' own path (cuDNN for the LSTM)"
_jax_gpu = jax_scan.gpu


def _is_tanh(fn) -> bool:
    return fn is keras.activations.tanh or getattr(fn, "__name__", "") == "tanh"


def _is_sigmoid(fn) -> bool:
    return fn is keras.activations.sigmoid or getattr(fn, "__name__", "") == "sigmoid"


class _FusedMixin:
    """The choice of kernel shared by :class:`LSTM` and :class:`GRU`."""

    _kernel_name: str | None = None
    _kind: str  # "lstm" or "gru": the kernels' name for the cell
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
                self._note_kernel(jax_scan.SCAN, "lax.scan with Keras' mask semantics")
                return jax_scan.scan_layer(
                    self._kind, self.cell, sequences, initial_state, mask,
                    go_backwards=self.go_backwards,
                    zero_output_for_mask=self.zero_output_for_mask)
        if reason is None and backend == "torch":
            fused = torch_fused.fused_layer(
                self._kind, self.cell, sequences, initial_state, mask,
                go_backwards=self.go_backwards, zero_output_for_mask=self.zero_output_for_mask)
            if fused is not None:
                name, result = fused
                self._note_kernel(name, "torch's fused RNN op" if name == torch_fused.FUSED
                                  else "right-padded mask as a packed sequence")
                return result
            reason = "mask is not right-padded (or has an empty row)"
        self._note_kernel(KERAS, reason or "")
        return super().inner_loop(sequences, initial_state, mask=mask, training=training)


@keras.saving.register_keras_serializable(package="keras_seqzoo")
class LSTM(_FusedMixin, keras.layers.LSTM):
    """``keras.layers.LSTM`` with a fused kernel per backend (same arguments and weights).

    See :doc:`/guide/recurrent_kernels` for the kernels; :attr:`kernel_name` says which
    ran.

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

    _kind = "lstm"


@keras.saving.register_keras_serializable(package="keras_seqzoo")
class GRU(_FusedMixin, keras.layers.GRU):
    """``keras.layers.GRU`` with a fused kernel per backend (same arguments and weights).

    See :doc:`/guide/recurrent_kernels` for the kernels; :attr:`kernel_name` says which
    ran. On PyTorch the fused op is ``reset_after=True`` (Keras' default); a GRU with
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

    _kind = "gru"

    def _why_not_fused(self, training) -> str | None:
        reason = super()._why_not_fused(training)
        if reason is None and keras.backend.backend() == "torch" and not self.cell.reset_after:
            return "torch's fused GRU is reset_after=True"
        return reason


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

    def _note_both(self, name: str, reason: str) -> None:
        for layer in (self.forward_layer, self.backward_layer):
            layer._note_kernel(name, reason)

    def _torch_both(self, sequences, mask):
        """Both directions in one call of torch's bidirectional fused op (``None``: a mask
        it cannot take)."""
        fwd = self.forward_layer
        fused = torch_fused.bidirectional_layer(fwd._kind, fwd.cell, self.backward_layer.cell,
                                                sequences, mask)
        if fused is None:
            return None
        name, outputs, final = fused
        self._note_both(name, "torch's bidirectional fused RNN op" if "packed" not in name
                        else "right-padded mask as a packed sequence, both directions")
        if self.return_sequences and self.merge_mode == "concat":
            # torch's op already gives [forward, backward] at each step: Keras' concat.
            return ops.cast(outputs, self.compute_dtype)
        units = fwd.cell.units
        if self.return_sequences:
            y, y_rev = outputs[..., :units], outputs[..., units:]
        else:
            y, y_rev = final[0][0], final[0][1]
        return self._merge(y, y_rev)

    def _scan_both(self, sequences, mask):
        """Both directions in one ``jax.lax.scan``."""
        fwd = self.forward_layer
        y, y_rev = jax_scan.bidirectional_scan(
            fwd._kind, fwd.cell, self.backward_layer.cell, sequences, mask,
            zero_output_for_mask=fwd.zero_output_for_mask,
            return_sequences=self.return_sequences)
        self._note_both(jax_scan.BIDIRECTIONAL, "both directions in one scan")
        return self._merge(y, y_rev)

    def _merge(self, y, y_rev):
        """Keras' ``merge_mode`` of the two directions' outputs (both in time order)."""
        # A copy of the end of keras.layers.Bidirectional.call: Keras merges inline there,
        # with no public method, and calling it would rerun both directions' layers.
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


# Saved configs name the module the classes were always imported from (the package,
# before and after its split into kernel modules), so .keras files stay as they were.
for _cls in (LSTM, GRU, Bidirectional):
    _cls.__module__ = "keras_seqzoo.layers.recurrent"
del _cls


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

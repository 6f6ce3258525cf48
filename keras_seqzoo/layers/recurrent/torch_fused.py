"""The PyTorch kernel of the fused recurrent layers: torch's own fused RNN op.

``torch._VF.lstm`` / ``torch._VF.gru`` are the ops behind ``torch.nn.LSTM`` /
``nn.GRU`` (oneDNN on a CPU, cuDNN on CUDA). Keras' weights go in as contiguous
copies in torch's layout, as ``nn.LSTM`` holds them (``benchmarks/kernels/torch_weight_layout.py``
compares them with transposed views), and gradients flow back to the Keras
variables. Kernel names: ``"torch-fused"``, ``"torch-fused-packed"`` (a right-padded
mask as a packed sequence) and their ``-bidirectional`` forms (both directions of a
``Bidirectional`` in one call with ``bidirectional=True``, as ``nn.LSTM`` does).

Like the ``rnn.py`` of Keras' own PyTorch backend these are functions of tensors and
flags; :mod:`keras_seqzoo.layers.recurrent.layers` decides when they run.
"""

from __future__ import annotations

from typing import Any, Callable

from keras import ops

__all__ = [
    "FUSED",
    "KINDS",
    "PACKED",
    "bidirectional_layer",
    "fused_layer",
    "gru_call",
    "gru_params",
    "lstm_call",
    "lstm_params",
    "mask_lengths",
]

FUSED = "torch-fused"
PACKED = "torch-fused-packed"

KINDS = ("lstm", "gru")


def mask_lengths(mask, steps: int):
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


def lstm_params(cell) -> list:
    """An LSTM cell's weights in ``nn.LSTM``'s layout (``w_ih, w_hh, b_ih, b_hh``)."""
    import torch

    kernel = ops.convert_to_tensor(cell.kernel)
    recurrent = ops.convert_to_tensor(cell.recurrent_kernel)
    # Keras' gate order i, f, c, o is torch's i, f, g, o.
    zeros = torch.zeros(4 * cell.units, dtype=kernel.dtype, device=kernel.device)
    bias = zeros if cell.bias is None else ops.convert_to_tensor(cell.bias)
    # Contiguous (4 * units, features) copies, as nn.LSTM holds them, rather than
    # transposed views (benchmarks/kernels/torch_weight_layout.py compares the two).
    return [kernel.T.contiguous(), recurrent.T.contiguous(), bias, zeros]


def gru_params(cell) -> list:
    """A ``reset_after=True`` GRU cell's weights in ``nn.GRU``'s layout and gate order."""
    import torch

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


def lstm_call(x, packed, hx, params, bidirectional: bool = False):
    """Runs torch's fused LSTM: ``(outputs, [h, c])``, states ``(directions, batch, units)``."""
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


def gru_call(x, packed, hx, params, bidirectional: bool = False):
    """Runs torch's fused GRU: ``(outputs, [h])``, the state ``(directions, batch, units)``."""
    import torch

    if packed is None:
        out, h = torch._VF.gru(x, hx[0], params, True, 1, 0.0,
                               torch.is_grad_enabled(), bidirectional, True)
    else:
        out, h = torch._VF.gru(x, packed.batch_sizes, hx[0], params, True, 1, 0.0,
                               torch.is_grad_enabled(), bidirectional)
        h = h.index_select(1, packed.unsorted_indices)
    return out, [h]


def _ops(kind: str) -> tuple[Callable[[Any], list], Callable[..., Any]]:
    """``(params, call)`` of ``kind`` (``"lstm"``, ``"gru"``)."""
    return (lstm_params, lstm_call) if kind == "lstm" else (gru_params, gru_call)


def fused_layer(kind: str, cell, sequences, initial_state, mask, *, go_backwards: bool,
                zero_output_for_mask: bool):
    """One recurrent layer as Keras' ``RNN.inner_loop`` returns it.

    Args:
        kind: ``"lstm"`` or ``"gru"`` (``reset_after=True``).
        cell: the layer's Keras cell (its variables are the weights).
        sequences: ``(batch, time, features)``.
        initial_state: the initial states, each ``(batch, units)``.
        mask: ``None`` or ``(batch, time)``.
        go_backwards: process time from the last step to the first.
        zero_output_for_mask: the layer's ``zero_output_for_mask``.

    Returns:
        ``None`` when the mask is not right-padded (or has an empty row), else
        ``(kernel name, (last output, outputs (batch, time, units), final states))``,
        the outputs in the order processed, as Keras returns them.
    """
    import torch

    params_of, call = _ops(kind)
    kernel = ops.convert_to_tensor(cell.kernel)
    x = ops.convert_to_tensor(sequences).to(kernel.dtype)
    batch, steps = x.shape[0], x.shape[1]
    usable, lengths = mask_lengths(mask, steps)
    if not usable:
        return None
    params = params_of(cell)
    hx = [ops.convert_to_tensor(s).to(kernel.dtype)[None] for s in initial_state]
    if lengths is None:
        if go_backwards:
            x = torch.flip(x, dims=[1])
        outputs, final = call(x, None, hx, params)
        return FUSED, (outputs[:, -1], outputs, [state[0] for state in final])
    # Right-padded: reverse each row's valid part for go_backwards, run the
    # packed op, and rebuild Keras' outputs for the padded steps.
    index = torch.arange(steps, device=x.device)[None, :].expand(batch, steps)
    valid = index < lengths[:, None]
    if go_backwards:
        index = torch.where(valid, lengths[:, None] - 1 - index, index)
        x = torch.gather(x, 1, index[..., None].expand_as(x))
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        x, lengths.cpu(), batch_first=True, enforce_sorted=False)
    hx = [h.index_select(1, packed.sorted_indices) for h in hx]
    packed_out, final = call(packed.data, packed, hx, params)
    final = [state[0] for state in final]
    outputs, _ = torch.nn.utils.rnn.pad_packed_sequence(
        torch.nn.utils.rnn.PackedSequence(
            packed_out, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices),
        batch_first=True, total_length=steps)
    if go_backwards:
        # outputs[t] came from the reversed row's step t: original time L-1-t.
        outputs = torch.gather(outputs, 1, index[..., None].expand_as(outputs))
        # Keras (torch backend) processes the padding first: zeros, then the
        # valid steps from last to first; its outputs are in processing order.
        outputs = torch.where(valid[..., None], outputs, torch.zeros_like(outputs))
        outputs = torch.flip(outputs, dims=[1])
    elif not zero_output_for_mask:
        # Masked steps repeat the last valid output.
        last = outputs[torch.arange(batch, device=x.device), lengths - 1]
        outputs = torch.where(valid[..., None], outputs, last[:, None, :])
    return PACKED, (outputs[:, -1], outputs, final)


def bidirectional_layer(kind: str, forward_cell, backward_cell, sequences, mask):
    """Both directions of a ``Bidirectional`` in one call of the bidirectional op
    (zero initial states).

    Args:
        kind: ``"lstm"`` or ``"gru"`` (``reset_after=True``).
        forward_cell: the forward layer's Keras cell.
        backward_cell: the backward layer's Keras cell (the same units).
        sequences: ``(batch, time, features)``.
        mask: ``None`` or ``(batch, time)``.

    Returns:
        ``None`` when the mask is not right-padded (or has an empty row), else
        ``(kernel name, outputs, final states)``: the outputs ``(batch, time, 2 * units)``
        are ``[forward, backward]`` at each step in time order (Keras' ``concat``), and
        each final state is ``(2, batch, units)`` (forward, backward).
    """
    import torch
    from torch.nn.utils import rnn

    params_of, call = _ops(kind)
    kernel = ops.convert_to_tensor(forward_cell.kernel)
    x = ops.convert_to_tensor(sequences).to(kernel.dtype)
    batch, steps, units = x.shape[0], x.shape[1], forward_cell.units
    usable, lengths = mask_lengths(mask, steps)
    if not usable:
        return None
    params = params_of(forward_cell) + params_of(backward_cell)
    n_states = 2 if kind == "lstm" else 1
    hx = [torch.zeros(2, batch, units, dtype=x.dtype, device=x.device)] * n_states
    if lengths is None:
        outputs, final = call(x, None, hx, params, bidirectional=True)
        return f"{FUSED}-bidirectional", outputs, final
    # Keras' semantics for a right-padded mask are the packed op's: the backward
    # direction starts at each row's last step, padded steps output zeros
    # (return_sequences) and the final states are each row's last ones.
    packed = rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
    packed_out, final = call(packed.data, packed, hx, params, bidirectional=True)
    outputs, _ = rnn.pad_packed_sequence(
        rnn.PackedSequence(packed_out, packed.batch_sizes, packed.sorted_indices,
                           packed.unsorted_indices),
        batch_first=True, total_length=steps)
    return f"{PACKED}-bidirectional", outputs, final

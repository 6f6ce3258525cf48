"""Recurrent models: (bidirectional) LSTM, stacked LSTMs and GRU.

The builders use :class:`keras_seqzoo.layers.LSTM` / :class:`~keras_seqzoo.layers.GRU`
by default: Keras' layers with the same variables and outputs and a fused kernel
per backend (see the "Recurrent kernels" guide). ``fused=False`` builds plain
``keras.layers.LSTM`` / ``GRU`` instead (the same weights and summary).
"""

from __future__ import annotations

from typing import Annotated

import keras

from keras_seqzoo._arguments import Range
from keras_seqzoo._registry import register
from keras_seqzoo.layers import recurrent as fused_layers
from keras_seqzoo.models._parts import (
    MaxLength,
    NumClasses,
    Positive,
    Rate,
    VocabSize,
    classification_head,
    embedded_input,
    finish,
)
from keras_seqzoo.space import Boolean, Choice, Float

__all__ = ["bigru", "bilstm", "stacked_bilstm"]

_SPACE = {
    "embedding_dim": Choice([16, 32, 64, 128]),
    "units": Choice([16, 32, 64, 128]),
    "dense_units": Choice([6, 24, 64]),
    "dropout": Float(0.0, 0.5, step=0.1),
}


def _cell(name: str, fused: bool) -> type:
    """keras_seqzoo's fused layer class ``name`` ("LSTM" / "GRU"), or Keras' own."""
    return getattr(fused_layers if fused else keras.layers, name)


def _recurrent(
    name: str,
    cell: type,
    *,
    units: tuple[int, ...],
    vocab_size: int,
    embedding_dim: int,
    max_length: int | None,
    dense_units: int,
    dropout: float,
    bidirectional: bool,
    mask_zero: bool,
    num_classes: int,
) -> keras.Model:
    inputs, x = embedded_input(
        vocab_size=vocab_size,
        embedding_dim=embedding_dim,
        max_length=max_length,
        mask_zero=mask_zero,
    )
    for depth, layer_units in enumerate(units):
        layer = cell(layer_units, return_sequences=depth < len(units) - 1)
        if bidirectional:
            # keras_seqzoo's Bidirectional runs a fused layer's two directions in one
            # scan where the backend allows (JAX); plain Keras layers get Keras' own.
            fused = isinstance(layer, (fused_layers.LSTM, fused_layers.GRU))
            wrapper = fused_layers.Bidirectional if fused else keras.layers.Bidirectional
            layer = wrapper(layer)
        x = layer(x)
    outputs = classification_head(
        x, dense_units=dense_units, dropout=dropout, num_classes=num_classes
    )
    return finish(inputs, outputs, name)


_ARGS_DOC = """
    Args:
        vocab_size: number of token ids (>= 2).
        embedding_dim: size of each token vector.
        max_length: sequence length, or ``None`` for variable-length input.
        units: units of {what}.
        dense_units: units of the hidden ReLU layer.
        dropout: dropout rate before the hidden layer (0 adds no layer).
        bidirectional: wrap each recurrent layer in ``Bidirectional``
            (``False`` gives the unidirectional variant).
        mask_zero: treat token id 0 as padding, so the recurrence skips it.
        num_classes: 2 for one sigmoid output, more for a softmax.
        fused: use keras_seqzoo's fused ``LSTM`` / ``GRU`` layers (the default;
            same weights and outputs as Keras' layers, faster kernels); ``False``
            builds plain ``keras.layers.LSTM`` / ``GRU``.

    Returns:
        An uncompiled ``keras.Model``.
"""


@register(
    "bilstm",
    tags=("recurrent", "lstm"),
    reference="Bidirectional LSTM",
    description="Embedding, one Bidirectional(LSTM) layer and a dense head.",
    search_space={**_SPACE, "bidirectional": Boolean()},
)
def bilstm(
    *,
    vocab_size: VocabSize = 10000,
    embedding_dim: Positive = 16,
    max_length: MaxLength = 120,
    units: Positive = 32,
    dense_units: Positive = 6,
    dropout: Rate = 0.0,
    bidirectional: bool = True,
    mask_zero: bool = False,
    num_classes: NumClasses = 2,
    fused: bool = True,
) -> keras.Model:
    return _recurrent(
        "bilstm", _cell("LSTM", fused), units=(units,), vocab_size=vocab_size,
        embedding_dim=embedding_dim, max_length=max_length, dense_units=dense_units,
        dropout=dropout, bidirectional=bidirectional, mask_zero=mask_zero,
        num_classes=num_classes,
    )


bilstm.__doc__ = (
    "Embedding, one Bidirectional(LSTM) layer and a dense head.\n"
    + _ARGS_DOC.format(what="the LSTM (per direction)")
    + '\n    Example:\n\n    ```python\n    model = keras_seqzoo.build("bilstm", units=64)\n    ```\n'
)


@register(
    "stacked_bilstm",
    tags=("recurrent", "lstm", "stacked"),
    reference="2-layer LSTM",
    description="Embedding, a stack of Bidirectional(LSTM) layers (any depth) and a dense head.",
    search_space={
        "embedding_dim": Choice([16, 32, 64, 128]),
        # The depth and widths, first layer to last (keras-tuner sees "64,32" labels).
        "units": Choice([(32, 16), (64, 32), (64, 64), (128, 64), (64, 64, 32)]),
        "dense_units": Choice([6, 24, 64]),
        "dropout": Float(0.0, 0.5, step=0.1),
    },
)
def stacked_bilstm(
    *,
    vocab_size: VocabSize = 10000,
    embedding_dim: Positive = 64,
    max_length: MaxLength = 120,
    units: Annotated[tuple[int, ...], Range(min_value=1)] = (64, 32),
    dense_units: Positive = 64,
    dropout: Rate = 0.0,
    bidirectional: bool = True,
    mask_zero: bool = False,
    num_classes: NumClasses = 2,
    fused: bool = True,
) -> keras.Model:
    return _recurrent(
        "stacked_bilstm", _cell("LSTM", fused), units=tuple(units), vocab_size=vocab_size,
        embedding_dim=embedding_dim, max_length=max_length, dense_units=dense_units,
        dropout=dropout, bidirectional=bidirectional, mask_zero=mask_zero,
        num_classes=num_classes,
    )


stacked_bilstm.__doc__ = (
    "Embedding, a stack of Bidirectional(LSTM) layers (any depth) and a dense head.\n"
    + _ARGS_DOC.format(what="each LSTM layer, first to last (the depth is len(units))")
    + '\n    Example:\n\n    ```python\n    model = keras_seqzoo.build("stacked_bilstm", units=(64, 64, 32))\n    ```\n'
)


@register(
    "bigru",
    tags=("recurrent", "gru"),
    reference="IMDB with GRU",
    description="Embedding, one Bidirectional(GRU) layer and a dense head.",
    search_space={**_SPACE, "bidirectional": Boolean()},
)
def bigru(
    *,
    vocab_size: VocabSize = 10000,
    embedding_dim: Positive = 16,
    max_length: MaxLength = 120,
    units: Positive = 32,
    dense_units: Positive = 6,
    dropout: Rate = 0.0,
    bidirectional: bool = True,
    mask_zero: bool = False,
    num_classes: NumClasses = 2,
    fused: bool = True,
) -> keras.Model:
    return _recurrent(
        "bigru", _cell("GRU", fused), units=(units,), vocab_size=vocab_size,
        embedding_dim=embedding_dim, max_length=max_length, dense_units=dense_units,
        dropout=dropout, bidirectional=bidirectional, mask_zero=mask_zero,
        num_classes=num_classes,
    )


bigru.__doc__ = (
    "Embedding, one Bidirectional(GRU) layer and a dense head.\n"
    + _ARGS_DOC.format(what="the GRU (per direction)")
    + '\n    Example:\n\n    ```python\n    model = keras_seqzoo.build("bigru", max_length=None)\n    ```\n'
)

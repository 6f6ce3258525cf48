"""Recurrent models trained with a parallel scan: the minimal GRU (minGRU)."""

from __future__ import annotations

from typing import Literal

import keras

from keras_seqzoo._registry import register
from keras_seqzoo.layers import MinGRU
from keras_seqzoo.models._parts import (
    MaxLength,
    NumClasses,
    Positive,
    Rate,
    VocabSize,
    average_pooling,
    classification_head,
    embedded_input,
    finish,
    invalid,
    max_pooling,
)
from keras_seqzoo.space import Boolean, Choice, Float

__all__ = ["mingru"]


@register(
    "mingru",
    tags=("recurrent", "gru", "parallel_scan", "modern"),
    reference="minGRU (Feng et al., 2024, 'Were RNNs All We Needed?')",
    search_space={
        "embedding_dim": Choice([16, 32, 64, 128]),
        "units": Choice([32, 64, 128]),
        "num_layers": Choice([1, 2]),
        "bidirectional": Boolean(),
        "pooling": Choice(["average", "max", "last"]),
        "dense_units": Choice([6, 24, 64]),
        "dropout": Float(0.0, 0.5, step=0.1),
    },
)
def mingru(
    *,
    vocab_size: VocabSize = 10000,
    embedding_dim: Positive = 16,
    max_length: MaxLength = 120,
    units: Positive = 64,
    num_layers: Positive = 1,
    bidirectional: bool = True,
    dense_units: Positive = 6,
    dropout: Rate = 0.0,
    pooling: Literal["average", "max", "last"] = "average",
    mask_zero: bool = True,
    num_classes: NumClasses = 2,
) -> keras.Model:
    """Embedding, (bidirectional) minimal GRU layers computed by a parallel scan, and a dense head.

    Each layer is a :class:`keras_seqzoo.layers.MinGRU`: the GRU without the
    previous state in its gate and candidate, so all states come from one
    ``keras.ops.associative_scan`` over time instead of a step loop. With
    ``bidirectional``, a forward and a backward minGRU run in the same scan
    and their outputs are concatenated (like ``Bidirectional``). The states of the
    last layer are pooled over time (average by default), or its final states
    are kept (``pooling="last"``, as ``bigru`` does).

    Padding: with ``mask_zero`` (the default) token id 0 is padding and a
    padded step leaves the state unchanged (its gate is 0): the final states
    are those after the last (forward) and first (backward) real token,
    wherever the padding is and however long it is; average and max pooling
    read the real steps only (the mask reaches the pooling). Without
    ``mask_zero``, padding is read as a token.

    Args:
        vocab_size: number of token ids (>= 2).
        embedding_dim: size of each token vector.
        max_length: sequence length, or ``None`` for variable-length input
            (JAX and PyTorch only: on TensorFlow the scan needs a fixed length).
        units: state size of each minGRU (per direction).
        num_layers: stacked minGRU layers.
        bidirectional: add a backward minGRU to each layer.
        pooling: ``"average"`` or ``"max"`` over the last layer's states, or
            ``"last"`` (each direction's final state).
        dense_units: units of the hidden ReLU layer.
        dropout: dropout rate before the hidden layer (0 adds no layer).
        mask_zero: treat token id 0 as padding (skipped by the recurrence).
        num_classes: 2 for one sigmoid output, more for a softmax.

    Returns:
        An uncompiled ``keras.Model``.

    Example:

    ```python
    model = keras_seqzoo.build("mingru", units=64, num_layers=1, pooling="last")
    ```
    """
    if max_length is None and keras.backend.backend() == "tensorflow":
        raise invalid(
            "mingru", "max_length", max_length,
            "an integer >= 1 on the TensorFlow backend (keras.ops.associative_scan needs a "
            "static length in TensorFlow's graph mode; JAX and PyTorch accept None)",
        )
    inputs, x = embedded_input(
        vocab_size=vocab_size, embedding_dim=embedding_dim, max_length=max_length,
        mask_zero=mask_zero,
    )
    for depth in range(num_layers):
        sequences = depth < num_layers - 1 or pooling != "last"
        x = MinGRU(units, return_sequences=sequences, bidirectional=bidirectional)(x)
    if pooling == "average":
        x = average_pooling(mask_zero)(x)
    elif pooling == "max":
        x = max_pooling(mask_zero)(x)
    outputs = classification_head(
        x, dense_units=dense_units, dropout=dropout, num_classes=num_classes
    )
    return finish(inputs, outputs, "mingru")

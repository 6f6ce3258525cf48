"""Embedding models without recurrence: Embedding + Flatten, Embedding + global pooling."""

from __future__ import annotations

from typing import Literal

import keras

from keras_seqzoo._registry import register
from keras_seqzoo.models._parts import (
    FixedLength,
    MaxLength,
    NumClasses,
    Positive,
    Rate,
    VocabSize,
    average_pooling,
    classification_head,
    embedded_input,
    finish,
    max_pooling,
)
from keras_seqzoo.space import Choice, Float

__all__ = ["embedding_flatten", "embedding_pooling"]

_DROPOUT = Float(0.0, 0.5, step=0.1)


@register(
    "embedding_flatten",
    tags=("pooling", "baseline"),
    reference="IMDB with Embedding only",
    search_space={
        "embedding_dim": Choice([8, 16, 32, 64, 128]),
        "dense_units": Choice([6, 16, 32, 64]),
        "dropout": _DROPOUT,
    },
)
def embedding_flatten(
    *,
    vocab_size: VocabSize = 10000,
    embedding_dim: Positive = 16,
    max_length: FixedLength = 120,
    dense_units: Positive = 6,
    dropout: Rate = 0.0,
    num_classes: NumClasses = 2,
) -> keras.Model:
    """Embedding, Flatten and a small dense head: the slides' fastest baseline.

    Args:
        vocab_size: number of token ids (>= 2).
        embedding_dim: size of each token vector.
        max_length: sequence length; fixed, because Flatten needs it.
        dense_units: units of the hidden ReLU layer.
        dropout: dropout rate before the hidden layer (0 adds no layer).
        num_classes: 2 for one sigmoid output, more for a softmax.

    Returns:
        An uncompiled ``keras.Model``.

    Example:

    ```python
    model = keras_seqzoo.build("embedding_flatten", max_length=200)
    ```
    """
    inputs, x = embedded_input(
        vocab_size=vocab_size, embedding_dim=embedding_dim, max_length=max_length
    )
    x = keras.layers.Flatten()(x)
    outputs = classification_head(
        x, dense_units=dense_units, dropout=dropout, num_classes=num_classes
    )
    return finish(inputs, outputs, "embedding_flatten")


@register(
    "embedding_pooling",
    tags=("pooling", "baseline"),
    reference="Without LSTM",
    search_space={
        "embedding_dim": Choice([8, 16, 32, 64, 128]),
        "pooling": Choice(["average", "max"]),
        "dense_units": Choice([6, 24, 64]),
        "dropout": _DROPOUT,
    },
)
def embedding_pooling(
    *,
    vocab_size: VocabSize = 10000,
    embedding_dim: Positive = 16,
    max_length: MaxLength = 120,
    pooling: Literal["average", "max"] = "average",
    dense_units: Positive = 24,
    dropout: Rate = 0.0,
    mask_zero: bool = False,
    num_classes: NumClasses = 2,
) -> keras.Model:
    """Embedding, global average (or max) pooling over time and a dense head.

    Args:
        vocab_size: number of token ids (>= 2).
        embedding_dim: size of each token vector.
        max_length: sequence length, or ``None`` for variable-length input.
        pooling: ``"average"`` (GlobalAveragePooling1D) or ``"max"``.
        dense_units: units of the hidden ReLU layer.
        dropout: dropout rate before the hidden layer (0 adds no layer).
        mask_zero: treat token id 0 as padding, so pooling (average or max) skips it.
        num_classes: 2 for one sigmoid output, more for a softmax.

    Returns:
        An uncompiled ``keras.Model``.

    Example:

    ```python
    model = keras_seqzoo.build("embedding_pooling", max_length=None, mask_zero=True)
    ```
    """
    inputs, x = embedded_input(
        vocab_size=vocab_size,
        embedding_dim=embedding_dim,
        max_length=max_length,
        mask_zero=mask_zero,
    )
    if pooling == "average":
        x = average_pooling(mask_zero)(x)
    else:
        x = max_pooling(mask_zero)(x)
    outputs = classification_head(
        x, dense_units=dense_units, dropout=dropout, num_classes=num_classes
    )
    return finish(inputs, outputs, "embedding_pooling")

"""Convolutional models: Embedding + Conv1D + global pooling."""

from __future__ import annotations

from typing import Literal

import keras

from keras_seqzoo._registry import register
from keras_seqzoo.models._parts import (
    MaxLength,
    NumClasses,
    Positive,
    Rate,
    VocabSize,
    classification_head,
    embedded_input,
    finish,
    invalid,
)
from keras_seqzoo.space import Choice, Float

__all__ = ["conv1d"]


@register(
    "conv1d",
    tags=("convolutional",),
    reference="IMDB with CNN",
    search_space={
        "embedding_dim": Choice([16, 32, 64, 128]),
        "filters": Choice([32, 64, 128, 256]),
        "kernel_size": Choice([3, 5, 7]),
        "pooling": Choice(["average", "max"]),
        "dense_units": Choice([6, 24, 64]),
        "dropout": Float(0.0, 0.5, step=0.1),
    },
)
def conv1d(
    *,
    vocab_size: VocabSize = 10000,
    embedding_dim: Positive = 16,
    max_length: MaxLength = 120,
    filters: Positive = 128,
    kernel_size: Positive = 5,
    pooling: Literal["average", "max"] = "average",
    dense_units: Positive = 6,
    dropout: Rate = 0.0,
    num_classes: NumClasses = 2,
) -> keras.Model:
    """Embedding, one ReLU Conv1D, global average (or max) pooling and a dense head.

    Args:
        vocab_size: number of token ids (>= 2).
        embedding_dim: size of each token vector.
        max_length: sequence length, or ``None`` for variable-length input.
        filters: number of convolution filters.
        kernel_size: width of the convolution window (at most ``max_length``).
        pooling: ``"average"`` (GlobalAveragePooling1D) or ``"max"``.
        dense_units: units of the hidden ReLU layer.
        dropout: dropout rate before the hidden layer (0 adds no layer).
        num_classes: 2 for one sigmoid output, more for a softmax.

    Returns:
        An uncompiled ``keras.Model``.

    Example:

    ```python
    model = keras_seqzoo.build("conv1d", pooling="max", kernel_size=3)
    ```
    """
    if max_length is not None and kernel_size > max_length:
        raise invalid(
            "conv1d", "kernel_size", kernel_size, f"at most max_length={max_length}"
        )
    inputs, x = embedded_input(
        vocab_size=vocab_size, embedding_dim=embedding_dim, max_length=max_length
    )
    x = keras.layers.Conv1D(filters, kernel_size, activation="relu")(x)
    if pooling == "average":
        x = keras.layers.GlobalAveragePooling1D()(x)
    else:
        x = keras.layers.GlobalMaxPooling1D()(x)
    outputs = classification_head(
        x, dense_units=dense_units, dropout=dropout, num_classes=num_classes
    )
    return finish(inputs, outputs, "conv1d")

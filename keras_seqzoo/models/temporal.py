"""Temporal convolutional network: dilated causal Conv1D residual blocks."""

from __future__ import annotations

from typing import Annotated, Literal

import keras

from keras_seqzoo._arguments import Range
from keras_seqzoo._registry import register
from keras_seqzoo.layers import LastStep
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

__all__ = ["tcn", "receptive_field"]

Dilations = Annotated[tuple[int, ...], Range(min_value=1)]


def receptive_field(kernel_size: int, dilations: tuple[int, ...], convolutions: int = 2) -> int:
    """The number of input steps the last output step of a :func:`tcn` sees.

    Args:
        kernel_size: the convolutions' width.
        dilations: one dilation per residual block.
        convolutions: convolutions per block.

    Returns:
        ``1 + convolutions * (kernel_size - 1) * sum(dilations)``.
    """
    return 1 + convolutions * (kernel_size - 1) * sum(dilations)


@register(
    "tcn",
    tags=("convolutional", "causal", "modern"),
    reference="TCN (Bai, Kolter and Koltun, 2018)",
    search_space={
        "embedding_dim": Choice([16, 32, 64, 128]),
        "filters": Choice([16, 32, 64, 128]),
        # Receptive fields of 61, 125 and 253 steps at kernel_size=3.
        "dilations": Choice([(1, 2, 4, 8), (1, 2, 4, 8, 16), (1, 2, 4, 8, 16, 32)]),
        "kernel_size": Choice([2, 3, 5]),
        "pooling": Choice(["average", "max", "last"]),
        "dense_units": Choice([6, 24, 64]),
        "dropout": Float(0.0, 0.5, step=0.1),
    },
)
def tcn(
    *,
    vocab_size: VocabSize = 10000,
    embedding_dim: Positive = 16,
    max_length: MaxLength = 120,
    filters: Positive = 16,
    kernel_size: Positive = 3,
    dilations: Dilations = (1, 2, 4, 8, 16),
    block_dropout: Rate = 0.0,
    pooling: Literal["average", "max", "last"] = "average",
    dense_units: Positive = 6,
    dropout: Rate = 0.0,
    num_classes: NumClasses = 2,
) -> keras.Model:
    """Embedding, residual blocks of dilated causal convolutions, pooling and a dense head.

    Each residual block (Bai et al., 2018) applies two ``Conv1D(filters,
    kernel_size, padding="causal", dilation_rate=d, activation="relu")``, each
    followed by dropout when ``block_dropout > 0``, adds the block's input
    (through a 1x1 ``Conv1D`` when the widths differ) and applies ReLU. The
    blocks' dilations are ``dilations`` (typically doubling), so the receptive
    field is ``1 + 2 * (kernel_size - 1) * sum(dilations)`` steps
    (:func:`receptive_field`; 125 for the defaults, more than 120 tokens).

    Args:
        vocab_size: number of token ids (>= 2).
        embedding_dim: size of each token vector.
        max_length: sequence length, or ``None`` for variable-length input.
        filters: filters of every convolution.
        kernel_size: width of each convolution (at most ``max_length``).
        dilations: one dilation rate per residual block, e.g. ``(1, 2, 4, 8)``.
        block_dropout: dropout after each convolution (0 adds no layer).
        pooling: ``"average"`` or ``"max"`` over time, or ``"last"`` (the last
            step, which sees the whole receptive field; with padding after the
            text it also sees the padding).
        dense_units: units of the hidden ReLU layer.
        dropout: dropout rate before the hidden layer (0 adds no layer).
        num_classes: 2 for one sigmoid output, more for a softmax.

    Returns:
        An uncompiled ``keras.Model``.

    Raises:
        ValueError: ``kernel_size`` is larger than ``max_length``, or
            ``dilations`` is empty.

    Example:

    ```python
    model = keras_seqzoo.build("tcn", filters=32, dilations=(1, 2, 4, 8))
    ```
    """
    if not dilations:
        raise invalid("tcn", "dilations", dilations,
                      "a non-empty tuple of dilation rates, each >= 1 (e.g. (1, 2, 4, 8))")
    if max_length is not None and kernel_size > max_length:
        raise invalid("tcn", "kernel_size", kernel_size, f"at most max_length={max_length}")
    inputs, x = embedded_input(
        vocab_size=vocab_size, embedding_dim=embedding_dim, max_length=max_length
    )
    for dilation in dilations:
        y = x
        for _ in range(2):
            y = keras.layers.Conv1D(filters, kernel_size, padding="causal",
                                    dilation_rate=dilation, activation="relu")(y)
            if block_dropout > 0:
                y = keras.layers.Dropout(block_dropout)(y)
        if x.shape[-1] != filters:
            x = keras.layers.Conv1D(filters, 1)(x)
        x = keras.layers.Activation("relu")(keras.layers.Add()([x, y]))
    if pooling == "average":
        x = keras.layers.GlobalAveragePooling1D()(x)
    elif pooling == "max":
        x = keras.layers.GlobalMaxPooling1D()(x)
    else:
        x = LastStep()(x)
    outputs = classification_head(
        x, dense_units=dense_units, dropout=dropout, num_classes=num_classes
    )
    return finish(inputs, outputs, "tcn")

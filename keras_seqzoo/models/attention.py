"""Recurrent models with attention: a BiGRU pooled by learned attention."""

from __future__ import annotations

import keras

from keras_seqzoo._registry import register
from keras_seqzoo.layers import AttentionPooling
from keras_seqzoo.models._parts import (
    HeadActivation,
    MaxLength,
    NumClasses,
    Positive,
    Rate,
    VocabSize,
    classification_head,
    embedded_input,
    finish,
)
from keras_seqzoo.space import Choice, Float

__all__ = ["bigru_attention"]


@register(
    "bigru_attention",
    tags=("recurrent", "gru", "attention", "modern"),
    reference="Attention pooling over a BiGRU (Yang et al., 2016, word level)",
    search_space={
        "embedding_dim": Choice([16, 32, 64, 128]),
        "units": Choice([16, 32, 64, 128]),
        "attention_units": Choice([16, 32, 64]),
        "dense_units": Choice([6, 24, 64]),
        "dropout": Float(0.0, 0.5, step=0.1),
    },
)
def bigru_attention(
    *,
    vocab_size: VocabSize = 10000,
    embedding_dim: Positive = 16,
    max_length: MaxLength = 120,
    units: Positive = 32,
    attention_units: Positive = 32,
    dense_units: Positive = 6,
    head_activation: HeadActivation = "relu",
    dropout: Rate = 0.0,
    mask_zero: bool = True,
    num_classes: NumClasses = 2,
) -> keras.Model:
    """Embedding, a Bidirectional(GRU) over every step, attention pooling and a dense head.

    Where ``bigru`` keeps each direction's last state, this model keeps every
    step's states and pools them with learned additive attention
    (:class:`keras_seqzoo.layers.AttentionPooling`: ``softmax_t(v . tanh(W h_t + b))``
    weights the sum of the ``h_t``).

    Args:
        vocab_size: number of token ids (>= 2).
        embedding_dim: size of each token vector.
        max_length: sequence length, or ``None`` for variable-length input.
        units: units of the GRU (per direction).
        attention_units: size of the attention's scoring layer.
        dense_units: units of the hidden layer.
        head_activation: that layer's activation: ``"relu"``, ``"leaky_relu"``
            (slope 0.2 below 0, so it never stops every gradient) or ``"gelu"``.
        dropout: dropout rate before the hidden layer (0 adds no layer).
        mask_zero: treat token id 0 as padding: the GRU skips it and the
            attention gives it weight 0.
        num_classes: 2 for one sigmoid output, more for a softmax.

    Returns:
        An uncompiled ``keras.Model``.

    Example:

    ```python
    model = keras_seqzoo.build("bigru_attention", units=64, attention_units=64)
    ```
    """
    inputs, x = embedded_input(
        vocab_size=vocab_size, embedding_dim=embedding_dim, max_length=max_length,
        mask_zero=mask_zero,
    )
    x = keras.layers.Bidirectional(keras.layers.GRU(units, return_sequences=True))(x)
    x = AttentionPooling(attention_units)(x)
    outputs = classification_head(
        x, dense_units=dense_units, dropout=dropout, num_classes=num_classes,
        activation=head_activation,
    )
    return finish(inputs, outputs, "bigru_attention")

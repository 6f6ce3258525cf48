"""Transformer encoder: token + position embedding, encoder blocks, pooling, head."""

from __future__ import annotations

from typing import Annotated, Literal

import keras

from keras_seqzoo._arguments import Range
from keras_seqzoo._registry import register
from keras_seqzoo.layers import TokenAndPositionEmbedding, TransformerEncoderBlock
from keras_seqzoo.models._parts import (
    FixedLength,
    HeadActivation,
    NumClasses,
    Positive,
    Rate,
    VocabSize,
    average_pooling,
    finish,
    invalid,
    max_pooling,
)
from keras_seqzoo.space import Choice, Float

__all__ = ["transformer_encoder"]


@register(
    "transformer_encoder",
    tags=("attention", "transformer", "modern"),
    reference="keras.io: Text classification with Transformer",
    search_space={
        "embedding_dim": Choice([16, 32, 64, 128]),
        "num_heads": Choice([1, 2, 4]),
        "ff_dim": Choice([32, 64, 128]),
        "num_blocks": Choice([1, 2, 3]),
        "block_dropout": Float(0.0, 0.3, step=0.1),
        "dense_units": Choice([6, 20, 64]),
        "dropout": Float(0.0, 0.5, step=0.1),
    },
)
def transformer_encoder(
    *,
    vocab_size: VocabSize = 10000,
    embedding_dim: Positive = 16,
    max_length: FixedLength = 120,
    num_heads: Positive = 2,
    key_dim: Annotated[int | None, Range(min_value=1)] = None,
    ff_dim: Positive = 128,
    num_blocks: Positive = 2,
    block_dropout: Rate = 0.1,
    pooling: Literal["average", "max"] = "average",
    dense_units: Positive = 6,
    head_activation: HeadActivation = "relu",
    dropout: Rate = 0.0,
    mask_zero: bool = False,
    num_classes: NumClasses = 2,
) -> keras.Model:
    """Token + position embedding, Transformer encoder blocks, pooling and a dense head.

    The architecture of keras.io's "Text classification with Transformer"
    (Nandan, 2020), with any number of blocks: each block is multi-head
    self-attention and a feed-forward layer, each followed by dropout, a
    residual connection and layer normalization
    (:class:`keras_seqzoo.layers.TransformerEncoderBlock`). The head is
    dropout, a hidden ``Dense`` (ReLU by default), dropout again and the output
    layer (keras.io's head; one sigmoid unit for 2 classes where keras.io has a
    2-way softmax, which is the same classifier with 21 parameters fewer at
    ``dense_units=20``).

    Args:
        vocab_size: number of token ids (>= 2).
        embedding_dim: size of the token and position vectors (the model width).
        max_length: sequence length; fixed, because positions are embedded.
        num_heads: attention heads; must divide ``embedding_dim``.
        key_dim: size of each head's queries and keys; ``None`` gives
            ``embedding_dim // num_heads`` (keras.io uses ``key_dim=embedding_dim``).
        ff_dim: hidden units of each block's feed-forward layer.
        num_blocks: number of encoder blocks.
        block_dropout: dropout inside each block.
        pooling: ``"average"`` (GlobalAveragePooling1D) or ``"max"`` over
            time; both skip masked padding.
        dense_units: units of the hidden layer of the head.
        head_activation: that layer's activation: ``"relu"`` (keras.io's),
            ``"leaky_relu"`` (slope 0.2 below 0, so it never stops every
            gradient) or ``"gelu"``.
        dropout: dropout rate before and after the hidden layer (0 adds no layer).
        mask_zero: treat token id 0 as padding: attention ignores padded keys
            and pooling reads the real tokens only.
        num_classes: 2 for one sigmoid output, more for a softmax.

    Returns:
        An uncompiled ``keras.Model``.

    Raises:
        ValueError: ``num_heads`` does not divide ``embedding_dim``.

    Example:

    ```python
    model = keras_seqzoo.build("transformer_encoder", num_blocks=1, num_heads=4)
    ```
    """
    if embedding_dim % num_heads:
        raise invalid(
            "transformer_encoder", "num_heads", num_heads,
            f"a divisor of embedding_dim={embedding_dim} (e.g. "
            f"{', '.join(str(h) for h in range(1, min(embedding_dim, 16) + 1) if embedding_dim % h == 0)})",
        )
    inputs = keras.Input(shape=(max_length,), dtype="int32", name="tokens")
    x = TokenAndPositionEmbedding(vocab_size, max_length, embedding_dim, mask_zero=mask_zero)(
        inputs
    )
    for _ in range(num_blocks):
        x = TransformerEncoderBlock(
            num_heads=num_heads,
            key_dim=key_dim if key_dim is not None else embedding_dim // num_heads,
            ff_dim=ff_dim,
            dropout=block_dropout,
        )(x)
    if pooling == "average":
        x = average_pooling(mask_zero)(x)
    else:
        x = max_pooling(mask_zero)(x)
    if dropout > 0:
        x = keras.layers.Dropout(dropout)(x)
    x = keras.layers.Dense(dense_units, activation=head_activation)(x)
    if dropout > 0:
        x = keras.layers.Dropout(dropout)(x)
    if num_classes == 2:
        outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    else:
        outputs = keras.layers.Dense(num_classes, activation="softmax")(x)
    return finish(inputs, outputs, "transformer_encoder")

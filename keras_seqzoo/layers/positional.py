"""Token + learned position embedding (the input of a Transformer encoder)."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from keras_seqzoo.layers._config import config_with

__all__ = ["TokenAndPositionEmbedding"]


@keras.saving.register_keras_serializable(package="keras_seqzoo")
class TokenAndPositionEmbedding(keras.layers.Layer):
    """Sums a token embedding and a learned embedding of each position.

    As in keras.io's "Text classification with Transformer": position ``i`` of
    every sequence gets the vector ``position_embedding[i]``, added to its
    token's vector. Sequences must be at most ``max_length`` long.

    Args:
        vocab_size: number of token ids.
        max_length: the longest sequence (number of position vectors).
        embedding_dim: size of each vector.
        mask_zero: produce a mask that is ``False`` where the token id is 0
            (padding), for the layers that follow.
        **kwargs: ``keras.layers.Layer`` arguments (``name``, ``dtype``).

    Returns:
        ``(batch, length, embedding_dim)`` floats.

    Example:

    ```python
    layer = TokenAndPositionEmbedding(vocab_size=100, max_length=8, embedding_dim=4)
    vectors = layer(keras.ops.ones((2, 8), dtype="int32"))  # shape (2, 8, 4)
    ```
    """

    def __init__(self, vocab_size: int, max_length: int, embedding_dim: int,
                 mask_zero: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.vocab_size = int(vocab_size)
        self.max_length = int(max_length)
        self.embedding_dim = int(embedding_dim)
        self.mask_zero = bool(mask_zero)
        self.token_embedding = keras.layers.Embedding(
            self.vocab_size, self.embedding_dim, name="token_embedding", dtype=self.dtype_policy
        )
        self.position_embedding = keras.layers.Embedding(
            self.max_length, self.embedding_dim, name="position_embedding",
            dtype=self.dtype_policy,
        )

    def build(self, input_shape):
        self.token_embedding.build(input_shape)
        self.position_embedding.build((self.max_length,))
        self.built = True

    def call(self, inputs):
        positions = ops.arange(ops.shape(inputs)[-1])
        return self.token_embedding(inputs) + self.position_embedding(positions)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.embedding_dim)

    def get_config(self) -> dict[str, Any]:
        return config_with(super().get_config(), self,
                           "vocab_size", "max_length", "embedding_dim", "mask_zero")

"""Attention layers: a Transformer encoder block and learned attention pooling."""

from __future__ import annotations

from typing import Any

import keras
from keras import ops

from keras_seqzoo.layers._config import config_with

__all__ = ["AttentionPooling", "TransformerEncoderBlock"]


@keras.saving.register_keras_serializable(package="keras_seqzoo")
class TransformerEncoderBlock(keras.layers.Layer):
    """One post-norm Transformer encoder block, as in keras.io's Transformer example.

    ``x = LayerNorm(x + Dropout(MultiHeadAttention(x, x)))``, then
    ``LayerNorm(x + Dropout(Dense(Dense(x, ff_dim, relu), d)))``, where ``d`` is
    the input's last dimension. A mask (``False`` = padding) keeps the
    attention away from padded positions (as keys) and passes on to the next
    layer, so a following ``GlobalAveragePooling1D`` averages the real tokens only.

    Args:
        num_heads: attention heads.
        key_dim: size of each head's queries and keys.
        ff_dim: units of the feed-forward layer's hidden ReLU layer.
        dropout: dropout rate after the attention and after the feed-forward layer.
        epsilon: the layer normalizations' epsilon (keras.io uses 1e-6).
        **kwargs: ``keras.layers.Layer`` arguments.

    Returns:
        A tensor of the input's shape.

    Example:

    ```python
    block = TransformerEncoderBlock(num_heads=2, key_dim=16, ff_dim=32)
    y = block(keras.random.normal((2, 10, 32)))  # shape (2, 10, 32)
    ```
    """

    def __init__(self, num_heads: int, key_dim: int, ff_dim: int, dropout: float = 0.1,
                 epsilon: float = 1e-6, **kwargs: Any):
        super().__init__(**kwargs)
        self.num_heads = int(num_heads)
        self.key_dim = int(key_dim)
        self.ff_dim = int(ff_dim)
        self.dropout = float(dropout)
        self.epsilon = float(epsilon)
        self.supports_masking = True
        policy = self.dtype_policy
        self.attention = keras.layers.MultiHeadAttention(
            num_heads=self.num_heads, key_dim=self.key_dim, name="attention", dtype=policy
        )
        self.feed_forward_hidden = keras.layers.Dense(
            self.ff_dim, activation="relu", name="feed_forward_hidden", dtype=policy
        )
        self.feed_forward_output = None  # its width is the input's, known in build()
        self.attention_norm = keras.layers.LayerNormalization(
            epsilon=self.epsilon, name="attention_norm", dtype=policy
        )
        self.feed_forward_norm = keras.layers.LayerNormalization(
            epsilon=self.epsilon, name="feed_forward_norm", dtype=policy
        )
        self.attention_dropout = keras.layers.Dropout(self.dropout, dtype=policy)
        self.feed_forward_dropout = keras.layers.Dropout(self.dropout, dtype=policy)

    def build(self, input_shape):
        width = input_shape[-1]
        self.feed_forward_output = keras.layers.Dense(
            width, name="feed_forward_output", dtype=self.dtype_policy
        )
        self.attention.build(input_shape, input_shape)
        self.feed_forward_hidden.build(input_shape)
        self.feed_forward_output.build((*input_shape[:-1], self.ff_dim))
        self.attention_norm.build(input_shape)
        self.feed_forward_norm.build(input_shape)
        self.built = True

    def call(self, inputs, mask=None, training=None):
        attention_mask = None
        if mask is not None:
            keys = ops.cast(mask, "bool")
            # (batch, queries, keys): every query may look at the real tokens only.
            attention_mask = ops.logical_and(ops.ones_like(keys)[:, :, None], keys[:, None, :])
        attended = self.attention(inputs, inputs, attention_mask=attention_mask,
                                  training=training)
        x = self.attention_norm(inputs + self.attention_dropout(attended, training=training))
        hidden = self.feed_forward_output(self.feed_forward_hidden(x))
        return self.feed_forward_norm(x + self.feed_forward_dropout(hidden, training=training))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return config_with(super().get_config(), self,
                           "num_heads", "key_dim", "ff_dim", "dropout", "epsilon")


@keras.saving.register_keras_serializable(package="keras_seqzoo")
class AttentionPooling(keras.layers.Layer):
    """Pools a sequence into one vector with learned (additive) attention.

    Each step ``h_t`` gets a score ``v . tanh(W h_t + b)``; the softmax of the
    scores over time weights the sum of the steps. Masked steps (padding) get
    weight 0. The attention weights of the last call are not stored; use
    :meth:`attention_weights` to compute them.

    Args:
        units: size of the hidden scoring layer (``W`` has ``units`` columns).
        **kwargs: ``keras.layers.Layer`` arguments.

    Returns:
        ``(batch, features)``: the attention-weighted sum over time.

    Example:

    ```python
    pooled = AttentionPooling(16)(keras.random.normal((2, 10, 8)))  # shape (2, 8)
    ```
    """

    def __init__(self, units: int, **kwargs: Any):
        super().__init__(**kwargs)
        self.units = int(units)
        self.supports_masking = True

    def build(self, input_shape):
        features = input_shape[-1]
        self.kernel = self.add_weight(name="kernel", shape=(features, self.units),
                                      initializer="glorot_uniform")
        self.bias = self.add_weight(name="bias", shape=(self.units,), initializer="zeros")
        self.score = self.add_weight(name="score", shape=(self.units, 1),
                                     initializer="glorot_uniform")
        self.built = True

    def attention_weights(self, inputs, mask=None):
        """Returns the ``(batch, time)`` attention weights (each row sums to 1)."""
        scores = ops.squeeze(
            ops.matmul(ops.tanh(ops.matmul(inputs, self.kernel) + self.bias), self.score), -1
        )
        if mask is not None:
            low = -6e4 if keras.backend.standardize_dtype(scores.dtype) == "float16" else -1e9
            scores = ops.where(ops.cast(mask, "bool"), scores, ops.full_like(scores, low))
        return ops.softmax(scores, axis=-1)

    def call(self, inputs, mask=None):
        weights = self.attention_weights(inputs, mask)
        return ops.sum(inputs * ops.expand_dims(weights, -1), axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[-1])

    def get_config(self) -> dict[str, Any]:
        return config_with(super().get_config(), self, "units")

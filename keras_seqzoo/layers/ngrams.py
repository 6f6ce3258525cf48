"""Hashed n-grams of token ids, inside the model (the input of a fastText-style bag)."""

from __future__ import annotations

from typing import Any, Sequence

import keras
from keras import ops

from keras_seqzoo.layers._config import config_with

__all__ = ["HASH_PRIME", "MAX_BUCKETS", "WIDE_PRIME", "HashedNgrams"]

#: The hash's modulus, the largest prime below 2**16: the n-gram hash is in
#: ``[0, HASH_PRIME)``; up to this many buckets it is the only hash.
HASH_PRIME = 65521
#: The second hash's modulus (the largest prime below 2**15), used only above
#: ``HASH_PRIME`` buckets: ``HASH_PRIME * WIDE_PRIME`` < 2**31, so the wide hash
#: stays in int32 on every backend.
WIDE_PRIME = 32749
#: The most buckets :class:`HashedNgrams` takes: 2**24, eight times fastText's default
#: of 2 million (the embedding table, not the hash, is the limit long before this).
MAX_BUCKETS = 2**24
# One multiplier per position in the n-gram (products stay below 2**31 in int32).
_MULTIPLIERS = (10007, 15013, 7919)
_WIDE_MULTIPLIERS = (7927, 9973, 3469)


@keras.saving.register_keras_serializable(package="keras_seqzoo")
class HashedNgrams(keras.layers.Layer):
    """Turns token ids into the ids of their n-grams: unigrams as is, longer ones hashed.

    A bag-of-n-grams model (fastText, Joulin et al. 2017) embeds every n-gram of
    a text and averages the vectors. This layer makes the n-gram ids from the
    same integer inputs every other builder takes (token ids, 0 = padding), so
    the hashing is part of the saved model:

    - order 1: the token id itself (``0 .. vocab_size - 1``);
    - order 2 and 3: the n-gram ``(t_1, .., t_n)`` hashes to
      ``h = (sum_i (t_i mod P) * c_i) mod P`` with ``P = 65521`` (a prime) and fixed
      multipliers ``c = (10007, 15013, 7919)``, then to the bucket
      ``h mod num_buckets``; its id is ``vocab_size + bucket``. Different
      n-grams may share a bucket (the hashing trick); bigram and trigram hashes
      share the buckets, as in fastText.
    - above 65,521 buckets (``h`` has only that many values) a second hash
      ``g = (sum_i (t_i mod Q) * d_i) mod Q`` with ``Q = 32749`` and
      ``d = (7927, 9973, 3469)`` widens it: the bucket is
      ``(h * Q + g) mod num_buckets``. Up to 65,521 buckets the ids are as above,
      so models saved before the wide hash load and predict the same.

    An n-gram that touches padding (a 0 id) gets id 0, so an ``Embedding`` with
    ``mask_zero=True`` followed by ``GlobalAveragePooling1D`` averages the real
    n-grams only. The output concatenates the orders along time: for length
    ``T`` and orders ``(1, 2)`` it has ``T + (T - 1)`` ids, in
    ``[0, vocab_size + num_buckets)``.

    Args:
        vocab_size: number of token ids (unigram ids are below it).
        num_buckets: number of hash buckets for the n-grams of order 2 and 3,
            1 to 2**24 (fastText's own default is 2 million).
        orders: the n-gram orders, each 1, 2 or 3, e.g. ``(1, 2)``.
        **kwargs: ``keras.layers.Layer`` arguments.

    Returns:
        ``(batch, n-grams)`` int32 ids.

    Example:

    ```python
    ids = HashedNgrams(vocab_size=100, num_buckets=50, orders=(1, 2))(
        keras.ops.convert_to_tensor([[5, 6, 7, 0]], dtype="int32"))  # shape (1, 7)
    ```
    """

    def __init__(self, vocab_size: int, num_buckets: int, orders: Sequence[int] = (1, 2),
                 **kwargs: Any):
        kwargs.setdefault("dtype", "int32")
        super().__init__(**kwargs)
        orders = tuple(int(o) for o in orders)
        if not orders or any(o not in (1, 2, 3) for o in orders) or len(set(orders)) != len(orders):
            raise ValueError(
                "HashedNgrams: orders must be distinct n-gram orders, each 1, 2 or 3. "
                f"Received: orders={orders!r}"
            )
        if not 1 <= int(num_buckets) <= MAX_BUCKETS:
            raise ValueError(
                f"HashedNgrams: num_buckets must be in [1, {MAX_BUCKETS}] (2**24). "
                f"Received: num_buckets={num_buckets!r}"
            )
        self.vocab_size = int(vocab_size)
        self.num_buckets = int(num_buckets)
        self.orders = tuple(sorted(orders))

    @property
    def output_vocab_size(self) -> int:
        """The number of distinct ids this layer outputs (the embedding's input size)."""
        return self.vocab_size + (self.num_buckets if max(self.orders) > 1 else 0)

    def call(self, inputs):
        ids = ops.cast(inputs, "int32")
        length = ops.shape(ids)[1]
        pieces = []
        for order in self.orders:
            if order == 1:
                pieces.append(ids)
                continue
            grams = [ids[:, i: length - order + 1 + i] for i in range(order)]
            hashed = ops.zeros_like(grams[0])
            valid = ops.ones_like(grams[0], dtype="bool")
            for token, multiplier in zip(grams, _MULTIPLIERS):
                hashed = ops.mod(hashed + ops.mod(token, HASH_PRIME) * multiplier, HASH_PRIME)
                valid = ops.logical_and(valid, ops.not_equal(token, 0))
            if self.num_buckets > HASH_PRIME:
                wide = ops.zeros_like(grams[0])
                for token, multiplier in zip(grams, _WIDE_MULTIPLIERS):
                    wide = ops.mod(wide + ops.mod(token, WIDE_PRIME) * multiplier, WIDE_PRIME)
                hashed = hashed * WIDE_PRIME + wide  # < HASH_PRIME * WIDE_PRIME < 2**31
            bucket = ops.mod(hashed, self.num_buckets) + self.vocab_size
            pieces.append(ops.where(valid, bucket, ops.zeros_like(bucket)))
        return pieces[0] if len(pieces) == 1 else ops.concatenate(pieces, axis=1)

    def compute_output_shape(self, input_shape):
        batch, length = input_shape[0], input_shape[1]
        if length is None:
            return (batch, None)
        return (batch, sum(max(length - order + 1, 0) for order in self.orders))

    def compute_output_spec(self, inputs):
        return keras.KerasTensor(self.compute_output_shape(inputs.shape), dtype="int32")

    def get_config(self) -> dict[str, Any]:
        config = config_with(super().get_config(), self, "vocab_size", "num_buckets")
        return {**config, "orders": list(self.orders)}

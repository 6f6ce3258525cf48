"""fastText-style bag of n-grams: hashed n-gram embeddings, averaged, then the head."""

from __future__ import annotations

from typing import Annotated

import keras

from keras_seqzoo._arguments import Range
from keras_seqzoo._registry import register
from keras_seqzoo.layers import HashedNgrams
from keras_seqzoo.layers.ngrams import HASH_PRIME, MAX_BUCKETS
from keras_seqzoo.models._parts import (
    MaxLength,
    NumClasses,
    Positive,
    Rate,
    VocabSize,
    average_pooling,
    classification_head,
    finish,
    invalid,
)
from keras_seqzoo.space import Choice, Float

__all__ = ["fasttext"]

NgramOrders = Annotated[tuple[int, ...], Range(min_value=1, max_value=3)]
Buckets = Annotated[int, Range(min_value=1, max_value=MAX_BUCKETS)]
HiddenUnits = Annotated[int, Range(min_value=0)]  # 0: no hidden layer


@register(
    "fasttext",
    tags=("pooling", "ngram", "modern"),
    reference="fastText (Joulin et al., 2017); Keras' imdb_fasttext example",
    search_space={
        "embedding_dim": Choice([8, 16, 32, 64]),
        "ngram_orders": Choice([(1,), (1, 2), (1, 2, 3)]),
        "num_buckets": Choice([2000, 11600, 30000, HASH_PRIME]),
        "dense_units": Choice([6, 24, 64]),
        "dropout": Float(0.0, 0.5, step=0.1),
    },
)
def fasttext(
    *,
    vocab_size: VocabSize = 10000,
    embedding_dim: Positive = 8,
    max_length: MaxLength = 120,
    ngram_orders: NgramOrders = (1, 2),
    num_buckets: Buckets = 11600,
    dense_units: HiddenUnits = 6,
    dropout: Rate = 0.0,
    num_classes: NumClasses = 2,
) -> keras.Model:
    """A bag of n-grams: token and hashed bigram (and trigram) embeddings, averaged, then a head.

    The n-grams are made inside the model by
    :class:`keras_seqzoo.layers.HashedNgrams` from the same token ids as every
    other builder (0 = padding): unigrams keep their id, bigrams and trigrams are
    hashed into ``num_buckets`` shared buckets. One ``Embedding`` of
    ``vocab_size + num_buckets`` rows (``mask_zero=True``) embeds them all and
    an average pooling averages the n-grams that do not touch padding (an empty
    text pools to zeros).

    Args:
        vocab_size: number of token ids (>= 2).
        embedding_dim: size of each n-gram vector.
        max_length: sequence length, or ``None`` for variable-length input.
        ngram_orders: the n-gram orders to use, each 1, 2 or 3, distinct, e.g.
            ``(1, 2)`` (unigrams and bigrams) or ``(1, 2, 3)``.
        num_buckets: hash buckets for the bigrams and trigrams, 1 to 2**24
            (16,777,216; fastText's own default is 2 million, Keras' ``imdb_fasttext``
            example keeps about 1.2 million exact bigrams); unused when
            ``ngram_orders == (1,)``. The table has ``vocab_size + num_buckets`` rows.
        dense_units: units of the hidden ReLU layer; 0 leaves it out, so the
            averaged vector goes straight to the output (fastText's own classifier,
            and Keras' ``imdb_fasttext`` example).
        dropout: dropout rate before the hidden layer (0 adds no layer).
        num_classes: 2 for one sigmoid output, more for a softmax.

    Returns:
        An uncompiled ``keras.Model``.

    Raises:
        ValueError: an n-gram order is not 1, 2 or 3, or appears twice.

    Example:

    ```python
    model = keras_seqzoo.build("fasttext", ngram_orders=(1, 2, 3), num_buckets=20000)
    ```
    """
    orders = tuple(ngram_orders)
    if not orders or any(
        isinstance(o, bool) or not isinstance(o, int) or not 1 <= o <= 3 for o in orders
    ):
        raise invalid("fasttext", "ngram_orders", ngram_orders,
                      "a non-empty tuple of n-gram orders, each in [1, 3]")
    if len(set(orders)) != len(orders):
        raise invalid("fasttext", "ngram_orders", ngram_orders,
                      "distinct n-gram orders, each in [1, 3] (e.g. (1, 2))")
    if not 1 <= num_buckets <= MAX_BUCKETS:
        raise invalid("fasttext", "num_buckets", num_buckets, f"in [1, {MAX_BUCKETS}] (2**24)")
    inputs = keras.Input(shape=(max_length,), dtype="int32", name="tokens")
    ngrams = HashedNgrams(vocab_size, num_buckets, orders)
    x = ngrams(inputs)
    x = keras.layers.Embedding(ngrams.output_vocab_size, embedding_dim, mask_zero=True)(x)
    x = average_pooling(mask_zero=True)(x)
    outputs = classification_head(
        x, dense_units=dense_units, dropout=dropout, num_classes=num_classes
    )
    return finish(inputs, outputs, "fasttext")

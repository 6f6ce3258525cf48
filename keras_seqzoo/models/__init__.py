"""The built-in model families; importing this package registers them."""

from keras_seqzoo.models import (  # noqa: F401
    attention,
    convolutional,
    ngram,
    pooling,
    recurrent,
    scan,
    temporal,
    transformer,
)

__all__ = [
    "attention",
    "convolutional",
    "ngram",
    "pooling",
    "recurrent",
    "scan",
    "temporal",
    "transformer",
]

"""The built-in model families; importing this package registers them."""

from keras_seqzoo.models import convolutional, pooling, recurrent  # noqa: F401

__all__ = ["convolutional", "pooling", "recurrent"]

"""Keras layers of keras_seqzoo."""

from keras_seqzoo.layers.recurrent import (
    GRU,
    LSTM,
    PLAIN_KERAS_OBJECTS,
    Bidirectional,
    recurrent_kernels,
)

__all__ = ["GRU", "LSTM", "PLAIN_KERAS_OBJECTS", "Bidirectional", "recurrent_kernels"]

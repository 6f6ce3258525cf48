"""Keras layers of keras_seqzoo's builders.

- the fused recurrent layers ``LSTM``, ``GRU`` and ``Bidirectional``: Keras' own
  layers (same variables, config and outputs) with a faster kernel per backend;
- the layers of the newer builders (Transformer encoder, fastText n-grams, minGRU,
  attention pooling, max pooling that skips padding, average pooling that
  survives an all-padding input).

Every layer is registered with Keras' serialization (package ``"keras_seqzoo"``);
``import keras_seqzoo`` registers them as soon as Keras is imported, so a saved
``.keras`` model that uses them loads with ``keras.saving.load_model`` and no
``custom_objects``.
"""

from keras_seqzoo.layers.attention import AttentionPooling, TransformerEncoderBlock
from keras_seqzoo.layers.mingru import MinGRU, min_gru_scan
from keras_seqzoo.layers.ngrams import HashedNgrams
from keras_seqzoo.layers.positional import TokenAndPositionEmbedding
from keras_seqzoo.layers.recurrent import (
    GRU,
    LSTM,
    PLAIN_KERAS_OBJECTS,
    Bidirectional,
    recurrent_kernels,
)
from keras_seqzoo.layers.sequence import (
    LastStep,
    MaskedGlobalAveragePooling1D,
    MaskedGlobalMaxPooling1D,
)

__all__ = [
    "GRU",
    "LSTM",
    "PLAIN_KERAS_OBJECTS",
    "AttentionPooling",
    "Bidirectional",
    "HashedNgrams",
    "LastStep",
    "MaskedGlobalAveragePooling1D",
    "MaskedGlobalMaxPooling1D",
    "MinGRU",
    "TokenAndPositionEmbedding",
    "TransformerEncoderBlock",
    "min_gru_scan",
    "recurrent_kernels",
]

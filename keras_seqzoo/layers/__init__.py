"""Custom Keras layers of keras_seqzoo's builders.

Importing ``keras_seqzoo`` imports this package, which registers every layer
with Keras' serialization (package ``"keras_seqzoo"``), so a saved ``.keras``
model that uses them loads with ``keras.saving.load_model`` and no
``custom_objects``.
"""

from keras_seqzoo.layers.attention import AttentionPooling, TransformerEncoderBlock
from keras_seqzoo.layers.mingru import MinGRU, min_gru_scan
from keras_seqzoo.layers.ngrams import HashedNgrams
from keras_seqzoo.layers.positional import TokenAndPositionEmbedding
from keras_seqzoo.layers.sequence import LastStep

__all__ = [
    "AttentionPooling",
    "HashedNgrams",
    "LastStep",
    "MinGRU",
    "TokenAndPositionEmbedding",
    "TransformerEncoderBlock",
    "min_gru_scan",
]

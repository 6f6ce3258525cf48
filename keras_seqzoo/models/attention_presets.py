"""Presets of the ``bigru_attention`` builder, as data (``PresetTable``)."""

from keras_seqzoo.models._data_settings import IMDB_WORDS10K, PresetTable

PRESETS: PresetTable = {
    "bigru_attention.imdb_words10k": {
        "arguments": {"vocab_size": 10000, "embedding_dim": 16, "max_length": 120, "units": 32,
                      "attention_units": 32, "dense_units": 6, "head_activation": "leaky_relu",
                      "mask_zero": True},
        "metadata": {
            "description": "IMDB words at the T5 BiLSTM's budget: Bidirectional(GRU(32)) over "
                           "every step, attention pooling (32), Dense(6, leaky ReLU).",
            "data": IMDB_WORDS10K,
        },
    },
}

"""Presets of the ``tcn`` builder, as data (``PresetTable``)."""

from keras_seqzoo.models._data_settings import IMDB_WORDS10K, PresetTable

PRESETS: PresetTable = {
    "tcn.imdb_words10k": {
        "arguments": {"vocab_size": 10000, "embedding_dim": 16, "max_length": 120, "filters": 16,
                      "kernel_size": 3, "dilations": (1, 2, 4, 8, 16), "pooling": "average",
                      "dense_units": 6},
        "metadata": {
            "description": "IMDB words at the T5 BiLSTM's budget: 5 residual blocks of causal "
                           "Conv1D(16, 3), dilations 1-16 (receptive field 125), average "
                           "pooling, Dense(6).",
            "data": IMDB_WORDS10K,
        },
    },
}

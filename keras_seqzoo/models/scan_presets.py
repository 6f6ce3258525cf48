"""Presets of the ``mingru`` builder, as data (``PresetTable``)."""

from keras_seqzoo.models._data_settings import IMDB_WORDS10K, PresetTable

PRESETS: PresetTable = {
    "mingru.imdb_words10k": {
        "arguments": {"vocab_size": 10000, "embedding_dim": 16, "max_length": 120, "units": 64,
                      "num_layers": 1, "bidirectional": True, "pooling": "average",
                      "dense_units": 6, "mask_zero": True},
        "metadata": {
            "description": "IMDB words at the T5 BiLSTM's budget: a bidirectional minGRU(64) "
                           "(one parallel scan for both directions, padding masked), states "
                           "averaged, Dense(6).",
            "data": IMDB_WORDS10K,
        },
    },
}

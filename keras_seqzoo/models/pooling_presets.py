"""Presets of the pooling builders (embedding_flatten, embedding_pooling), as data."""

from keras_seqzoo.models._data_settings import IMDB_WORDS10K, PresetTable

PRESETS: PresetTable = {
    "embedding_flatten.imdb_words10k": {
        "arguments": {"vocab_size": 10000, "embedding_dim": 16, "max_length": 120,
                      "dense_units": 6},
        "metadata": {
            "description": "IMDB words, Embedding(10000, 16) + Flatten + Dense(6): the "
                           "~5 s/epoch baseline.",
            "reference": "T4",
            "slide": "IMDB with Embedding only",
            "data": IMDB_WORDS10K,
            "slide_summary": [
                ("Embedding", "(None, 120, 16)", 160000),
                ("Flatten", "(None, 1920)", 0),
                ("Dense", "(None, 6)", 11526),
                ("Dense", "(None, 1)", 7),
            ],
            "slide_total": 171533,
        },
    },
    "embedding_pooling.imdb_words10k": {
        "arguments": {"vocab_size": 10000, "embedding_dim": 16, "max_length": 120,
                      "pooling": "average", "dense_units": 24},
        "metadata": {
            "description": "The slides' 'Without LSTM' model on IMDB words: "
                           "GlobalAveragePooling1D + Dense(24).",
            "slide": "Without LSTM",
            "data": IMDB_WORDS10K,
            "aliases": ("embedding_pooling.without_lstm",),
        },
    },
}

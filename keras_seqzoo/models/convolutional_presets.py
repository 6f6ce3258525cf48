"""Presets of the ``conv1d`` builder, as data (``PresetTable``)."""

from keras_seqzoo.models._data_settings import IMDB_WORDS10K, WORDS1K_LEN120, PresetTable

PRESETS: PresetTable = {
    "conv1d.words1k_len120": {
        "arguments": {"vocab_size": 1000, "embedding_dim": 16, "max_length": 120,
                      "filters": 128, "kernel_size": 5, "pooling": "max", "dense_units": 24},
        "metadata": {
            "description": "Embedding(1000, 16) + Conv1D(128, 5) + GlobalMaxPooling1D + "
                           "Dense(24).",
            "reference": "T3",
            "slide": "Conv1D, max_length = 120",
            "data": WORDS1K_LEN120,
            "slide_summary": [
                ("Embedding", "(None, 120, 16)", 16000),
                ("Conv1D", "(None, 116, 128)", 10368),
                ("GlobalMaxPooling1D", "(None, 128)", 0),
                ("Dense", "(None, 24)", 3096),
                ("Dense", "(None, 1)", 25),
            ],
            "slide_total": 29489,
        },
    },
    "conv1d.imdb_words10k": {
        "arguments": {"vocab_size": 10000, "embedding_dim": 16, "max_length": 120,
                      "filters": 128, "kernel_size": 5, "pooling": "average",
                      "dense_units": 6},
        "metadata": {
            "description": "IMDB words, Conv1D(128, 5) + GlobalAveragePooling1D + Dense(6).",
            "reference": "T7",
            "slide": "IMDB with CNN",
            "data": IMDB_WORDS10K,
            "slide_summary": [
                ("Embedding", "(None, 120, 16)", 160000),
                ("Conv1D", "(None, 116, 128)", 10368),
                ("GlobalAveragePooling1D", "(None, 128)", 0),
                ("Dense", "(None, 6)", 774),
                ("Dense", "(None, 1)", 7),
            ],
            "slide_total": 171149,
        },
    },
}

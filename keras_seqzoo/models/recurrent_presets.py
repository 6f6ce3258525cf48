"""Presets of the recurrent builders (bilstm, stacked_bilstm, bigru), as data."""

from keras_seqzoo.models._data_settings import IMDB_SUBWORDS8K, IMDB_WORDS10K, PresetTable

PRESETS: PresetTable = {
    "bilstm.imdb_subwords8k": {
        "arguments": {"vocab_size": 8185, "embedding_dim": 64, "max_length": None, "units": 64,
                      "dense_units": 64},
        "metadata": {
            "description": "IMDB 8k subwords, Embedding(8185, 64) + Bidirectional(LSTM(64)) + "
                           "Dense(64).",
            "reference": "T1",
            "slide": "IMDB subwords, 1-layer LSTM",
            "data": IMDB_SUBWORDS8K,
            "slide_summary": [
                ("Embedding", "(None, None, 64)", 523840),
                ("Bidirectional", "(None, 128)", 66048),
                ("Dense", "(None, 64)", 8256),
                ("Dense", "(None, 1)", 65),
            ],
            "slide_total": 598209,
        },
    },
    "stacked_bilstm.imdb_subwords8k": {
        "arguments": {"vocab_size": 8185, "embedding_dim": 64, "max_length": None,
                      "units": (64, 32), "dense_units": 64},
        "metadata": {
            "description": "IMDB 8k subwords, two Bidirectional LSTMs (64 then 32) + Dense(64).",
            "reference": "T2",
            "slide": "IMDB subwords, 2-layer LSTM",
            "data": IMDB_SUBWORDS8K,
            "slide_summary": [
                ("Embedding", "(None, None, 64)", 523840),
                ("Bidirectional", "(None, None, 128)", 66048),
                ("Bidirectional", "(None, 64)", 41216),
                ("Dense", "(None, 64)", 4160),
                ("Dense", "(None, 1)", 65),
            ],
            "slide_total": 635329,
        },
    },
    "bilstm.imdb_words10k": {
        "arguments": {"vocab_size": 10000, "embedding_dim": 16, "max_length": 120, "units": 32,
                      "dense_units": 6},
        "metadata": {
            "description": "IMDB words, Embedding(10000, 16) + Bidirectional(LSTM(32)) + "
                           "Dense(6).",
            "reference": "T5",
            "slide": "IMDB with LSTM",
            "data": IMDB_WORDS10K,
            "slide_summary": [
                ("Embedding", "(None, 120, 16)", 160000),
                ("Bidirectional", "(None, 64)", 12544),
                ("Dense", "(None, 6)", 390),
                ("Dense", "(None, 1)", 7),
            ],
            # The slide prints "Total params: 173,941" above "Trainable params: 172,941";
            # the layers add up to 172,941, the true total.
            "slide_total": 172941,
        },
    },
    "bilstm.imdb_words10k_dense24": {
        "arguments": {"vocab_size": 10000, "embedding_dim": 16, "max_length": 120, "units": 32,
                      "dense_units": 24},
        "metadata": {
            "description": "The slides' 'With LSTM' model on IMDB words: "
                           "Bidirectional(LSTM(32)) + Dense(24).",
            "slide": "With LSTM",
            "data": IMDB_WORDS10K,
            "aliases": ("bilstm.with_lstm",),
        },
    },
    "bigru.imdb_words10k": {
        "arguments": {"vocab_size": 10000, "embedding_dim": 16, "max_length": 120, "units": 32,
                      "dense_units": 6},
        "metadata": {
            "description": "IMDB words, Embedding(10000, 16) + Bidirectional(GRU(32)) + "
                           "Dense(6).",
            "reference": "T6",
            "slide": "IMDB with GRU",
            "data": IMDB_WORDS10K,
            "slide_summary": [
                ("Embedding", "(None, 120, 16)", 160000),
                ("Bidirectional", "(None, 64)", 9600),
                ("Dense", "(None, 6)", 390),
                ("Dense", "(None, 1)", 7),
            ],
            "slide_total": 169997,
        },
    },
}

"""Presets of the ``fasttext`` builder, as data (``PresetTable``)."""

from keras_seqzoo.models._data_settings import IMDB_WORDS10K, PresetTable

PRESETS: PresetTable = {
    "fasttext.imdb_words10k": {
        "arguments": {"vocab_size": 10000, "embedding_dim": 8, "max_length": 120,
                      "ngram_orders": (1, 2), "num_buckets": 11600, "dense_units": 6},
        "metadata": {
            "description": "IMDB words at the T5 BiLSTM's budget: unigrams + 11,600 hashed "
                           "bigram buckets, 8-dimensional vectors, averaged, Dense(6).",
            "data": IMDB_WORDS10K,
        },
    },
}

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
    "fasttext.keras_example": {
        "arguments": {"vocab_size": 20000, "embedding_dim": 50, "max_length": 400,
                      "ngram_orders": (1, 2), "num_buckets": 1_200_000, "dense_units": 0},
        "metadata": {
            "description": "Keras' imdb_fasttext example: vocabulary 20,000, length 400, "
                           "unigrams + 1.2 million hashed bigram buckets (the example keeps "
                           "about 1.2 million bigrams exactly), 50-dimensional vectors, "
                           "averaged, straight to the output; 0.9056 test accuracy after 5 "
                           "epochs there.",
            "reference": "Keras' examples/imdb_fasttext.py (Keras 2; after Joulin et al., "
                         "2017)",
            "data": {
                "encoding": "words",
                "vocab_size": 20000,
                "max_length": 400,
                # How the example trained it (and what it reports), for a runner to reproduce:
                "batch_size": 32,
                "epochs": 5,
                "optimizer": "adam",
                "learning_rate": 0.001,
                "validation": "the 25,000 test reviews",
                "published_test_accuracy": 0.9056,
                "source": "https://github.com/keras-team/keras/blob/2.3.1/examples/"
                          "imdb_fasttext.py",
            },
        },
    },
}

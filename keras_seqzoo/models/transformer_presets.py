"""Presets of the ``transformer_encoder`` builder, as data (``PresetTable``)."""

from keras_seqzoo.models._data_settings import IMDB_WORDS10K, PresetTable

PRESETS: PresetTable = {
    "transformer_encoder.imdb_words10k": {
        "arguments": {"vocab_size": 10000, "embedding_dim": 16, "max_length": 120,
                      "num_heads": 2, "ff_dim": 128, "num_blocks": 2, "block_dropout": 0.1,
                      "dense_units": 6, "head_activation": "leaky_relu"},
        "metadata": {
            "description": "IMDB words at the T5 BiLSTM's budget: embedding 16, 2 encoder "
                           "blocks (2 heads, feed-forward 128), average pooling, Dense(6, "
                           "leaky ReLU).",
            "data": IMDB_WORDS10K,
        },
    },
    "transformer_encoder.keras_io": {
        "arguments": {"vocab_size": 20000, "embedding_dim": 32, "max_length": 200,
                      "num_heads": 2, "key_dim": 32, "ff_dim": 32, "num_blocks": 1,
                      "block_dropout": 0.1, "pooling": "average", "dense_units": 20,
                      "dropout": 0.1},
        "metadata": {
            "description": "keras.io 'Text classification with Transformer': vocabulary "
                           "20,000, length 200, embedding 32, 2 heads (key_dim 32), "
                           "feed-forward 32, Dense(20); 0.8745 validation accuracy after 2 "
                           "epochs there.",
            "reference": "keras.io example 'Text classification with Transformer' "
                         "(Apoorv Nandan, 2020)",
            "data": {
                "encoding": "words",
                "vocab_size": 20000,
                "max_length": 200,
                # How keras.io trained it (and what it reports), for a runner to reproduce:
                "batch_size": 32,
                "epochs": 2,
                "optimizer": "adam",
                "learning_rate": 0.001,
                "validation": "the 25,000 test reviews",
                "published_val_accuracy": 0.8745,
                "source": "https://keras.io/examples/nlp/text_classification_with_transformer/",
            },
        },
    },
}

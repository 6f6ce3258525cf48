"""Register your own builder: typed arguments, a search space and a preset.

The registry reads the type hints: ``Annotated[int, Range(...)]`` and
``Literal[...]`` become the allowed values that ``describe()`` reports and that
``build()`` checks before Keras sees them.
"""

from __future__ import annotations

from typing import Annotated, Literal

import keras

import keras_seqzoo as zoo
from keras_seqzoo.space import Choice


def my_cnn(
    *,
    vocab_size: Annotated[int, zoo.Range(min_value=2)] = 10000,
    max_length: Annotated[int, zoo.Range(min_value=1)] = 120,
    filters: Annotated[int, zoo.Range(min_value=1)] = 64,
    pooling: Literal["max", "average"] = "max",
) -> keras.Model:
    """Embedding, a Conv1D and global pooling: a small convolutional classifier."""
    inputs = keras.Input((max_length,), dtype="int32", name="tokens")
    x = keras.layers.Embedding(vocab_size, 16)(inputs)
    x = keras.layers.Conv1D(filters, 5, activation="relu")(x)
    if pooling == "max":
        x = keras.layers.GlobalMaxPooling1D()(x)
    else:
        x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    # SeqzooModel (a functional keras.Model) keeps `seqzoo_config` in saved .keras files.
    return zoo.SeqzooModel(inputs, outputs, name="my_cnn")


def register() -> None:
    """Registers the builder and one preset (a plugin's entry point may call this)."""
    zoo.register(
        "my_cnn",
        tags=("convolutional", "example"),
        search_space={"filters": Choice([32, 64, 128]), "pooling": Choice(["max", "average"])},
        override=True,  # so that running the example twice in one process works
    )(my_cnn)
    zoo.register_preset(
        "my_cnn.short_reviews",
        {"vocab_size": 5000, "max_length": 64, "filters": 32},
        description="my_cnn for short reviews: 5,000 words, 64 tokens.",
        data={"encoding": "words", "vocab_size": 5000, "max_length": 64},
        override=True,
    )


def main() -> keras.Model:
    register()
    print(zoo.list_models("my_cnn*", presets=True))  # ['my_cnn', 'my_cnn.short_reviews']
    print(zoo.format_description("my_cnn"))  # arguments, defaults, allowed values

    model = zoo.build("my_cnn.short_reviews", pooling="average")  # a preset, one override
    print(model.seqzoo_config)

    try:
        zoo.build("my_cnn", pooling="min")
    except ValueError as error:  # checked before Keras sees it
        print(error)  # Builder 'my_cnn': argument 'pooling' must be one of 'max', 'average'. ...
    return model


if __name__ == "__main__":
    main()

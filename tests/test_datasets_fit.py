"""The data pipelines in ``model.fit`` under each Keras backend.

The rest of the data code is the same under every backend (tests/test_datasets.py runs
under one); this is where the backend meets it.
"""

from __future__ import annotations

import numpy as np
import pytest

from keras_seqzoo import datasets


@pytest.mark.parametrize("encoding", ["words", "subwords"])
def test_model_fit_accepts_the_pipelines(tarball, clean_env, encoding):  # noqa: F811
    import keras

    data = datasets.load_imdb(encoding, source=tarball, batch_size=8)
    inputs = keras.Input((data.max_length,), dtype="int32")
    x = keras.layers.Embedding(data.vocab_size, 4)(inputs)
    x = keras.layers.GlobalAveragePooling1D()(x)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(data.train, validation_data=data.validation, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])

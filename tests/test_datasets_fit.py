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


def test_three_splits_of_several_classes_fit_and_evaluate(tmp_path, clean_env):
    import keras

    rows = [(f"{cls} word{i % 7} {cls}", cls) for i in range(20) for cls in ("a", "b", "c")]
    data = datasets.from_texts([t for t, _ in rows], [c for _, c in rows], vocab_size=30,
                               max_length=6, batch_size=8, keep="last", use_cache=False)
    assert data.num_classes == 3 and data.test is not None
    inputs = keras.Input((data.max_length,), dtype="int32")
    x = keras.layers.Embedding(data.vocab_size, 8)(inputs)
    x = keras.layers.GlobalAveragePooling1D()(x)
    model = keras.Model(inputs, keras.layers.Dense(data.num_classes, activation="softmax")(x))
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(data.train, validation_data=data.validation, epochs=1, verbose=0,
              class_weight=data.class_weight("balanced"))
    loss, accuracy = model.evaluate(data.test, verbose=0)
    assert np.isfinite(loss) and 0 <= accuracy <= 1

"""Quick start: list, build a preset, compile, fit, save and load.

Runs in seconds on tiny random data; put real data in its place (for example
``keras_seqzoo.datasets.load_imdb()``) to train for real.
"""

from __future__ import annotations

import os
import tempfile

import keras
import numpy as np

import keras_seqzoo as zoo


def main(workdir: str | None = None) -> keras.Model:
    # 1. What is registered: builders, and presets named "arch.tag".
    print(zoo.list_models())
    print(zoo.list_models("*lstm*", presets=True))

    # 2. Build the slides' IMDB bidirectional LSTM (table T5), uncompiled.
    model = zoo.build("bilstm.imdb_words10k")
    model.summary()

    # 3. Compile as the slides do: adam, binary cross-entropy, accuracy.
    zoo.compile_model(model)

    # 4. Fit on tiny random data: 64 "reviews" of 120 token ids, labels 0/1.
    rng = np.random.default_rng(0)
    x = rng.integers(1, 10000, size=(64, 120)).astype("int32")
    y = rng.integers(0, 2, size=(64,)).astype("int32")
    model.fit(x, y, batch_size=32, epochs=1, validation_split=0.25, verbose=2)

    # 5. Save and load; the model remembers how it was built.
    workdir = workdir or tempfile.mkdtemp()
    path = os.path.join(workdir, "bilstm.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    print(restored.seqzoo_config["preset"], restored.count_params())
    np.testing.assert_allclose(model.predict(x[:4], verbose=0),
                               restored.predict(x[:4], verbose=0), rtol=1e-5, atol=1e-6)
    return restored


if __name__ == "__main__":
    main()

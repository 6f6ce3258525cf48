"""Helper for tests/test_callbacks_history.py: fits a tiny model with a
HistoryExporter and dies in the middle of an epoch.

Usage: python _kill_during_fit.py DIRECTORY EPOCH MODE

MODE ``kill``: ``SIGKILL`` to itself after the second batch of epoch ``EPOCH``
(nothing can run afterwards: no ``on_train_end``, no ``atexit``).
MODE ``raise``: an uncaught ``RuntimeError`` at the same point (the
exporter's ``atexit`` hook marks the run failed).
"""

from __future__ import annotations

import os
import signal
import sys

import keras
import numpy as np

from keras_seqzoo.callbacks import EpochTimer, HistoryExporter


class _Die(keras.callbacks.Callback):
    def __init__(self, epoch: int, mode: str):
        super().__init__()
        self.die_epoch = epoch
        self.mode = mode
        self.epoch = -1

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.epoch == self.die_epoch and batch == 1:
            if self.mode == "kill":
                os.kill(os.getpid(), signal.SIGKILL)
            raise RuntimeError("simulated failure in the middle of an epoch")


def main() -> None:
    directory, epoch, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8,), dtype="int32")
    x = keras.layers.Embedding(50, 4)(inputs)
    x = keras.layers.GlobalAveragePooling1D()(x)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 50, (32, 8))
    y_train = rng.integers(0, 2, (32,))
    model.fit(
        x_train,
        y_train,
        batch_size=8,
        epochs=epoch + 3,
        validation_split=0.25,
        verbose=0,
        callbacks=[EpochTimer(verbose=0), HistoryExporter(directory), _Die(epoch, mode)],
    )


if __name__ == "__main__":
    main()

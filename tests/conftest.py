"""Shared test set-up: a fresh Keras session and a fixed seed for every test."""

from __future__ import annotations

import collections
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tests.helpers import imdb_files, write_folder, write_tarball  # noqa: E402

IMDB_ENV = "KERAS_SEQZOO_IMDB"


#: Collected first, and so started first by pytest-xdist: test_datasets_real.py, whose cold
#: subword vocabulary build is about 300 s of one test. xdist's own order (files with
#: more tests first, which the hook below keeps for the rest) started it late and left
#: one worker alone with it: the TensorFlow run's wall time was 1.23 times half its
#: summed test time, 1.06 times with this file first (two cores, cold caches, 2026-12-03).
#: Ordering every file by duration gained nothing measurable in the PyTorch run (1.04
#: against 1.05) and started the multi-process files side by side. scripts/test.sh passes
#: --no-loadscope-reorder so that this order is the one xdist hands out.
FIRST_FILES = ("test_datasets_real.py",)


def pytest_collection_modifyitems(session, config, items):
    per_file = collections.Counter(item.path for item in items)
    items.sort(key=lambda item: (item.path.name not in FIRST_FILES, -per_file[item.path]))


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    # free_memory=False: Keras' default also runs a full gc.collect(), 0.3-0.6 s with
    # TensorFlow, JAX and PyTorch loaded; twice per test it cost minutes per backend.
    # Python's own collector still frees what the tests leave behind.
    keras.backend.clear_session(free_memory=False)
    keras.utils.set_random_seed(1234)
    yield
    keras.backend.clear_session(free_memory=False)


@pytest.fixture
def imdb_path():
    """The real IMDB archive (KERAS_SEQZOO_IMDB), or a skip that says how to provide it."""
    path = os.environ.get(IMDB_ENV)
    if not path or not os.path.exists(path):
        pytest.skip(
            f"{IMDB_ENV} is not set to the IMDB archive (aclImdb tar.gz or folder); "
            ".ci/run sets it to ../shared/data/aclImdb_labeled.tar.gz"
        )
    return path


# -- callbacks tests (EpochTimer, HistoryExporter): shared helpers -------------------
# Owned by the callbacks tests (tests/test_callbacks_*.py); keep other fixtures apart.


class SetLogs(keras.callbacks.Callback):
    """Adds ``values[epoch]`` to the epoch logs (put it before the callbacks that read them)."""

    def __init__(self, values):
        super().__init__()
        self.values = values

    def on_epoch_end(self, epoch, logs=None):
        logs.update(self.values.get(epoch, {}))


class CaptureLogs(keras.callbacks.Callback):
    """Records a copy of the epoch logs it sees (put it after the callbacks that write them)."""

    def __init__(self):
        super().__init__()
        self.logs = []

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append(dict(logs))


class RaiseAt(keras.callbacks.Callback):
    """Raises ``error`` at the start of epoch ``epoch`` (or after batch ``batch`` of it)."""

    def __init__(self, epoch, error=None, batch=None):
        super().__init__()
        self.epoch, self.batch = epoch, batch
        self.error = error if error is not None else RuntimeError("boom")
        self._current = None

    def on_epoch_begin(self, epoch, logs=None):
        self._current = epoch
        if epoch == self.epoch and self.batch is None:
            raise self.error

    def on_train_batch_end(self, batch, logs=None):
        if self._current == self.epoch and batch == self.batch:
            raise self.error


def _tiny_callbacks_model(steps_per_execution: int = 1, length: int | None = 8,
                          registered: bool = False):
    if registered:
        import keras_seqzoo as zoo

        model = zoo.build(
            "embedding_pooling", vocab_size=50, max_length=length, embedding_dim=4,
            dense_units=2,
        )
        zoo.compile_model(model, steps_per_execution=steps_per_execution)
        return model
    inputs = keras.Input((length,), dtype="int32")
    x = keras.layers.Embedding(50, 4)(inputs)
    x = keras.layers.GlobalAveragePooling1D()(x)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"],
                  steps_per_execution=steps_per_execution)
    return model


def _tiny_callbacks_data(n: int = 32):
    rng = np.random.default_rng(0)
    return rng.integers(0, 50, (n, 8)), rng.integers(0, 2, (n,)).astype("float32")


def _tiny_callbacks_fit(model, callbacks, **kwargs):
    x, y = _tiny_callbacks_data()
    kwargs.setdefault("epochs", 2)
    kwargs.setdefault("batch_size", 8)
    kwargs.setdefault("verbose", 0)
    return model.fit(x, y, callbacks=callbacks, **kwargs)


@pytest.fixture
def tiny_model():
    """Factory: a compiled Embedding(50, 4) -> pooling -> Dense(1) model on (batch, 8) ids.

    ``tiny_model(steps_per_execution=1, length=8, registered=False)``; ``registered=True``
    builds the registry's ``embedding_pooling`` (so run.json has a builder and arguments).
    """
    return _tiny_callbacks_model


@pytest.fixture
def tiny_data():
    """Factory: ``tiny_data(n=32)`` -> (ids (n, 8), 0/1 labels (n,))."""
    return _tiny_callbacks_data


@pytest.fixture
def fit_tiny():
    """``fit_tiny(model, callbacks, **fit_kwargs)``: fits on tiny_data(); epochs=2,
    batch_size=8, verbose=0 unless given. Returns the History."""
    return _tiny_callbacks_fit


@pytest.fixture
def set_logs():
    """The class ``SetLogs(values)``: adds ``values[epoch]`` to the epoch logs."""
    return SetLogs


@pytest.fixture
def capture_logs():
    """The class ``CaptureLogs()``: keeps a copy of every epoch's logs in ``.logs``."""
    return CaptureLogs


@pytest.fixture
def raise_at():
    """The class ``RaiseAt(epoch, error=RuntimeError("boom"), batch=None)``."""
    return RaiseAt


# -- end of the callbacks tests' block ------------------------------------------------


# -- data fixtures (tests/test_datasets*.py, comparison and tuning tests) --------------


@pytest.fixture()
def clean_env(monkeypatch, tmp_path):
    """No env var, an empty Keras home, no tfds copy, no downloads, a private cache."""
    from keras_seqzoo import datasets
    from keras_seqzoo.datasets import imdb as imdb_module

    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("KERAS_HOME", str(home / ".keras"))
    monkeypatch.delenv(datasets.IMDB_ENV, raising=False)
    monkeypatch.setenv(datasets.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(imdb_module, "_tfds_prepared", lambda: False)

    def no_network(*args, **kwargs):
        raise OSError("offline (test)")

    monkeypatch.setattr(imdb_module, "_keras_download", no_network)
    monkeypatch.setattr(imdb_module, "_tfds_download", no_network)
    # The host counts as reachable, so the downloads are tried (and fail as above).
    monkeypatch.setattr(imdb_module, "_unreachable", lambda url, timeout=None: None)
    return home


@pytest.fixture()
def folder(tmp_path):
    return write_folder(tmp_path / "data", imdb_files())


@pytest.fixture()
def tarball(tmp_path):
    return write_tarball(tmp_path / "aclImdb_v1.tar.gz", imdb_files())

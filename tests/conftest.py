"""Shared test set-up: a fresh Keras session and a fixed seed for every test."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

IMDB_ENV = "KERAS_SEQZOO_IMDB"


@pytest.fixture(autouse=True)
def _fresh_keras_state():
    keras.backend.clear_session()
    keras.utils.set_random_seed(1234)
    yield
    keras.backend.clear_session()


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


def tiny_tokens(model_or_length, n: int = 16, vocab_size: int = 50, seed: int = 0):
    """Random token ids and 0/1 labels shaped for a model (variable length -> 12)."""
    length = model_or_length
    if not isinstance(model_or_length, int) and model_or_length is not None:
        length = model_or_length.inputs[0].shape[1]
    length = length or 12
    rng = np.random.default_rng(seed)
    x = rng.integers(1, vocab_size, size=(n, length)).astype("int32")
    y = rng.integers(0, 2, size=(n, 1)).astype("float32")
    return x, y

"""Integration tests on the real IMDB archive (``KERAS_SEQZOO_IMDB``).

``.ci/run`` sets ``KERAS_SEQZOO_IMDB=../shared/data/aclImdb_labeled.tar.gz``;
without it these tests skip. The subword build (minutes) happens at most once
per test session, in a session-scoped cache under pytest's temporary folder;
set ``KERAS_SEQZOO_TEST_CACHE`` to a folder to keep that cache between sessions
(a CI cache), which makes the whole module take seconds.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from keras_seqzoo import datasets

IMDB = os.environ.get(datasets.IMDB_ENV)

pytestmark = [
    pytest.mark.real_data,
    pytest.mark.slow,
    pytest.mark.skipif(
        not IMDB,
        reason=f"needs the real IMDB data: set {datasets.IMDB_ENV} to an aclImdb folder or "
        "archive (.ci/run sets it to ../shared/data/aclImdb_labeled.tar.gz)",
    ),
]


@pytest.fixture(scope="session")
def real_cache(tmp_path_factory):
    kept = os.environ.get("KERAS_SEQZOO_TEST_CACHE")
    return kept if kept else tmp_path_factory.mktemp("seqzoo_cache")


def _timed_load(encoding, cache_dir, **kwargs):
    start = time.perf_counter()
    data = datasets.load_imdb(encoding, cache_dir=cache_dir, **kwargs)  # source: $KERAS_SEQZOO_IMDB
    elapsed = time.perf_counter() - start
    print(f"\nload_imdb({encoding!r}, {kwargs}) took {elapsed:.1f} s: {data.info['timings']}")
    return data, elapsed


@pytest.fixture(scope="session")
def words(real_cache):
    return _timed_load("words", real_cache, protocol="slides")


@pytest.fixture(scope="session")
def subwords(real_cache):
    return _timed_load("subwords", real_cache, protocol="slides")


def test_source_is_the_environment_variable(words):
    data, _ = words
    assert data.info["source"]["origin"] == "environment"


def test_words_match_the_slides(words):
    data, _ = words
    assert (data.num_train, data.num_validation) == (25000, 25000)
    assert data.vocab_size == 10000
    assert data.info["label_counts"] == {"train": [12500, 12500], "validation": [12500, 12500]}
    x, y = next(iter(data.validation))
    assert tuple(x.shape) == (32, 120)
    (x_train, y_train), (x_val, y_val) = data.numpy()
    assert x_train.shape == x_val.shape == (25000, 120)
    assert x_train.max() < 10000 and (x_train == 1).any()  # OOV words map to [UNK]


def test_words_second_load_hits_the_cache(words, real_cache):
    first, first_time = words
    second, second_time = _timed_load("words", real_cache, protocol="slides")
    assert second.info["cache"]["hit"]
    assert second.info["cache"]["key"] == first.info["cache"]["key"]
    np.testing.assert_array_equal(second.numpy()[1][0][:100], first.numpy()[1][0][:100])
    assert second_time < 10


def test_subwords_match_the_slides(subwords):
    data, _ = subwords
    assert data.vocab_size == 8185 == data.encoder.tokenizer.vocab_size
    assert (data.num_train, data.num_validation) == (25000, 25000)
    assert data.max_length is None
    lengths = data.lengths("train")
    widths = [x.shape[1] for x, _ in data.validation.take(50)]
    assert max(widths) < lengths.max()  # bucketed: batches are not padded to the longest review
    text = "This movie was surprisingly good!"
    assert data.encoder.decode(data.encoder.tokenizer.encode(text)) == text


def test_subwords_second_load_hits_the_cache(subwords, real_cache):
    first, first_time = subwords
    second, second_time = _timed_load("subwords", real_cache, protocol="slides")
    assert second.info["cache"]["hit"] and second.vocab_size == 8185
    assert second_time < 30  # the build alone takes minutes
    truncated, _ = _timed_load("subwords", real_cache, max_length=256, protocol="slides")
    assert truncated.info["cache"]["hit"]
    assert max(x.shape[1] for x, _ in truncated.train.take(200)) <= 256


def test_balanced_limit_on_real_data(real_cache):
    data, _ = _timed_load("words", real_cache, limit=2000, split_seed=7, protocol="slides")
    assert (data.num_train, data.num_validation) == (2000, 2000)
    assert np.bincount(data.labels("train")).tolist() == [1000, 1000]


def test_sound_protocol_on_real_imdb(real_cache):
    data, _ = _timed_load("words", real_cache)
    assert (data.num_train, data.num_validation, data.num_test) == (22500, 2500, 25000)
    assert data.info["label_counts"] == {
        "train": [11250, 11250], "validation": [1250, 1250], "test": [12500, 12500]}
    assert data.info["splits"]["validation"]["source"] == "10 % of train, stratified, seed 0"
    assert data.info["splits"]["test"]["source"] == "IMDB's test split"
    assert data.positive_class == "pos"

"""keras_seqzoo.serving: the plain-Python tokenizers equal the training encoders, and
the ONNX path runs without TensorFlow, JAX, PyTorch or Keras.

The real-data tests (marked ``real_data``) use IMDB (KERAS_SEQZOO_IMDB): the word
vocabulary of the full training set and 1,000 test reviews (the longest, those with
non-ASCII characters, others at random) plus empty and odd texts (tests/test_export.py
exports a model trained on real reviews and compares its probabilities on them).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from keras_seqzoo.serving import (SubwordTokenizer, WordTokenizer, check_texts, pad_ids,
                                  probabilities_from_outputs)
from tests.helpers import imdb_test_sample

ROOT = Path(__file__).resolve().parent.parent
ODD_TEXTS = [
    "",
    " \t\n ",
    "A GOOD film, truly!!! Bad? no.",
    "Ünïcödé façade — naïve 日本語 😀 ÉCOLE İstanbul ΣΟΦΙΑ",
    "tabs\tand\nnew\x0blines\x0cand\rreturns\u00a0nbsp\u3000ideographic\x1cfs\x85nel",
    "under_score double__under \\&undsc back\\slash [UNK] <br /><br />",
    "it's 10/10 -- the 'best' (really) film_ever.",
    "word " * 600,
]


def _env():
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


def test_serving_imports_no_framework():
    code = ("import sys, keras_seqzoo.serving\n"
            "heavy = [m for m in ('tensorflow', 'jax', 'torch', 'keras') if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=_env(), timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_word_tokenizer_matches_text_vectorization():
    from keras_seqzoo.datasets import WordEncoder

    corpus = ODD_TEXTS[2:] + ["the film was good", "école naïve façade ÉCOLE", "film_ever its"]
    for standardize in ("lower_and_strip_punctuation", "lower", "strip_punctuation", None):
        encoder = WordEncoder(vocab_size=60, standardize=standardize).fit(corpus)
        tokenizer = WordTokenizer(encoder.vocabulary, standardize=standardize)
        expected = [e.tolist() for e in encoder.encode(ODD_TEXTS)]
        assert [tokenizer.encode(t) for t in ODD_TEXTS] == expected, standardize
    assert 1 in tokenizer.encode("zzzunknownzzz")  # [UNK] for unknown words


def test_subword_tokenizer_matches_tfds(tmp_path):
    from keras_seqzoo.datasets import SubwordEncoder

    corpus = [t for t in ODD_TEXTS if t.strip()] * 3 + ["the film was good; the plot wasn't"]
    encoder = SubwordEncoder(target_vocab_size=300).fit(corpus, progress=False)
    encoder.save(tmp_path)
    tokenizer = SubwordTokenizer.from_file(tmp_path / "subwords.subwords")
    assert tokenizer.subwords == encoder.tokenizer.subwords
    texts = ODD_TEXTS + ["unseen wörds ☃ and_under_scores", "x" * 50]
    assert [tokenizer.encode(t) for t in texts] == [e.tolist() for e in encoder.encode(texts)]


def test_padding_and_truncation():
    ids = [[5, 6, 7], [], [9]]
    np.testing.assert_array_equal(pad_ids(ids, 2), [[5, 6], [0, 0], [9, 0]])
    np.testing.assert_array_equal(pad_ids(ids, 2, "last"), [[6, 7], [0, 0], [9, 0]])
    np.testing.assert_array_equal(pad_ids(ids, None), [[5, 6, 7], [0, 0, 0], [9, 0, 0]])
    assert pad_ids([[]], None).shape == (1, 1)
    with pytest.raises(ValueError, match="keep must be 'first' or 'last'"):
        pad_ids(ids, 2, "middle")


def test_probabilities_and_checks():
    np.testing.assert_allclose(probabilities_from_outputs(np.array([[0.25]])), [[0.75, 0.25]])
    assert probabilities_from_outputs(np.full((2, 8), 0.125)).shape == (2, 8)
    assert check_texts(np.array(["a", "b"])) == ["a", "b"]
    with pytest.raises(TypeError, match=r"texts\[0\] is bytes"):
        check_texts([b"bytes"])
    with pytest.raises(TypeError, match="must be a list of strings"):
        check_texts(3)


# -- real IMDB -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def imdb_texts():
    path = os.environ.get("KERAS_SEQZOO_IMDB")
    if not path or not os.path.exists(path):
        pytest.skip("KERAS_SEQZOO_IMDB is not set to the IMDB archive (aclImdb tar.gz or "
                    "folder); .ci/run sets it to ../shared/data/aclImdb_labeled.tar.gz")
    from keras_seqzoo.datasets import read_imdb

    raw = read_imdb(path, download=False)
    texts = imdb_test_sample(raw.test_texts, ODD_TEXTS)
    assert len(texts) == 1000 and sum(not t.isascii() for t in texts) >= 300
    return raw, texts


@pytest.mark.real_data
@pytest.mark.slow
def test_word_tokenizer_on_real_imdb(imdb_texts):
    from keras_seqzoo.datasets import WordEncoder

    raw, texts = imdb_texts
    encoder = WordEncoder(vocab_size=10000).fit(raw.train_texts)
    tokenizer = WordTokenizer(encoder.vocabulary)
    expected = encoder.encode(texts, progress=False)
    assert [tokenizer.encode(t) for t in texts] == [e.tolist() for e in expected]
    # The training pipeline's truncation: TextVectorization(output_sequence_length=120).
    layer_ids = np.asarray(encoder.layer(max_length=120)(texts))
    np.testing.assert_array_equal(pad_ids([tokenizer.encode(t) for t in texts], 120), layer_ids)


@pytest.mark.real_data
@pytest.mark.slow
def test_subword_tokenizer_on_real_imdb(imdb_texts, tmp_path):
    from keras_seqzoo.datasets import SubwordEncoder

    raw, texts = imdb_texts
    # A small vocabulary from 500 reviews (a few seconds to build, against a minute for 1,500
    # and 2**11): more words split into pieces, so more of the tokenizer is exercised.
    encoder = SubwordEncoder(target_vocab_size=2**10).fit(raw.train_texts[:500], progress=False)
    encoder.save(tmp_path)
    tokenizer = SubwordTokenizer.from_file(tmp_path / "subwords.subwords")
    expected = encoder.encode(texts, progress=False)
    assert [tokenizer.encode(t) for t in texts] == [e.tolist() for e in expected]

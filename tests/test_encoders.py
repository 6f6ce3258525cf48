"""Tests of the word and subword encoders."""

from __future__ import annotations

import numpy as np
import pytest

from keras_seqzoo.datasets import SubwordEncoder, WordEncoder, make_encoder
from keras_seqzoo.datasets.data import bucket_boundaries

# The encoders are the same under every Keras backend (scripts/test.sh runs them under one).
pytestmark = pytest.mark.one_backend

TEXTS = [
    "A good film, a great plot!",
    "A bad film. The plot was dull.",
    "The actors were good; the film was long.",
    "Wonderful acting<br /><br />and a wonderful story.",
]


def test_word_encoder_vocabulary_and_ids():
    encoder = WordEncoder(vocab_size=12).fit(TEXTS)
    vocabulary = encoder.vocabulary
    assert vocabulary[:2] == ["", "[UNK]"] and encoder.vocab_size == 12 == len(vocabulary)
    ids = encoder.encode(["a good film", "zzz unknown"])
    assert [i.dtype for i in ids] == [np.int32, np.int32]
    assert ids[1].tolist() == [1, 1]  # out of vocabulary
    assert encoder.decode(ids[0]) == "a good film"
    assert encoder.encode([""])[0].size == 0


def test_word_encoder_layer_truncates_and_pads_after_the_text():
    encoder = WordEncoder(vocab_size=50).fit(TEXTS)
    layer = encoder.layer(max_length=4)
    out = np.asarray(layer(["a good film a great plot", "good"]))
    full = encoder.encode(["a good film a great plot"])[0]
    np.testing.assert_array_equal(out[0], full[:4])
    assert out[1].tolist()[1:] == [0, 0, 0]


def test_word_encoder_save_load(tmp_path):
    encoder = WordEncoder(vocab_size=30, standardize="lower").fit(TEXTS)
    encoder.save(tmp_path)
    loaded = WordEncoder(vocab_size=30, standardize="lower").load(tmp_path)
    assert loaded.vocabulary == encoder.vocabulary
    for a, b in zip(loaded.encode(TEXTS), encoder.encode(TEXTS)):
        np.testing.assert_array_equal(a, b)


def test_word_encoder_config_names_the_settings():
    def my_standardize(x):
        return x

    config = WordEncoder(100, standardize=my_standardize).config()
    assert config["vocab_size"] == 100 and config["standardize"].endswith("my_standardize")
    assert config["oov_token"] == "[UNK]"


def test_unfitted_encoders_say_what_to_do():
    with pytest.raises(ValueError, match="fit"):
        WordEncoder().vocab_size
    with pytest.raises(ValueError, match="fit"):
        SubwordEncoder().tokenizer
    with pytest.raises(ValueError, match="training texts"):
        WordEncoder().fit([])


def test_subword_encoder_roundtrip(tmp_path):
    encoder = SubwordEncoder().fit(TEXTS)
    assert encoder.vocab_size == encoder.tokenizer.vocab_size
    ids = encoder.encode(TEXTS)
    assert min(int(i.min()) for i in ids) >= 1  # 0 is padding
    assert encoder.decode(np.concatenate([ids[0], [0, 0]])) == TEXTS[0]
    encoder.save(tmp_path)
    assert (tmp_path / "subwords.subwords").is_file()
    loaded = SubwordEncoder().load(tmp_path)
    assert loaded.vocab_size == encoder.vocab_size
    np.testing.assert_array_equal(loaded.encode(TEXTS)[3], ids[3])


def test_make_encoder():
    assert make_encoder("words").target_vocab_size == 10000
    assert make_encoder("subwords").target_vocab_size == 2**13
    assert make_encoder("words", 500, standardize="lower").standardize == "lower"
    with pytest.raises(ValueError, match="'words', 'subwords'"):
        make_encoder("chars")
    with pytest.raises(ValueError, match="258"):
        SubwordEncoder(100)
    with pytest.raises(ValueError, match="vocab_size"):
        WordEncoder(2)


def test_bucket_boundaries():
    bounds = bucket_boundaries(3000)
    widths = [b - 1 for b in bounds]
    assert widths[0] == 16 and widths[-1] == 3000 and widths == sorted(set(widths))
    assert all(w % 8 == 0 for w in widths[:-1]) and len(bounds) < 30
    assert all(b / a <= 1.5 for a, b in zip(widths[3:], widths[4:]))
    assert bucket_boundaries(10) == [11]

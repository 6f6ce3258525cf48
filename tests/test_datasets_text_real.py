"""Other people's data sets as users hold them (``../shared/data/text``, issue 26).

20 Newsgroups as a folder per class in a ``.tar.gz`` with split folders, the SMS Spam
Collection as a headerless TSV, Reuters R8 as two CSVs. ``KERAS_SEQZOO_TEXT_DATA`` names
the folder (default: ``../shared/data/text`` beside the checkout); without the files these
tests skip with the reason.
"""

from __future__ import annotations

import os
import string
from pathlib import Path

import numpy as np
import pytest

from keras_seqzoo import datasets

TEXT_ENV = "KERAS_SEQZOO_TEXT_DATA"
ROOT = Path(os.environ.get(TEXT_ENV) or Path(__file__).resolve().parents[2] / "shared" / "data" / "text")

pytestmark = [pytest.mark.real_data, pytest.mark.slow, pytest.mark.one_backend]


def _need(*names: str) -> list[Path]:
    paths = [ROOT / name for name in names]
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}: set {TEXT_ENV} to the folder holding "
                    "the shared text data sets (../shared/data/text)")
    return paths


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("text_cache")


def test_reuters_r8_csv(cache):
    train, test = _need("reuters-r8-train.csv", "reuters-r8-test.csv")
    data = datasets.load_data(train, test=test, cache_dir=cache)
    assert data.class_names == ("acq", "crude", "earn", "grain", "interest", "money-fx", "ship", "trade")
    assert data.num_test == 2189 and data.num_train + data.num_validation == 5485
    assert data.info["label_counts"]["test"] == [696, 121, 1083, 10, 81, 87, 36, 75]
    # every class appears in validation: 10 % of each, at least one (grain: 41 -> 4)
    assert data.info["label_counts"]["validation"] == [160, 25, 284, 4, 19, 21, 11, 25]
    assert data.info["splits"]["test"]["source"] == "reuters-r8-test.csv"
    weights = data.class_weight("balanced")
    assert weights[3] > 10 * weights[2]  # grain is rare, earn common


def test_sms_spam_headerless_tsv(cache):
    (sms,) = _need("SMSSpamCollection")
    data = datasets.load_data(sms, columns=("label", "text"), cache_dir=cache)
    assert data.class_names == ("ham", "spam") and data.positive_class == "spam"
    assert data.num_train + data.num_validation + data.num_test == 5574
    counts = np.asarray(data.info["label_counts"]["train"]) + data.info["label_counts"]["validation"]
    assert (counts + data.info["label_counts"]["test"]).tolist() == [4827, 747]
    assert data.info["label_counts"]["test"] == [483, 75]  # stratified 10 %
    assert data.info["splits"]["test"]["source"] == "10 % of train, stratified, seed 0"


def test_c6_sms_spam_validation_holds_the_messages_that_tokenize_to_nothing(cache, monkeypatch):
    """The C6 page says why four SMS spam curves have no validation loss: the validation
    split holds the two messages that are only emoticons (':)' and ':-) :-)'), which
    tokenize to padding alone; the training and test splits hold none."""
    from keras_seqzoo.comparison.c6 import TASKS

    _need("SMSSpamCollection")
    monkeypatch.setenv(TEXT_ENV, str(ROOT))
    monkeypatch.setenv(datasets.CACHE_ENV, str(cache))
    data = TASKS["sms_spam"].load()
    empty = {split: sum(len(s) == 0 for s in data.sequences(split))
             for split in ("train", "validation", "test")}
    assert empty == {"train": 0, "validation": 2, "test": 0}
    # The page names them: the raw messages that the default standardization (lower case,
    # strip punctuation) leaves without a word.
    lines = (ROOT / "SMSSpamCollection").read_text(encoding="utf-8", errors="replace").splitlines()
    messages = [line.split("\t", 1)[1] for line in lines if "\t" in line]
    no_punctuation = str.maketrans("", "", string.punctuation)
    wordless = [m.strip() for m in messages if not m.translate(no_punctuation).split()]
    assert sorted(wordless) == [":)", ":-) :-)"]


def test_20_newsgroups_folder_archive(cache):
    (news,) = _need("20news-bydate.tar.gz")
    data = datasets.load_data(news, file_encoding="latin-1", cache_dir=cache)
    assert data.num_classes == 20 and "sci.space" in data.class_names
    assert data.num_test == 7532 and data.num_train + data.num_validation == 11314
    assert data.info["splits"]["test"]["source"] == "20news-bydate.tar.gz: 20news-bydate-test"
    assert data.info["splits"]["validation"]["source"] == "10 % of train, stratified, seed 0"
    assert min(data.info["label_counts"]["validation"]) >= 30

"""Loader tests on a tiny aclImdb-shaped folder and tarballs the tests write themselves."""

from __future__ import annotations

import io
import json
import os
import random
import tarfile
from pathlib import Path

import numpy as np
import pytest

from keras_seqzoo import datasets
from keras_seqzoo.datasets import imdb as imdb_module
from tests.helpers import PER_CLASS, imdb_files, review, write_folder, write_tarball

# The data code is the same under every Keras backend (scripts/test.sh runs it under one);
# tests/test_datasets_fit.py feeds the pipelines to model.fit under each backend.
pytestmark = pytest.mark.one_backend

# -- sources -------------------------------------------------------------------------------


def test_folder_and_tarball_read_the_same(folder, tarball, clean_env):
    from_folder = datasets.read_imdb(folder)
    from_tar = datasets.read_imdb(tarball)
    assert len(from_folder.train_texts) == len(from_folder.test_texts) == 2 * PER_CLASS
    assert from_folder.validation_texts is None  # the protocol makes the validation split
    assert from_folder.train_texts == from_tar.train_texts
    assert from_folder.test_texts == from_tar.test_texts
    np.testing.assert_array_equal(from_folder.train_labels, from_tar.train_labels)
    assert np.bincount(from_tar.train_labels).tolist() == [PER_CLASS, PER_CLASS]
    assert from_tar.class_names == ("neg", "pos")
    assert not any("unlabelled" in t for t in from_tar.train_texts)  # train/unsup ignored


def test_parent_folder_of_aclimdb_is_accepted(folder, clean_env):
    assert datasets.find_imdb(folder.parent).location == str(folder.resolve())


def test_source_order(folder, tarball, clean_env, monkeypatch):
    keras_datasets = clean_env / ".keras" / "datasets"
    keras_datasets.mkdir(parents=True)
    write_tarball(keras_datasets / "aclImdb_v1.tar.gz", imdb_files())
    assert datasets.find_imdb().origin == "keras_cache"
    monkeypatch.setenv(datasets.IMDB_ENV, str(tarball))
    found = datasets.find_imdb()
    assert (found.origin, found.kind, found.location) == ("environment", "archive", str(tarball))
    found = datasets.find_imdb(folder)
    assert (found.origin, found.kind) == ("argument", "folder")


def test_keras_cache_extracted_folder(clean_env):
    write_folder(clean_env / ".keras" / "datasets", imdb_files())
    found = datasets.find_imdb()
    assert (found.origin, found.kind) == ("keras_cache", "folder")


def test_tfds_is_used_when_prepared(clean_env, monkeypatch):
    monkeypatch.setattr(imdb_module, "_tfds_prepared", lambda: True)
    found = datasets.find_imdb()
    assert (found.kind, found.origin) == ("tfds", "tfds_local")
    assert datasets.find_imdb("tfds").kind == "tfds"


def test_offline_without_any_copy_names_every_option(clean_env):
    with pytest.raises(datasets.ImdbNotFoundError) as excinfo:
        datasets.load_imdb(download=False)
    message = str(excinfo.value)
    assert "source=" in message
    assert datasets.IMDB_ENV in message
    assert "aclImdb_v1.tar.gz" in message and str(clean_env / ".keras" / "datasets") in message
    assert "imdb_reviews" in message


def test_offline_download_failures_are_reported(clean_env):
    with pytest.raises(datasets.ImdbNotFoundError) as excinfo:
        datasets.find_imdb(download=True)
    message = str(excinfo.value)
    assert "keras.utils.get_file" in message and "tfds.load" in message
    assert "offline (test)" in message


def test_download_goes_to_keras_cache(clean_env, monkeypatch, tmp_path):
    archive = write_tarball(tmp_path / "downloaded.tar.gz", imdb_files())
    monkeypatch.setattr(imdb_module, "_keras_download", lambda: str(archive))
    found = datasets.find_imdb(download=True)
    assert (found.origin, found.location) == ("keras_download", str(archive))


def test_missing_path_is_a_clear_error(clean_env, tmp_path):
    with pytest.raises(datasets.DatasetError, match="does not exist"):
        datasets.find_imdb(tmp_path / "nowhere.tar.gz")


# -- bad data ------------------------------------------------------------------------------


def test_truncated_archive(tarball, clean_env, tmp_path):
    data = tarball.read_bytes()
    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(datasets.DatasetError, match="corrupt or truncated"):
        datasets.load_imdb(source=truncated)


def test_corrupt_archive(clean_env, tmp_path):
    corrupt = tmp_path / "corrupt.tar.gz"
    corrupt.write_bytes(b"\x1f\x8b\x08\x00" + os.urandom(2000))
    with pytest.raises(datasets.DatasetError, match="corrupt or truncated"):
        datasets.read_imdb(corrupt)
    not_a_tar = tmp_path / "notes.txt"
    not_a_tar.write_text("hello")
    with pytest.raises(datasets.DatasetError, match="corrupt or truncated"):
        datasets.read_imdb(not_a_tar)


def test_folder_without_train_pos(clean_env, tmp_path):
    files = {k: v for k, v in imdb_files().items() if "/train/pos/" not in k}
    root = write_folder(tmp_path / "data", files)
    with pytest.raises(datasets.DatasetError, match="train/pos"):
        datasets.read_imdb(root)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(datasets.DatasetError, match="train/pos"):
        datasets.read_imdb(empty)


def test_empty_split(clean_env, tmp_path):
    root = write_folder(tmp_path / "data", imdb_files())
    for file in (root / "test" / "neg").iterdir():
        file.unlink()
    with pytest.raises(datasets.DatasetError, match="test/neg"):
        datasets.read_imdb(root)


def test_archive_missing_a_split(clean_env, tmp_path):
    archive = write_tarball(tmp_path / "train_only.tar.gz", imdb_files(splits=("train",)))
    with pytest.raises(datasets.DatasetError, match="test/neg"):
        datasets.read_imdb(archive)
    other = write_tarball(tmp_path / "other.tar.gz", {"x/readme.txt": "hi"})
    with pytest.raises(datasets.DatasetError, match="no IMDB reviews"):
        datasets.read_imdb(other)


# -- encodings, pipelines, arrays ----------------------------------------------------------


def test_words_pipeline(tarball, clean_env):
    data = datasets.load_imdb("words", source=tarball, vocab_size=40, max_length=12, batch_size=8,
                              protocol="slides")
    assert data.encoding == "words" and data.max_length == 12 and data.batch_size == 8
    assert data.num_train == data.num_validation == 2 * PER_CLASS
    assert data.test is None and data.num_test == 0 and data.info["protocol"] == "slides"
    assert data.info["splits"]["validation"] == {
        "source": "IMDB's test split, as validation (protocol 'slides': no test split)",
        "size": 2 * PER_CLASS}
    assert data.vocab_size <= 40 and data.encoder.vocabulary[:2] == ["", "[UNK]"]
    x, y = next(iter(data.train))
    assert tuple(x.shape) == (8, 12) and x.dtype.name == "int32" and y.dtype.name == "int32"
    (x_train, y_train), (x_val, y_val) = data.numpy()
    assert x_train.shape == (20, 12) and x_val.shape == (20, 12)
    assert sorted(y_val.tolist()) == [0] * PER_CLASS + [1] * PER_CLASS
    # numpy() equals the slides' TextVectorization(max_tokens, output_sequence_length=12)
    raw = datasets.read_imdb(tarball)
    expected = np.asarray(data.encoder.layer(max_length=12)(raw.train_texts))
    np.testing.assert_array_equal(x_train, expected)
    # the validation pipeline is not shuffled and holds every example once
    labels = np.concatenate([y.numpy() for _, y in data.validation])
    np.testing.assert_array_equal(labels, y_val)
    json.dumps(data.info)  # JSON-ready


def test_with_seed_gives_a_fresh_pipeline_shuffled_by_the_seed(tarball, clean_env):
    data = datasets.load_imdb("words", source=tarball, vocab_size=40, max_length=12,
                              batch_size=20, seed=0)

    def first_epoch(d):
        return np.concatenate([x.numpy() for x, _ in d.train])

    used = first_epoch(data)  # this object's pipeline is now one epoch in
    again = data.with_seed(0)
    other = data.with_seed(1)
    assert again is not data and again.seed == 0 and other.seed == 1 and data.seed == 0
    assert again.encoder is data.encoder
    np.testing.assert_array_equal(first_epoch(again), used)  # not the second reshuffle
    other_epoch = first_epoch(other)
    assert not np.array_equal(other_epoch, used)
    fresh = datasets.load_imdb("words", source=tarball, vocab_size=40, max_length=12,
                               batch_size=20, seed=1)
    np.testing.assert_array_equal(first_epoch(fresh), other_epoch)
    # a second epoch of the same object is the next reshuffle, not the first again
    assert not np.array_equal(first_epoch(other), other_epoch)


def test_default_settings_match_the_slides(tarball, clean_env):
    data = datasets.load_imdb(source=tarball)
    assert data.max_length == 120 and data.info["encoder"]["vocab_size"] == 10000
    assert data.numpy()[0][0].shape == (2 * PER_CLASS - 2, 120)  # 10 % validates
    sub = datasets.load_imdb("subwords", source=tarball)
    assert sub.max_length is None and sub.info["encoder"]["target_vocab_size"] == 2**13


def test_subword_pipeline_is_bucketed(tarball, clean_env):
    data = datasets.load_imdb("subwords", source=tarball, batch_size=4)
    assert data.vocab_size == data.encoder.tokenizer.vocab_size
    lengths = data.lengths("train")
    bounds = datasets.bucket_boundaries(int(lengths.max()))
    seen = 0
    widths = set()
    for x, y in data.train:
        x = x.numpy()
        widths.add(x.shape[1])
        assert x.shape[1] in [b - 1 for b in bounds]  # padded to a bucket bound only
        assert (x >= 0).all() and (x < data.vocab_size).all()
        seen += len(y)
    assert seen == data.num_train
    assert data.train.cardinality().numpy() == sum(1 for _ in data.train)
    assert len(widths) > 1  # not every batch padded to the longest review
    # every sequence is recovered exactly (ids start at 1; 0 only pads)
    assert min(int(s.min()) for s in data.sequences("train")) >= 1
    truncated = datasets.load_imdb("subwords", source=tarball, max_length=16, batch_size=4)
    assert max(x.shape[1] for x, _ in truncated.train) <= 16
    assert truncated.info["cache"]["hit"]  # max_length is not part of the key


@pytest.mark.parametrize("progress", [False, True])
def test_subword_vocabulary_is_tfds_own(progress, capsys):
    """The faster build (one first counting pass per build) gives tfds' vocabulary exactly."""
    from tensorflow_datasets.core.deprecated import text as tfds_text

    from keras_seqzoo.datasets import SubwordEncoder

    rng = random.Random(3)
    letters = "abcdefghijklmnopqrstuvwxyzéü_"
    words = ["".join(rng.choice(letters) for _ in range(rng.randint(2, 12))) for _ in range(400)]
    # Zipf-like frequencies: the binary search over the minimum count takes several steps.
    weights = [1 / (rank + 1) for rank in range(len(words))]
    corpus = [" ".join(rng.choices(words, weights, k=rng.randint(5, 40))) + rng.choice(".!?, ")
              for _ in range(300)]
    for target in (300, 1000):
        steps = []

        class Counting(tfds_text.SubwordTextEncoder):
            @classmethod
            def _build_from_token_counts(cls, *args, **kwargs):
                steps.append(1)
                return super()._build_from_token_counts(*args, **kwargs)

        expected = Counting.build_from_corpus(corpus, target)
        assert len(steps) >= 3, "the search should take several steps to test the cache"
        ours = SubwordEncoder(target_vocab_size=target).fit(corpus, progress=progress)
        assert ours.tokenizer.subwords == expected.subwords, target
        assert type(ours.tokenizer) is tfds_text.SubwordTextEncoder


def test_numpy_pads_after_the_text(tarball, clean_env):
    data = datasets.load_imdb("subwords", source=tarball)
    (x_train, _), *_ = data.numpy()
    sequences = data.sequences("train")
    assert x_train.shape == (len(sequences), max(len(s) for s in sequences))
    for row, seq in zip(x_train, sequences):
        np.testing.assert_array_equal(row[: len(seq)], seq)
        assert not row[len(seq):].any()
    (x_short, _), *_ = data.numpy(max_length=5)
    np.testing.assert_array_equal(x_short[0], sequences[0][:5])


def test_limit_is_balanced_and_seeded(tmp_path, clean_env):
    root = write_folder(tmp_path / "data", imdb_files(per_class=20))
    kw = dict(source=root, limit=10, vocab_size=50, protocol="slides")
    a = datasets.load_imdb(split_seed=1, **kw)
    b = datasets.load_imdb(split_seed=1, **kw)
    c = datasets.load_imdb(split_seed=2, **kw)
    assert a.num_train == a.num_validation == 10
    assert np.bincount(a.labels("train")).tolist() == [5, 5]
    assert np.bincount(a.labels("validation")).tolist() == [5, 5]
    np.testing.assert_array_equal(a.numpy()[0][0], b.numpy()[0][0])
    assert b.info["cache"]["hit"]
    assert c.info["cache"]["key"] != a.info["cache"]["key"]
    # without a limit the seed only shuffles: same cache entry
    full1 = datasets.load_imdb(source=root, seed=1, vocab_size=50)
    full2 = datasets.load_imdb(source=root, seed=2, vocab_size=50)
    assert full2.info["cache"]["key"] == full1.info["cache"]["key"] and full2.info["cache"]["hit"]
    pair = datasets.load_imdb(source=root, limit=(8, None), vocab_size=50, protocol="slides")
    assert (pair.num_train, pair.num_validation) == (8, 40)
    with pytest.raises(ValueError, match="limit"):
        datasets.load_imdb(source=root, limit=0)


def test_limit_on_train_only_fits_the_encoder_on_the_sample(tmp_path, clean_env):
    root = write_folder(tmp_path / "data", imdb_files(per_class=20))
    data = datasets.load_imdb(source=root, limit=(4, None), vocab_size=1000)
    full = datasets.load_imdb(source=root, vocab_size=1000)
    assert data.vocab_size < full.vocab_size


# -- cache ---------------------------------------------------------------------------------


def test_second_load_hits_the_cache_and_reads_nothing(tarball, clean_env, tmp_path, monkeypatch):
    first = datasets.load_imdb(source=tarball, cache_dir=tmp_path / "c", vocab_size=50)
    assert not first.info["cache"]["hit"]
    entry = Path(first.info["cache"]["path"])
    assert entry.parent == tmp_path / "c"
    assert {p.name for p in entry.iterdir()} == {"meta.json", "ids.npz", "encoder"}

    def no_read(*args, **kwargs):
        raise AssertionError("the cache hit must not read the reviews")

    monkeypatch.setattr(datasets.ImdbSource, "read", no_read)
    second = datasets.load_imdb(source=tarball, cache_dir=tmp_path / "c", vocab_size=50)
    assert second.info["cache"]["hit"]
    assert second.encoder.vocabulary == first.encoder.vocabulary
    np.testing.assert_array_equal(second.numpy()[0][0], first.numpy()[0][0])
    # a copy of the same archive elsewhere hits the same entry (content hash)
    copy = tmp_path / "copy.tar.gz"
    copy.write_bytes(tarball.read_bytes())
    assert datasets.load_imdb(source=copy, cache_dir=tmp_path / "c", vocab_size=50).info["cache"]["hit"]


def test_cache_key_follows_data_and_settings(tmp_path, clean_env):
    a = write_tarball(tmp_path / "a.tar.gz", imdb_files(seed=0))
    b = write_tarball(tmp_path / "b.tar.gz", imdb_files(seed=1))
    key = lambda **kw: datasets.load_imdb(**kw).info["cache"]["key"]  # noqa: E731
    base = key(source=a, vocab_size=50)
    assert key(source=b, vocab_size=50) != base
    assert key(source=a, vocab_size=60) != base
    assert key(source=a, vocab_size=50, standardize="lower") != base
    assert key(source=a, vocab_size=50, max_length=7, batch_size=3) == base


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.delenv(datasets.CACHE_ENV, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert datasets.default_cache_dir() == tmp_path / "kh" / "seqzoo_cache"
    monkeypatch.setenv(datasets.CACHE_ENV, str(tmp_path / "mine"))
    assert datasets.default_cache_dir() == tmp_path / "mine"


def test_damaged_cache_entry_is_rebuilt(tarball, clean_env):
    first = datasets.load_imdb(source=tarball, vocab_size=50)
    (Path(first.info["cache"]["path"]) / "ids.npz").write_bytes(b"garbage")
    again = datasets.load_imdb(source=tarball, vocab_size=50)
    assert not again.info["cache"]["hit"] and again.num_train == first.num_train
    assert datasets.load_imdb(source=tarball, vocab_size=50).info["cache"]["hit"]


def test_use_cache_false_writes_nothing(tarball, clean_env, tmp_path):
    data = datasets.load_imdb(source=tarball, cache_dir=tmp_path / "none", use_cache=False)
    assert data.info["cache"]["path"] is None and not (tmp_path / "none").exists()


# -- your own files ------------------------------------------------------------------------


def _rows(n: int, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    return [
        {"review": review(rng, i % 2), "sentiment": "positive" if i % 2 else "negative"}
        for i in range(n)
    ]


def test_csv_and_jsonl(tmp_path, clean_env):
    import csv

    for name, rows in (("train", _rows(12)), ("test", _rows(8, seed=1))):
        with open(tmp_path / f"{name}.csv", "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=["review", "sentiment"])
            writer.writeheader()
            writer.writerows(rows)
        with open(tmp_path / f"{name}.jsonl", "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
    kw = dict(text_column="review", label_column="sentiment", vocab_size=60, max_length=10)
    from_csv = datasets.load_text_files(tmp_path / "train.csv", tmp_path / "test.csv", **kw)
    from_jsonl = datasets.load_text_files(tmp_path / "train.jsonl", tmp_path / "test.jsonl", **kw)
    assert from_csv.class_names == ("negative", "positive")
    # test: the file; validation: 10 % of train per class (1 of 6, at least 1)
    assert (from_csv.num_train, from_csv.num_validation, from_csv.num_test) == (10, 2, 8)
    assert from_csv.info["splits"]["test"] == {"source": "test.csv", "size": 8}
    assert from_csv.info["splits"]["validation"]["source"] == "10 % of train, stratified, seed 0"
    np.testing.assert_array_equal(from_csv.numpy()[0][0], from_jsonl.numpy()[0][0])
    assert np.bincount(from_csv.labels("train")).tolist() == [5, 5]
    np.testing.assert_array_equal(from_csv.labels("test"), [0, 1] * 4)
    with pytest.raises(datasets.DatasetError, match="'text'"):
        datasets.load_text_files(tmp_path / "train.csv", validation_fraction=0.25)


def test_folder_per_class_and_validation_split(tmp_path, clean_env):
    rng = random.Random(0)
    for label, cls in enumerate(("bad", "good")):
        (tmp_path / "reviews" / cls).mkdir(parents=True)
        for i in range(10):
            (tmp_path / "reviews" / cls / f"{i}.txt").write_text(review(rng, label))
    kw = dict(validation_fraction=0.2, encoding="subwords", split_seed=3)
    a = datasets.load_text_files(tmp_path / "reviews", **kw)
    b = datasets.load_text_files(tmp_path / "reviews", **kw, seed=7)  # a model seed: same split
    assert a.class_names == ("bad", "good")
    assert (a.num_train, a.num_validation, a.num_test) == (14, 4, 2)
    assert a.info["splits"]["test"]["source"] == "10 % of train, stratified, seed 3"
    assert b.info["cache"]["hit"]
    np.testing.assert_array_equal(a.labels("validation"), b.labels("validation"))


def test_from_texts_with_int_labels(clean_env):
    data = datasets.from_texts(["good film", "bad film"] * 3, [1, 0] * 3, ["good", "bad"], [1, 0],
                               vocab_size=20, max_length=4, batch_size=2)
    assert data.class_names == ("0", "1") and data.numpy()[0][0].shape == (4, 4)
    assert data.num_test == 2  # one of each class held out
    assert data.encoder.decode(data.numpy()[1][0][0]) == "good"


def test_tfds_source_reads_supervised_pairs(clean_env, monkeypatch):
    import tensorflow as tf
    import tensorflow_datasets as tfds

    raw = datasets.read_imdb(write_folder(clean_env / "data", imdb_files()))
    calls = []

    def fake_load(name, split, as_supervised, download):
        calls.append((name, tuple(split), as_supervised, download))
        return [
            tf.data.Dataset.from_tensor_slices(([t.encode() for t in texts], labels.astype("int64")))
            for texts, labels in ((raw.train_texts, raw.train_labels),
                                  (raw.test_texts, raw.test_labels))
        ]

    monkeypatch.setattr(tfds, "load", fake_load)
    data = datasets.load_imdb(source="tfds", vocab_size=50, download=False)
    assert calls == [("imdb_reviews", ("train", "test"), True, False)]
    assert data.info["source"]["kind"] == "tfds"
    assert (data.num_train, data.num_validation, data.num_test) == (18, 2, 2 * PER_CLASS)
    expected = datasets.load_imdb(source=clean_env / "data", vocab_size=50)
    assert data.encoder.vocabulary == expected.encoder.vocabulary


# -- labels, empty and non-UTF-8 files (issue 14, items 6 and 7) ---------------------------


def _write_csv(path: Path, rows: list[tuple], header=("text", "label")) -> Path:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.one_backend
@pytest.mark.parametrize(
    "labels, out_of_range, missing",
    [([1, 2, 1], "2 (train_labels[1])", "0 is missing"),
     ([0, 5, 0], "5 (train_labels[1])", "1 is missing")],
)
def test_integer_labels_that_are_not_0_to_k_minus_1_are_refused(labels, out_of_range, missing, clean_env):
    with pytest.raises(datasets.DatasetError) as info:
        datasets.from_texts(["good", "bad", "fine"], labels, ["ok"], [labels[0]], use_cache=False)
    message = str(info.value)
    assert out_of_range in message and missing in message and "0..1" in message


@pytest.mark.one_backend
def test_integer_labels_in_a_csv_are_refused_with_file_and_line(tmp_path, clean_env):
    path = _write_csv(tmp_path / "train.csv", [("good film", 1), ("bad film", 2), ("fine", 1)])
    with pytest.raises(datasets.DatasetError, match=r"2 \('.*train.csv' line 3\) is out of range"):
        datasets.load_text_files(path, validation_fraction=0.3, use_cache=False)


@pytest.mark.one_backend
def test_labels_as_ids_or_names(clean_env):
    kw = dict(vocab_size=20, max_length=2, use_cache=False, protocol="slides")
    ids = datasets.from_texts(["a b", "b c", "c a"], ["1", 0.0, True], ["a"], [np.int64(0)], **kw)
    assert ids.class_names == ("0", "1") and ids.labels("train").tolist() == [1, 0, 1]
    names = datasets.from_texts(["a b", "b c"], ["pos", "neg"], ["a"], ["neg"], **kw)
    assert names.class_names == ("neg", "pos") and names.labels("train").tolist() == [1, 0]
    with pytest.raises(datasets.DatasetError, match=r"mix integer class ids and class names: "
                                                    r"1 \(train_labels\[1\]\) and 'pos'"):
        datasets.from_texts(["a", "b"], ["pos", 1], ["c"], ["pos"], **kw)
    with pytest.raises(datasets.DatasetError, match=r"train_labels\[0\].*0.5.*neither"):
        datasets.from_texts(["a", "b"], [0.5, 0], ["c"], [0], **kw)


@pytest.mark.one_backend
def test_empty_label_cells_are_refused_with_file_and_line(tmp_path, clean_env):
    path = _write_csv(tmp_path / "train.csv", [("good film", "pos"), ("bad film", "")])
    with pytest.raises(datasets.DatasetError, match=r"'.*train.csv' line 3 has an empty label"):
        datasets.read_labelled_texts(path)
    (tmp_path / "train.jsonl").write_text('{"text": "good", "label": 1}\n{"text": "bad", "label": null}\n')
    with pytest.raises(datasets.DatasetError, match=r"train.jsonl' line 2 has an empty label"):
        datasets.load_text_files(tmp_path / "train.jsonl", validation_fraction=0.5, use_cache=False)
    with pytest.raises(datasets.DatasetError, match=r"validation_labels\[0\]: empty label"):
        datasets.from_texts(["good", "bad"], [0, 1], ["ok"], [None], use_cache=False)


@pytest.mark.one_backend
def test_empty_text_files_are_refused_with_their_name(tmp_path, clean_env):
    for cls in ("neg", "pos"):
        (tmp_path / "reviews" / cls).mkdir(parents=True)
        (tmp_path / "reviews" / cls / "1.txt").write_text(f"a {cls} review")
    (tmp_path / "reviews" / "pos" / "2.txt").write_text("")
    with pytest.raises(datasets.DatasetError, match=r"'.*reviews/pos/2.txt' is empty"):
        datasets.load_text_files(tmp_path / "reviews", validation_fraction=0.5, use_cache=False)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(datasets.DatasetError, match=r"'.*empty.csv' is empty"):
        datasets.read_labelled_texts(tmp_path / "empty.csv")
    path = _write_csv(tmp_path / "train.csv", [("good film", "pos"), ("  ", "neg")])
    with pytest.raises(datasets.DatasetError, match=r"train.csv' line 3 has an empty text"):
        datasets.read_labelled_texts(path)


@pytest.mark.one_backend
def test_files_that_are_not_utf8_are_refused_or_read_with_file_encoding(tmp_path, clean_env):
    for cls in ("neg", "pos"):
        (tmp_path / "reviews" / cls).mkdir(parents=True)
        (tmp_path / "reviews" / cls / "1.txt").write_text(f"a {cls} review")
    (tmp_path / "reviews" / "pos" / "2.txt").write_bytes("un caf\u00e9 parfait".encode("latin-1"))
    with pytest.raises(datasets.DatasetError, match=r"'.*pos/2.txt' is not utf-8 text: byte 6 "
                                                    r"\(line 1\) is b'\\xe9'.*file_encoding="):
        datasets.load_text_files(tmp_path / "reviews", validation_fraction=0.5, use_cache=False)
    texts, labels = datasets.read_labelled_texts(tmp_path / "reviews", file_encoding="latin-1")
    assert "un caf\u00e9 parfait" in texts and "\ufffd" not in "".join(texts)

    (tmp_path / "train.csv").write_bytes(b"text,label\ngood,pos\nna\xefve,neg\n")
    with pytest.raises(datasets.DatasetError, match=r"train.csv' is not utf-8 text: byte 22 \(line 3\)"):
        datasets.read_labelled_texts(tmp_path / "train.csv")
    assert datasets.read_labelled_texts(tmp_path / "train.csv", file_encoding="cp1252")[0] == [
        "good", "na\u00efve"]
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbftext,label\ngood,pos\n")  # Excel's UTF-8
    assert datasets.read_labelled_texts(tmp_path / "bom.csv") == (["good"], ["pos"])
    with pytest.raises(datasets.DatasetError, match=r"train_texts\[1\] is not UTF-8: byte 2"):
        datasets.from_texts(["good", b"na\xefve"], [0, 1], ["ok"], [0], use_cache=False)
    with pytest.raises(ValueError, match="Unknown file_encoding 'utf-9'"):
        datasets.read_labelled_texts(tmp_path / "train.csv", file_encoding="utf-9")

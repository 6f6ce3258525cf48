"""Your own data (issue 26): formats, the protocol's three splits, bad input, ListOps,
the options dataclass and the IMDB download's hash. Tiny files the tests write themselves."""

from __future__ import annotations

import csv
import json
import random
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from keras_seqzoo import datasets
from keras_seqzoo.datasets import imdb as imdb_module
from tests.helpers import imdb_files, review, write_tarball

pytestmark = pytest.mark.one_backend

CLASSES = ("earn", "grain", "ship")


def _examples(n_per_class: int, classes=CLASSES, seed: int = 0) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n_per_class):
        for c, cls in enumerate(classes):
            rows.append((cls, f"{cls} {review(rng, c % 2)} {i}"))
    return rows


def _write_delimited(path: Path, rows, *, delimiter=",", header=("label", "text")) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=delimiter, quoting=csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL,
                            escapechar="\\" if delimiter == "\t" else None)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    return path


def _class_files(rows) -> dict[str, str]:
    return {f"{cls}/{i}": text for i, (cls, text) in enumerate(rows)}


def _write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def _tar(path: Path, files: dict[str, str]) -> Path:
    return write_tarball(path, files, dirs=False)  # members only, as many archivers write


KW = dict(vocab_size=200, max_length=16, use_cache=False)

# -- formats -------------------------------------------------------------------------------


def test_every_format_reads_the_same_examples(tmp_path, clean_env):
    train, test = _examples(10), _examples(4, seed=1)
    sources = {}
    sources["csv"] = (_write_delimited(tmp_path / "train.csv", train),
                      _write_delimited(tmp_path / "test.csv", test), {})
    sources["tsv"] = (_write_delimited(tmp_path / "train.tsv", train, delimiter="\t"),
                      _write_delimited(tmp_path / "test.tsv", test, delimiter="\t"), {})
    sources["headerless"] = (
        _write_delimited(tmp_path / "train_noheader", train, delimiter="\t", header=None),
        _write_delimited(tmp_path / "test_noheader", test, delimiter="\t", header=None),
        {"columns": ("label", "text")},
    )
    for name, rows in (("train", train), ("test", test)):
        with open(tmp_path / f"{name}.jsonl", "w") as f:
            f.writelines(json.dumps({"text": t, "label": c}) + "\n" for c, t in rows)
    sources["jsonl"] = (tmp_path / "train.jsonl", tmp_path / "test.jsonl", {})
    files = {**{f"train/{k}": v for k, v in _class_files(train).items()},
             **{f"test/{k}": v for k, v in _class_files(test).items()}}
    sources["folder"] = (_write_tree(tmp_path / "tree", files), None, {})
    wrapped = {f"news/news-{k}": v for k, v in files.items()}  # a top folder, named splits
    sources["tar.gz"] = (_tar(tmp_path / "news.tar.gz", wrapped), None, {})
    with zipfile.ZipFile(tmp_path / "news.zip", "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    sources["zip"] = (tmp_path / "news.zip", None, {})

    loaded = {name: datasets.load_data(train_path, test=test_path, **extra, **KW)
              for name, (train_path, test_path, extra) in sources.items()}
    assert loaded["csv"].class_names == CLASSES and loaded["csv"].num_classes == 3
    assert loaded["csv"].positive_class is None
    for name, data in loaded.items():
        assert data.class_names == CLASSES, name
        assert (data.num_train, data.num_validation, data.num_test) == (27, 3, 12), name
        assert np.bincount(data.labels("test")).tolist() == [4, 4, 4], name
        # files keep their row order, folders are read class by class: same split within each
        reference = loaded["csv" if name in ("csv", "tsv", "headerless", "jsonl") else "folder"]
        assert data.encoder.vocabulary == reference.encoder.vocabulary, name
        np.testing.assert_array_equal(data.numpy()[2][0], reference.numpy()[2][0])
    assert loaded["folder"].info["splits"]["test"]["source"] == "tree: test"
    assert loaded["tar.gz"].info["splits"]["test"]["source"] == "news.tar.gz: news-test"


def test_folder_without_split_folders_and_a_single_class_folder_name(tmp_path, clean_env):
    root = _write_tree(tmp_path / "plain", _class_files(_examples(10)))
    (root / "README").write_text("not an example")  # beside the class folders: ignored
    data = datasets.load_text_files(root, **KW)
    assert data.class_names == CLASSES
    assert data.num_train + data.num_validation + data.num_test == 30
    assert data.info["splits"]["test"]["source"] == "10 % of train, stratified, seed 0"


def test_tsv_keeps_quotes_and_suffixless_tsv_is_recognised(tmp_path, clean_env):
    path = tmp_path / "SMS"
    path.write_text('ham\tsay "hi" to him\nspam\tWIN a "prize" now\nham\tok\n', encoding="utf-8")
    texts, labels = datasets.read_labelled_texts(path, columns="label,text")
    assert texts == ['say "hi" to him', 'WIN a "prize" now', "ok"] and labels == ["ham", "spam", "ham"]


# -- the protocol --------------------------------------------------------------------------


def test_sound_protocol_holds_out_stratified_seeded_splits(tmp_path, clean_env):
    rows = [("a", f"alpha {i}") for i in range(60)] + [("b", f"beta {i}") for i in range(20)]
    path = _write_delimited(tmp_path / "train.csv", rows)
    data = datasets.load_data(path, **KW)
    assert data.protocol == "sound" and data.info["protocol"] == "sound"
    assert np.bincount(data.labels("validation")).tolist() == [6, 2]
    assert np.bincount(data.labels("test")).tolist() == [6, 2]
    assert data.num_train == 64
    assert data.info["splits"] == {
        "train": {"source": "the rest of train", "size": 64},
        "validation": {"source": "10 % of train, stratified, seed 0", "size": 8},
        "test": {"source": "10 % of train, stratified, seed 0", "size": 8},
    }
    # the model seed does not move the split; the data seed does
    again = datasets.load_data(path, seed=5, **KW)
    np.testing.assert_array_equal(again.numpy()[1][0], data.numpy()[1][0])
    other = datasets.load_data(path, split_seed=1, **KW)
    assert not np.array_equal(other.numpy()[1][0], data.numpy()[1][0])
    # the hold-out is a partition: no example in two splits, none lost
    labels = np.asarray([0] * 60 + [1] * 20)
    kept, (test, validation), rare = datasets.splits.stratified_holdout(labels, [0.1, 0.1], 0)
    np.testing.assert_array_equal(np.sort(np.concatenate([kept, test, validation])), np.arange(80))
    assert (len(test), len(validation), rare) == (8, 8, [])
    wider = datasets.load_data(path, validation_fraction=0.25, test_fraction=0.2, **KW)
    assert (wider.num_validation, wider.num_test) == (20, 16)


def test_slides_protocol_validates_on_the_test_split(tarball, clean_env):
    slides = datasets.load_data("imdb", imdb_source=tarball, protocol="slides", **KW)
    sound = datasets.load_imdb(source=tarball, **KW)
    assert slides.test is None and slides.num_test == 0 and len(slides.numpy()) == 2
    assert (slides.num_train, slides.num_validation) == (20, 20)
    assert (sound.num_train, sound.num_validation, sound.num_test) == (18, 2, 20)
    assert sound.info["splits"]["test"] == {"source": "IMDB's test split", "size": 20}
    assert sound.positive_class == "pos"
    np.testing.assert_array_equal(slides.numpy()[1][1], sound.numpy()[2][1])
    with pytest.raises(ValueError, match="no test split under protocol 'slides'"):
        slides.labels("test")
    assert sum(len(y) for _, y in sound.test) == 20  # a pipeline like validation


def test_a_rare_class_stays_in_train_with_a_warning(tmp_path, clean_env):
    rows = [("a", f"alpha {i}") for i in range(30)] + [("b", f"beta {i}") for i in range(30)]
    rows += [("rare", "only one")]
    path = _write_delimited(tmp_path / "train.csv", rows)
    with pytest.warns(UserWarning, match=r"'rare' \(1 training example\(s\)\) is too rare"):
        data = datasets.load_data(path, **KW)
    assert np.bincount(data.labels("train"), minlength=3)[2] == 1
    assert 2 not in data.labels("validation") and 2 not in data.labels("test")
    assert data.info["splits"]["rare_classes_kept_in_train"] == ["rare"]
    assert np.bincount(data.labels("validation")).tolist() == [3, 3]


def test_class_weight_keep_and_options(tmp_path, clean_env):
    rows = [("a", f"alpha {i}") for i in range(30)] + [("b", f"beta {i}") for i in range(10)]
    data = datasets.load_data(_write_delimited(tmp_path / "t.csv", rows), **KW)
    counts = np.bincount(data.labels("train"))
    weights = data.class_weight("balanced")
    assert weights == pytest.approx({0: counts.sum() / (2 * counts[0]), 1: counts.sum() / (2 * counts[1])})
    assert (weights[0], weights[1]) == pytest.approx((32 / 48, 2.0))  # 24 and 8 training examples
    with pytest.raises(ValueError, match="'balanced'"):
        data.class_weight("auto")

    text = " ".join(f"w{i}" for i in range(20))
    kw = dict(vocab_size=100, max_length=5, use_cache=False, protocol="slides")
    first = datasets.from_texts([text, "w1 w2"], [0, 1], [text, "w3"], [0, 1], **kw)
    last = datasets.from_texts([text, "w1 w2"], [0, 1], [text, "w3"], [0, 1], keep="last", **kw)
    words = lambda d, row: d.encoder.decode(row).split()  # noqa: E731
    assert words(first, first.numpy()[0][0][0]) == ["w0", "w1", "w2", "w3", "w4"]
    assert words(last, last.numpy()[0][0][0]) == ["w15", "w16", "w17", "w18", "w19"]
    assert words(last, last.numpy()[0][0][1]) == ["w1", "w2"]  # short texts: padded after
    x, _ = next(iter(last.train.unbatch().batch(2)))
    assert sorted(map(tuple, x.numpy().tolist())) == sorted(map(tuple, last.numpy()[0][0].tolist()))
    bucketed = datasets.from_texts([text, "w1 w2"], [0, 1], [text, "w3"], [0, 1], keep="last",
                                   bucket=True, **kw)
    batches = [r for x, _ in bucketed.train for r in x.numpy().tolist()]
    assert [v for v in max(batches, key=lambda r: sum(1 for t in r if t)) if v] == \
        last.numpy()[0][0][0].tolist()

    options = datasets.DataOptions(max_length=7, batch_size=4, protocol="slides")
    from_options = datasets.from_texts(["a b", "c d"], [0, 1], ["a"], [0], options=options,
                                       use_cache=False)
    assert (from_options.max_length, from_options.batch_size, from_options.protocol) == (7, 4, "slides")
    with pytest.raises(TypeError, match="'batchsize'.*Did you mean 'batch_size'"):
        datasets.from_texts(["a"], [0], batchsize=4)
    with pytest.raises(ValueError, match="keep must be 'first' or 'last'. Received: keep='end'"):
        datasets.DataOptions(keep="end")
    with pytest.raises(ValueError, match="protocol must be 'sound' or 'slides'"):
        datasets.DataOptions(protocol="fair")
    assert datasets.DataOptions(encoding="subwords").max_length == 120  # the dataclass: no magic
    sub = datasets.load_data(_write_delimited(tmp_path / "s.csv", rows), encoding="subwords",
                             use_cache=False)
    assert sub.max_length is None  # the loaders: subwords' default length


# -- bad input -----------------------------------------------------------------------------


def test_a_class_only_in_test_is_refused_and_named(tmp_path, clean_env):
    train = _write_delimited(tmp_path / "train.csv", _examples(5, classes=("earn", "ship")))
    test = _write_delimited(tmp_path / "test.csv", _examples(2))
    cache = tmp_path / "cache"
    with pytest.raises(datasets.DatasetError, match=r"test data \(test.csv\) holds the class 'grain', "
                                                    r"which the training data \(train.csv\) lacks"):
        datasets.load_data(train, test=test, cache_dir=cache)
    with pytest.raises(datasets.DatasetError, match=r"validation data \(test.csv\) holds the class 'grain'"):
        datasets.load_data(train, validation=test, cache_dir=cache)
    assert not cache.exists()  # nothing written


def test_one_class_is_refused(tmp_path, clean_env):
    path = _write_delimited(tmp_path / "train.csv", [("spam", f"text {i}") for i in range(5)])
    with pytest.raises(datasets.DatasetError, match=r"one class only \('spam'\); classification "
                                                    r"needs at least 2"):
        datasets.load_data(path, cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache").exists()


def test_missing_columns_list_the_files_columns(tmp_path, clean_env):
    path = _write_delimited(tmp_path / "train.csv", _examples(3), header=("category", "body"))
    with pytest.raises(datasets.DatasetError, match=r"no column 'text', 'label'.*holds the columns "
                                                    r"'category', 'body'.*columns="):
        datasets.load_data(path)
    sms = _write_delimited(tmp_path / "SMS", _examples(3), delimiter="\t", header=None)
    with pytest.raises(datasets.DatasetError, match=r"columns=\('label', 'text'\)"):
        datasets.load_data(sms)
    (tmp_path / "t.jsonl").write_text('{"body": "x", "label": 1}\n')
    with pytest.raises(datasets.DatasetError, match=r"its keys are \['body', 'label'\]"):
        datasets.load_data(tmp_path / "t.jsonl")
    data = datasets.load_data(path, text_column="body", label_column="category", **KW)
    assert data.class_names == CLASSES


def test_a_columns_spec_that_does_not_fit_the_file(tmp_path, clean_env):
    path = _write_delimited(tmp_path / "sms.tsv", _examples(3), delimiter="\t", header=None)
    with pytest.raises(datasets.DatasetError, match=r"line 1 has 2 field\(s\).*columns=\['id', "
                                                    r"'label', 'text'\] names 3: the columns spec "
                                                    r"does not fit"):
        datasets.load_data(path, columns=("id", "label", "text"))
    with pytest.raises(ValueError, match=r"does not name the text and label columns \('text' missing\)"):
        datasets.load_data(path, columns=("label", "body"))
    # a header matching the spec is skipped, not read as an example
    with_header = _write_delimited(tmp_path / "h.tsv", _examples(3), delimiter="\t")
    assert len(datasets.read_labelled_texts(with_header, columns=("label", "text"))[0]) == 9


def test_ids_in_one_file_and_names_in_another(tmp_path, clean_env):
    train = _write_delimited(tmp_path / "train.csv", [(i % 2, f"text {i}") for i in range(6)])
    test = _write_delimited(tmp_path / "test.csv", [("neg", "a"), ("pos", "b")])
    with pytest.raises(datasets.DatasetError, match=r"class ids in '.*train.csv' \(0, 1\) and class "
                                                    r"names in '.*test.csv' \('neg', 'pos'\)"):
        datasets.load_data(train, test=test)


def test_split_folders_given_twice_and_a_bad_format(tmp_path, clean_env):
    files = {f"train/{k}": v for k, v in _class_files(_examples(4)).items()}
    files.update({f"test/{k}": v for k, v in _class_files(_examples(2)).items()})
    root = _write_tree(tmp_path / "tree", files)
    other = _write_delimited(tmp_path / "test.csv", _examples(2))
    with pytest.raises(datasets.DatasetError, match="the test split is given twice"):
        datasets.load_data(root, test=other)
    with pytest.raises(ValueError, match="format must be one of 'csv', 'tsv', 'jsonl', 'folder'"):
        datasets.load_data(other, format="xlsx")
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(_tar(tmp_path / "ok.tar.gz", files).read_bytes()[:300])
    with pytest.raises(datasets.DatasetError, match="corrupt or truncated"):
        datasets.load_data(broken)


# -- ListOps -------------------------------------------------------------------------------


def _evaluate(tokens: list[str], i: int = 0) -> tuple[int, int]:
    """A recursive-descent reading of one expression: (value, next index)."""
    token = tokens[i]
    if token.isdigit():
        return int(token), i + 1
    assert token.startswith("["), token
    args, i = [], i + 1
    while tokens[i] != "]":
        value, i = _evaluate(tokens, i)
        args.append(value)
    ordered = sorted(args)
    value = {
        "[MAX": ordered[-1],
        "[MIN": ordered[0],
        "[MED": ordered[(len(ordered) - 1) // 2] if len(ordered) % 2 else (ordered[len(ordered) // 2 - 1] + ordered[len(ordered) // 2]) // 2,
        "[SM": sum(args) % 10,
    }[token]
    return value, i + 1


def test_listops_labels_are_the_expressions_values():
    texts, labels = datasets.make_listops(400, max_length=120, max_depth=5, seed=3)
    assert len(texts) == 400 and labels.dtype == np.int32
    for text, label in zip(texts, labels):
        tokens = text.split()
        value, end = _evaluate(tokens)
        assert end == len(tokens) and value == label, text
        assert len(tokens) <= 120 and tokens[0] in datasets.listops.OPERATORS
    assert len(set(labels.tolist())) == 10  # every class occurs
    assert max(t.count("[") - 0 for t in texts) > 1  # nested
    again, _ = datasets.make_listops(400, max_length=120, max_depth=5, seed=3)
    other, _ = datasets.make_listops(400, max_length=120, max_depth=5, seed=4)
    assert again == texts and other != texts
    with pytest.raises(ValueError, match="max_length must be >= 4"):
        datasets.make_listops(3, max_length=3)


def test_load_data_listops_keeps_the_brackets(clean_env):
    data = datasets.load_data("listops", listops={"size": 300, "max_length": 60, "max_depth": 4},
                              use_cache=False)
    assert data.num_classes == 10 and data.class_names == tuple("0123456789")
    assert data.num_train + data.num_validation + data.num_test == 300
    assert 27 <= data.num_validation <= 33 and 27 <= data.num_test <= 33  # 10 % per class
    assert {"[max", "]"} <= set(data.encoder.vocabulary) or {"[MAX", "]"} <= set(data.encoder.vocabulary)
    assert data.max_length == 60
    assert data.info["splits"]["test"]["source"] == "10 % of train, stratified, seed 0"
    with pytest.raises(ValueError, match="unknown listops option 'depth'"):
        datasets.load_data("listops", listops={"depth": 3})


# -- the IMDB download's hash (issue 28) ---------------------------------------------------


def test_imdb_download_is_checked_against_its_sha256(tmp_path, clean_env, monkeypatch):
    (tmp_path / "served").mkdir()
    archive = write_tarball(tmp_path / "served" / "aclImdb_v1.tar.gz", imdb_files())
    monkeypatch.setattr(imdb_module, "IMDB_URL", archive.as_uri())  # served through urllib
    monkeypatch.setattr(imdb_module, "_keras_download", imdb_module._checked_download)
    cache = clean_env / ".keras" / "datasets"
    with pytest.raises(datasets.DatasetError, match=r"SHA-256 [0-9a-f]{64}, not the published "
                                                    r"c40f74a1.*was removed"):
        datasets.find_imdb()
    assert not list(cache.glob("aclImdb*"))  # the mismatching download was removed
    monkeypatch.setattr(imdb_module, "IMDB_SHA256", datasets._cache.file_sha256(archive))
    found = datasets.find_imdb()
    assert (found.origin, Path(found.location).parent) == ("keras_download", cache)
    assert datasets.load_imdb(**KW).num_test == 20
